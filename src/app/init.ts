import { existsSync } from 'node:fs'
import { isSupportedCountry } from 'libphonenumber-js'
import { findEnvOverrides, type EnvOverride } from '../config/loader.js'
import { configSchema, ENV, TICKET_TRIGGERS, type TagMapping } from '../config/schema.js'
import { CancelledError, UserError } from '../errors.js'
import { checkTemplate, DEFAULT_MISSED_CALL_MESSAGE_TEMPLATE } from '../templates/index.js'
import {
  configFromAnswers,
  renderConfigYaml,
  writeConfigFile,
  type InitAnswers,
  type LogMode,
  type Region,
  type TagMappingAnswer,
  type TicketsAnswer,
} from './config-writer.js'
import type { Prompter } from '../domain/prompter.js'
import { Runtime } from './runtime.js'

export type { InitAnswers } from './config-writer.js'
export type { Prompter } from '../domain/prompter.js'

/** What `init` was told on the command line; anything missing is asked for, or defaulted when nobody can answer. */
export interface InitFlags {
  region?: Region
  adminId?: string
  logMode?: LogMode
  defaultCountry?: string
  tagMap?: string[]
  missedCallMessage?: string
  /** false with --no-vip. */
  vip?: boolean
  /** `--ticket-type ID`: tickets on, for the calls in `ticketOn` (voicemails when none are given). */
  ticketType?: string
  ticketOn?: TicketTrigger[]
}

type TicketTrigger = (typeof TICKET_TRIGGERS)[number]

type AttributeType = TagMapping['type']

/** What the APIs said; each is null when it could not be listed (no credentials, API down). */
export interface InitLookups {
  admins: Array<{ id: string; name: string | null; email: string | null }> | null
  meId: string | null
  aircallTags: string[] | null
  contactAttributes: Array<{ name: string; type: AttributeType | null }> | null
  /** The workspace's live ticket types (absent or null: not listed). */
  ticketTypes?: Array<{ id: string; name: string; category: string }> | null
}

const TAG_MAP_FLAG = /^(?<tag>[^=]+)=(?<attribute>[^:]+)(?::(?<type>[a-z]+))?(?::(?<target>[a-z]+))?$/
const TYPES: readonly AttributeType[] = ['boolean', 'string', 'integer', 'date']
const TARGETS: ReadonlyArray<TagMapping['target']> = ['contact', 'conversation', 'both']
const ATTRIBUTE_NAME = /^[A-Za-z0-9_$€£¥-]+$/

/** `--tag-map "VIP=aircall_vip:boolean[:contact]"`: the type is looked up in Intercom when omitted. */
export const parseTagMapFlag = (value: string, known: InitLookups['contactAttributes'] = null): TagMappingAnswer => {
  const match = TAG_MAP_FLAG.exec(value.trim())
  const tag = match?.groups?.tag?.trim()
  const attribute = match?.groups?.attribute?.trim()
  const hint = 'write --tag-map "TAG=ATTRIBUTE[:TYPE[:TARGET]]", e.g. --tag-map "VIP=aircall_vip:boolean"'
  if (!tag || !attribute) throw new UserError(`invalid --tag-map "${value}"`, hint)
  if (!ATTRIBUTE_NAME.test(attribute)) {
    throw new UserError(`invalid attribute name "${attribute}" in --tag-map`, 'use letters, digits, "_" and "-"')
  }
  const type = match?.groups?.type ?? knownType(known, attribute) ?? 'boolean'
  const target = match?.groups?.target ?? 'contact'
  if (!TYPES.includes(type as AttributeType)) {
    throw new UserError(`invalid type "${type}" in --tag-map`, `one of ${TYPES.join(', ')}`)
  }
  if (!TARGETS.includes(target as TagMapping['target'])) {
    throw new UserError(`invalid target "${target}" in --tag-map`, `one of ${TARGETS.join(', ')}`)
  }
  return { tag, attribute, type: type as AttributeType, target: target as TagMapping['target'] }
}

const knownType = (known: InitLookups['contactAttributes'], name: string): AttributeType | null =>
  known?.find((attribute) => attribute.name.toLowerCase() === name.toLowerCase())?.type ?? null

const INTERCOM_TYPES: Record<string, AttributeType> = {
  boolean: 'boolean',
  string: 'string',
  integer: 'integer',
  date: 'date',
  datetime: 'date',
}

/** Lists admins, tags and attributes for the wizard; every failure becomes a warning, never an error. */
export const fetchInitLookups = async (
  env: NodeJS.ProcessEnv,
  region: Region,
  options: { timeoutMs?: number; onWarning?: (text: string) => void } = {},
): Promise<InitLookups> => {
  const warn = options.onWarning ?? (() => {})
  const value = (name: string): string | undefined => (env[name] ? env[name] : undefined)
  const config = configSchema.parse({
    aircall: { apiId: value(ENV.aircallApiId), apiToken: value(ENV.aircallApiToken), apiUrl: value(ENV.aircallApiUrl) },
    intercom: { region, accessToken: value(ENV.intercomAccessToken), apiUrl: value(ENV.intercomApiUrl) },
  })
  const runtime = new Runtime({ config, file: null, expectedFile: '', statePath: '', secrets: [], sources: {} })
  const timeoutMs = options.timeoutMs ?? 10_000
  const attempt = async <T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T | null> => {
    try {
      return await work(AbortSignal.timeout(timeoutMs))
    } catch (error) {
      warn(`${what} not listed: ${(error as Error).message}`)
      return null
    }
  }
  const haveIntercom = Boolean(config.intercom.accessToken)
  const haveAircall = Boolean(config.aircall.apiId && config.aircall.apiToken)
  if (!haveIntercom) warn(`${ENV.intercomAccessToken} is not set: Intercom admins and attributes are not listed`)
  if (!haveAircall) warn(`${ENV.aircallApiId} / ${ENV.aircallApiToken} are not set: Aircall tags are not listed`)
  const [admins, me, tags, attributes, ticketTypes] = await Promise.all([
    haveIntercom ? attempt('Intercom admins', (signal) => runtime.intercom.admins.list(signal)) : null,
    haveIntercom ? attempt('the token’s admin', (signal) => runtime.intercom.me(signal)) : null,
    haveAircall
      ? attempt('Aircall tags', async (signal) => {
          const names: string[] = []
          for await (const tag of runtime.aircall.tags.list(signal)) names.push(tag.name)
          return names
        })
      : null,
    haveIntercom
      ? attempt('Intercom contact attributes', (signal) => runtime.intercom.dataAttributes.list('contact', { signal }))
      : null,
    haveIntercom ? attempt('Intercom ticket types', (signal) => runtime.intercom.tickets.listTypes(signal)) : null,
  ])
  return {
    admins:
      admins?.map((admin) => ({ id: String(admin.id), name: admin.name ?? null, email: admin.email ?? null })) ?? null,
    meId: me ? String(me.id) : null,
    aircallTags: tags,
    contactAttributes:
      attributes
        ?.filter((attribute) => attribute.custom !== false && !attribute.archived)
        .map((attribute) => ({ name: attribute.name, type: INTERCOM_TYPES[attribute.data_type] ?? null })) ?? null,
    ticketTypes:
      ticketTypes
        ?.filter((type) => !type.archived)
        .map((type) => ({ id: type.id, name: type.name, category: type.category })) ?? null,
  }
}

const ticketsFromFlags = (flags: InitFlags): TicketsAnswer | null => {
  if (flags.ticketType === undefined) {
    if (flags.ticketOn && flags.ticketOn.length > 0) {
      throw new UserError('--ticket-on needs --ticket-type', '`aircall-intercom doctor` lists the ticket types')
    }
    return null
  }
  if (!/^\d+$/.test(flags.ticketType.trim())) {
    throw new UserError(`--ticket-type "${flags.ticketType}" is not a ticket type id`, 'pass the numeric id')
  }
  const on = flags.ticketOn && flags.ticketOn.length > 0 ? [...new Set(flags.ticketOn)] : ['voicemail' as const]
  return { typeId: flags.ticketType.trim(), on }
}

const TRIGGER_NAMES: Record<TicketTrigger, string> = {
  'missed-call': 'missed calls',
  voicemail: 'voicemails',
  'action-item': 'calls with an AI action item',
  vip: 'calls from VIP callers',
}

const askTickets = async (prompter: Prompter, lookups: InitLookups): Promise<TicketsAnswer | null> => {
  if (
    !(await prompter.confirm({ message: 'Open an Intercom ticket for voicemails or missed calls?', default: false }))
  ) {
    return null
  }
  const types = lookups.ticketTypes ?? []
  const typeId =
    types.length > 0
      ? await prompter.select({
          message: 'Which ticket type?',
          choices: types.map((type) => ({
            name: `${type.name} (${type.category}, ${type.id})`,
            value: type.id,
            description:
              type.category === 'Customer'
                ? 'the call’s conversation becomes the ticket'
                : 'a ticket linked to the call’s conversation',
          })),
        })
      : (
          await prompter.input({
            message: 'Ticket type id (`aircall-intercom doctor` lists them)',
            validate: (value) => (/^\d+$/.test(value.trim()) ? true : 'the numeric id of a ticket type'),
          })
        ).trim()
  const on = await prompter.checkbox<TicketTrigger>({
    message: 'Which calls open a ticket? (space to pick, enter when done)',
    choices: TICKET_TRIGGERS.map((trigger) => ({
      name: TRIGGER_NAMES[trigger],
      value: trigger,
      checked: trigger === 'voicemail',
    })),
  })
  return { typeId, on: on.length > 0 ? on : ['voicemail'] }
}

const vipTagFrom = (tags: string[] | null): string => tags?.find((tag) => tag.toLowerCase() === 'vip') ?? 'VIP'

/** The answers when nobody can be asked: flags first, then the environment and the APIs, then defaults. */
export const defaultAnswers = (flags: InitFlags, lookups: InitLookups, env: NodeJS.ProcessEnv = {}): InitAnswers => ({
  region: flags.region ?? 'us',
  adminId: flags.adminId ?? (env[ENV.intercomAdminId] || null) ?? lookups.meId,
  logMode: flags.logMode ?? 'conversation',
  defaultCountry: (flags.defaultCountry ?? 'US').toUpperCase(),
  tagMap: (flags.tagMap ?? []).map((entry) => parseTagMapFlag(entry, lookups.contactAttributes)),
  missedCallMessage: flags.missedCallMessage ?? null,
  vipTag: flags.vip === false ? null : vipTagFrom(lookups.aircallTags),
  tickets: ticketsFromFlags(flags),
})

const NEW_ATTRIBUTE = '\u0000new'
const slug = (tag: string): string =>
  tag
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')

const validateTemplate = (value: string): true | string => {
  const checked = checkTemplate(value)
  return checked.ok ? true : `not a valid template: ${checked.error}`
}

const askTagMapping = async (prompter: Prompter, tag: string, lookups: InitLookups): Promise<TagMappingAnswer> => {
  const existing = lookups.contactAttributes ?? []
  let attribute = NEW_ATTRIBUTE
  if (existing.length > 0) {
    attribute = await prompter.select({
      message: `Intercom contact attribute for the Aircall tag "${tag}"`,
      choices: [
        { name: 'a new attribute…', value: NEW_ATTRIBUTE },
        ...existing.map((item) => ({ name: `${item.name} (${item.type ?? 'other type'})`, value: item.name })),
      ],
      default: NEW_ATTRIBUTE,
    })
  }
  let type = knownType(lookups.contactAttributes, attribute)
  if (attribute === NEW_ATTRIBUTE) {
    attribute = await prompter.input({
      message: `Name of the new attribute for "${tag}"`,
      default: `aircall_${slug(tag) || 'tag'}`,
      validate: (value) => (ATTRIBUTE_NAME.test(value) ? true : 'use letters, digits, "_" and "-"'),
    })
  }
  type ??= await prompter.select<AttributeType>({
    message: `Type of "${attribute}"`,
    choices: [
      { name: 'boolean (true when the call carries the tag)', value: 'boolean' },
      { name: 'string (the tag name)', value: 'string' },
      { name: 'integer', value: 'integer' },
      { name: 'date (when the call was tagged)', value: 'date' },
    ],
    default: 'boolean',
  })
  const target = await prompter.select<TagMapping['target']>({
    message: `Write "${attribute}" on`,
    choices: [
      { name: 'the contact', value: 'contact' },
      { name: 'the call’s conversation', value: 'conversation' },
      { name: 'both', value: 'both' },
    ],
    default: 'contact',
  })
  return { tag, attribute, type, target }
}

/** The interactive wizard: asks only what the flags left open. */
export const askAnswers = async (
  prompter: Prompter,
  flags: InitFlags,
  lookupsFor: (region: Region) => Promise<InitLookups>,
  env: NodeJS.ProcessEnv = {},
): Promise<InitAnswers> => {
  const region =
    flags.region ??
    (await prompter.select<Region>({
      message: 'Where is your Intercom workspace hosted?',
      choices: [
        { name: 'United States (api.intercom.io)', value: 'us' },
        { name: 'Europe (api.eu.intercom.io)', value: 'eu' },
        { name: 'Australia (api.au.intercom.io)', value: 'au' },
      ],
      default: 'us',
    }))
  const lookups = await lookupsFor(region)

  let adminId = flags.adminId ?? null
  if (!adminId && lookups.admins && lookups.admins.length > 0) {
    adminId = await prompter.select({
      message: 'Which Intercom admin should notes and messages be written as?',
      choices: lookups.admins.map((admin) => ({
        name: `${admin.name ?? '(no name)'}${admin.email ? ` <${admin.email}>` : ''} (${admin.id})`,
        value: admin.id,
      })),
      default: lookups.meId ?? undefined,
    })
  } else if (!adminId) {
    adminId =
      (
        await prompter.input({
          message: 'Intercom admin id to write as (blank to set it later)',
          default: env[ENV.intercomAdminId] ?? '',
        })
      ).trim() || null
  }

  const logMode =
    flags.logMode ??
    (await prompter.select<LogMode>({
      message: 'How should each call be logged in Intercom?',
      choices: [
        { name: 'a conversation per call (searchable, can be assigned and closed)', value: 'conversation' },
        { name: 'a note on the contact', value: 'note' },
      ],
      default: 'conversation',
    }))

  const defaultCountry = (
    flags.defaultCountry ??
    (await prompter.input({
      message: 'Default country for numbers without an international prefix (ISO code)',
      default: 'US',
      validate: (value) =>
        isSupportedCountry(value.trim().toUpperCase()) ? true : 'an ISO country code, e.g. US, FR, GB',
    }))
  )
    .trim()
    .toUpperCase()

  let tagMap: TagMappingAnswer[]
  if (flags.tagMap && flags.tagMap.length > 0) {
    tagMap = flags.tagMap.map((entry) => parseTagMapFlag(entry, lookups.contactAttributes))
  } else {
    const tags =
      lookups.aircallTags && lookups.aircallTags.length > 0
        ? await prompter.checkbox({
            message: 'Which Aircall call tags should set an Intercom attribute? (space to pick, enter when done)',
            choices: lookups.aircallTags.map((tag) => ({ name: tag, value: tag })),
          })
        : (await prompter.input({ message: 'Aircall tags to map to attributes (comma-separated, blank for none)' }))
            .split(',')
            .map((tag) => tag.trim())
            .filter(Boolean)
    tagMap = []
    for (const tag of tags) tagMap.push(await askTagMapping(prompter, tag, lookups))
  }

  let missedCallMessage = flags.missedCallMessage ?? null
  if (missedCallMessage === null) {
    const wanted = await prompter.confirm({ message: 'Send an in-app message to callers you missed?', default: false })
    if (wanted) {
      missedCallMessage = await prompter.input({
        message: 'Message (a Liquid template; enter keeps the default)',
        default: DEFAULT_MISSED_CALL_MESSAGE_TEMPLATE,
        validate: validateTemplate,
      })
    }
  }

  let vipTag: string | null = null
  if (
    flags.vip !== false &&
    (await prompter.confirm({ message: 'Add a note to calls from VIP callers?', default: true }))
  ) {
    const known = lookups.aircallTags ?? []
    vipTag =
      known.length > 0
        ? await prompter.select({
            message: 'Which Aircall tag marks a VIP caller?',
            choices: known.map((tag) => ({ name: tag, value: tag })),
            default: vipTagFrom(known),
          })
        : (await prompter.input({ message: 'Aircall tag that marks a VIP caller', default: 'VIP' })).trim() || 'VIP'
  }
  const tickets = ticketsFromFlags(flags) ?? (await askTickets(prompter, lookups))
  return { region, adminId, logMode, defaultCountry, tagMap, missedCallMessage, vipTag, tickets }
}

export interface InitResult {
  file: string
  overwritten: boolean
  answers: InitAnswers
  /** Values just written that the environment replaces at run time (each is also a warning). */
  environmentOverrides: EnvOverride[]
  nextSteps: string[]
}

export interface InitOptions {
  file: string
  flags: InitFlags
  force?: boolean
  /** null when nobody can answer (no TTY, --yes, --json): no prompt is ever shown then. */
  prompter: Prompter | null
  env?: NodeJS.ProcessEnv
  lookupsFor?: (region: Region) => Promise<InitLookups>
  onWarning?: (text: string) => void
}

/** Asks (or defaults) the answers and writes a commented configuration that validates. */
export const runInit = async (options: InitOptions): Promise<InitResult> => {
  const env = options.env ?? {}
  const exists = existsSync(options.file)
  if (exists && !options.force) {
    if (!options.prompter) {
      throw new UserError(
        `${options.file} already exists`,
        'pass --force to overwrite it, or --output FILE to write another file',
      )
    }
    const overwrite = await options.prompter.confirm({
      message: `${options.file} exists. Overwrite it?`,
      default: false,
    })
    if (!overwrite) throw new CancelledError(`kept ${options.file}`)
  }
  const lookupsFor =
    options.lookupsFor ?? ((region: Region) => fetchInitLookups(env, region, { onWarning: options.onWarning }))
  const answers = options.prompter
    ? await askAnswers(options.prompter, options.flags, lookupsFor, env)
    : defaultAnswers(options.flags, await lookupsFor(options.flags.region ?? 'us'), env)
  if (!isSupportedCountry(answers.defaultCountry)) {
    throw new UserError(
      `--default-country "${answers.defaultCountry}" is not a country code libphonenumber knows`,
      'pass an ISO 3166-1 alpha-2 code such as US, FR or GB',
    )
  }
  if (answers.missedCallMessage !== null) {
    const checked = validateTemplate(answers.missedCallMessage)
    if (checked !== true) throw new UserError(`--missed-call-message is ${checked}`)
  }
  writeConfigFile(options.file, renderConfigYaml(answers))
  // Precedence is flag > environment > file: a variable left in the shell (a sandbox's INTERCOM_ADMIN_ID) would
  // silently beat what was just chosen.
  const environmentOverrides = findEnvOverrides(configFromAnswers(answers), env, options.file)
  for (const override of environmentOverrides) {
    options.onWarning?.(
      override.secret
        ? `${override.variable} in the environment replaces ${override.path} written to ${override.file}: unset it for the file's value to apply`
        : `${override.variable}=${override.envValue ?? ''} in the environment replaces ${override.path}: ${override.fileValue ?? ''} written to ${override.file}: unset it for the file's value to apply`,
    )
  }
  const nextSteps = [
    'export the credentials: AIRCALL_API_ID, AIRCALL_API_TOKEN, INTERCOM_ACCESS_TOKEN, INTERCOM_CLIENT_SECRET',
    ...(answers.adminId ? [] : ['set intercom.adminId or INTERCOM_ADMIN_ID']),
    'aircall-intercom doctor --fix            # checks credentials, attributes, tags and templates',
    'aircall-intercom webhooks register --url https://your-listener   # then run `aircall-intercom listen`',
  ]
  return { file: options.file, overwritten: exists, answers, environmentOverrides, nextSteps }
}
