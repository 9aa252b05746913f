import { z } from 'zod'
import { ConfigError, type LoadedConfig } from '../config/loader.js'
import type { AppConfig } from '../config/schema.js'
import { AuthError, ForbiddenError } from '../http/errors.js'
import type { FetchLike } from '../http/types.js'
import { requiredDataAttributes, type RequiredDataAttribute } from '../rules/tag-attributes.js'
import { DataAttributeEnsurer } from '../sync/data-attributes.js'
import { Runtime, type RuntimeDeps } from './runtime.js'
import { checkTemplateRows } from './doctor-templates.js'
import { listenerUrls, requiredAircallEvents, requiredIntercomTopics } from './webhooks.js'

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'info' | 'skip'

export interface CheckRow {
  id: string
  title: string
  status: CheckStatus
  detail: string
  hint?: string
  /** Set when `--fix` repaired what this row found. */
  fixed?: boolean
}

export interface DoctorResult {
  configFile: string | null
  checks: CheckRow[]
  failed: number
  warned: number
  fixesApplied: string[]
  /** Repairs that were available but not made (no --fix, or not confirmed). */
  fixesPending: string[]
}

export interface DoctorOptions {
  /** Loads the configuration; a ConfigError becomes the failed first row. */
  load: () => LoadedConfig
  listenerUrl?: string
  fix?: boolean
  /** Asked once with every repair about to be made; false leaves them undone. */
  confirmFix?: (fixes: string[]) => Promise<boolean>
  /** Per check, so one dead API cannot hang the command (default 10 s). */
  timeoutMs?: number
  deps?: RuntimeDeps
  fetch?: FetchLike
}

class CheckTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms / 1000} s`)
    this.name = 'CheckTimeoutError'
  }
}

const withTimeout = async <T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> => {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort()
      reject(new CheckTimeoutError(ms))
    }, ms)
  })
  try {
    return await Promise.race([work(controller.signal), expired])
  } finally {
    clearTimeout(timer)
  }
}

interface Fix {
  rowId: string
  description: string
  apply: (signal: AbortSignal) => Promise<void>
}

interface Outcome {
  rows: CheckRow[]
  fixes?: Fix[]
}

const row = (id: string, title: string, status: CheckStatus, detail: string, hint?: string): CheckRow => ({
  id,
  title,
  status,
  detail,
  ...(hint ? { hint } : {}),
})

const skipped = (id: string, title: string, because: string): Outcome => ({
  rows: [row(id, title, 'skip', `not checked: ${because}`)],
})

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const conversationAttributeList = z
  .object({
    data: z.array(
      z.object({ name: z.string(), data_type: z.string(), archived: z.boolean().optional() }).passthrough(),
    ),
  })
  .passthrough()

/** Intercom types a mapping type may be written into. */
const COMPATIBLE: Record<RequiredDataAttribute['dataType'], string[]> = {
  boolean: ['boolean'],
  string: ['string'],
  integer: ['integer'],
  date: ['date', 'datetime'],
}

const attributesToCheck = (config: AppConfig): RequiredDataAttribute[] => {
  const required = requiredDataAttributes(config.tags.map)
  if (config.logging.mode === 'conversation') {
    required.push({ name: config.logging.callIdAttribute, model: 'conversation', dataType: 'string' })
  }
  return required
}

const aircallTagNames = (config: AppConfig): string[] => {
  const names = config.tags.map.map((entry) => entry.tag)
  if (config.resolve.enabled) names.push(config.resolve.tag)
  if (config.vip.enabled) {
    for (const rule of config.vip.rules) names.push(...(rule.tags ?? []))
    for (const route of config.vip.routes) names.push(...(route.tags ?? []))
  }
  const seen = new Map<string, string>()
  for (const name of names) if (!seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name)
  return [...seen.values()]
}

/** Every check `doctor` runs, as rows; it never throws for what it finds, only for bugs. */
export const runDoctor = async (options: DoctorOptions): Promise<DoctorResult> => {
  let loaded: LoadedConfig
  try {
    loaded = options.load()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    const detail = error.problems.map((problem) => `${problem.file}:${problem.path}: ${problem.message}`).join('; ')
    return summarise(
      null,
      [row('config', 'configuration', 'fail', detail, 'fix the file, then run `config validate`')],
      [],
      [],
    )
  }
  const runtime = new Runtime(loaded, options.deps)
  const timeoutMs = options.timeoutMs ?? 10_000
  const guarded = async (
    id: string,
    title: string,
    check: (signal: AbortSignal) => Promise<Outcome>,
  ): Promise<Outcome> => {
    try {
      return await withTimeout(timeoutMs, check)
    } catch (error) {
      return {
        rows: [row(id, title, 'fail', message(error), 'check the network and the API URL, then run doctor again')],
      }
    }
  }
  try {
    const { config } = loaded
    const configRow = loaded.file
      ? row('config', 'configuration', 'pass', `${loaded.file} is valid`)
      : row(
          'config',
          'configuration',
          'warn',
          `no file at ${loaded.expectedFile}: defaults and environment`,
          'run `init`',
        )

    const [aircall, intercom] = await Promise.all([
      guarded('aircall-credentials', 'Aircall credentials', (signal) => checkAircall(runtime, signal)),
      guarded('intercom-credentials', 'Intercom credentials', (signal) => checkIntercom(runtime, signal)),
    ])
    const aircallOk = aircall.rows.every((item) => item.status === 'pass')
    const intercomOk = intercom.rows.every((item) => item.status === 'pass')
    const needsAircall = (id: string, title: string, check: (signal: AbortSignal) => Promise<Outcome>) =>
      aircallOk ? guarded(id, title, check) : Promise.resolve(skipped(id, title, 'the Aircall credentials failed'))
    const needsIntercom = (id: string, title: string, check: (signal: AbortSignal) => Promise<Outcome>) =>
      intercomOk ? guarded(id, title, check) : Promise.resolve(skipped(id, title, 'the Intercom credentials failed'))
    const listenerUrl = options.listenerUrl ?? config.listener.publicUrl

    const outcomes: Outcome[] = await Promise.all([
      Promise.resolve({ rows: [configRow] }),
      aircall,
      intercom,
      needsIntercom('admin', 'Intercom admin', (signal) => checkAdmin(runtime, signal)),
      needsIntercom('data-attributes', 'data attributes', (signal) => checkAttributes(runtime, signal)),
      needsAircall('aircall-tags', 'Aircall tags', (signal) => checkAircallTags(runtime, signal)),
      config.escalation.enabled && config.escalation.tags.length > 0
        ? needsIntercom('intercom-tags', 'Intercom tags', (signal) => checkIntercomTags(runtime, signal))
        : Promise.resolve({ rows: [] }),
      Promise.resolve({ rows: checkTemplateRows(config) }),
      guarded('store', 'state store', async () => checkStore(runtime)),
      listenerUrl
        ? guarded('listener', 'listener', (signal) => checkListener(listenerUrl, options.fetch ?? fetch, signal))
        : Promise.resolve({
            rows: [row('listener', 'listener', 'info', 'not checked', 'pass --listener-url URL to check it answers')],
          }),
      needsAircall('aircall-webhook', 'Aircall webhook', (signal) => checkAircallWebhook(runtime, listenerUrl, signal)),
      Promise.resolve({ rows: [intercomTopicsRow(config, listenerUrl)] }),
    ])
    const rows = outcomes.flatMap((outcome) => outcome.rows)
    const fixes = outcomes.flatMap((outcome) => outcome.fixes ?? [])
    const applied: string[] = []
    let pending = fixes
    if (
      fixes.length > 0 &&
      options.fix &&
      (await (options.confirmFix ?? (async () => false))(fixes.map((fix) => fix.description)))
    ) {
      pending = []
      for (const fix of fixes) {
        const target = rows.find((item) => item.id === fix.rowId)
        try {
          await withTimeout(timeoutMs, fix.apply)
          applied.push(fix.description)
          if (target)
            Object.assign(target, {
              status: 'pass',
              detail: `${target.detail} → fixed: ${fix.description}`,
              fixed: true,
              hint: undefined,
            })
        } catch (error) {
          pending.push(fix)
          if (target) target.detail = `${target.detail}; the fix failed: ${message(error)}`
        }
      }
    }
    return summarise(
      loaded.file,
      rows,
      applied,
      pending.map((fix) => fix.description),
    )
  } finally {
    runtime.close()
  }
}

const summarise = (file: string | null, checks: CheckRow[], applied: string[], pending: string[]): DoctorResult => ({
  configFile: file,
  checks: checks.map((item) => (item.hint === undefined ? (({ hint: _hint, ...rest }) => rest)(item) : item)),
  failed: checks.filter((item) => item.status === 'fail').length,
  warned: checks.filter((item) => item.status === 'warn').length,
  fixesApplied: applied,
  fixesPending: pending,
})

const checkAircall = async (runtime: Runtime, signal: AbortSignal): Promise<Outcome> => {
  const title = 'Aircall credentials'
  const { aircall } = runtime.config
  if (!aircall.apiId || !aircall.apiToken) {
    return {
      rows: [
        row(
          'aircall-credentials',
          title,
          'fail',
          'AIRCALL_API_ID / AIRCALL_API_TOKEN are not set',
          'export both (Aircall Dashboard › Integrations › API keys)',
        ),
      ],
    }
  }
  try {
    await runtime.aircall.ping(signal)
    return { rows: [row('aircall-credentials', title, 'pass', `the API key works (${new URL(aircall.apiUrl).host})`)] }
  } catch (error) {
    if (error instanceof AuthError || error instanceof ForbiddenError) {
      return {
        rows: [
          row(
            'aircall-credentials',
            title,
            'fail',
            `Aircall refused the API key (${error.status})`,
            'check AIRCALL_API_ID and AIRCALL_API_TOKEN: create a new key in Dashboard › Integrations › API keys if unsure',
          ),
        ],
      }
    }
    throw error
  }
}

const checkIntercom = async (runtime: Runtime, signal: AbortSignal): Promise<Outcome> => {
  const title = 'Intercom credentials'
  if (!runtime.config.intercom.accessToken) {
    return {
      rows: [
        row(
          'intercom-credentials',
          title,
          'fail',
          'INTERCOM_ACCESS_TOKEN is not set',
          'export it (Developer Hub › your app › Authentication)',
        ),
      ],
    }
  }
  try {
    const me = await runtime.intercom.me(signal)
    return { rows: [row('intercom-credentials', title, 'pass', `the token works (app admin ${me.name ?? me.id})`)] }
  } catch (error) {
    if (error instanceof AuthError || error instanceof ForbiddenError) {
      return {
        rows: [
          row(
            'intercom-credentials',
            title,
            'fail',
            `Intercom refused the access token (${error.status})`,
            `check INTERCOM_ACCESS_TOKEN, and that the workspace is hosted in region "${runtime.config.intercom.region}"`,
          ),
        ],
      }
    }
    throw error
  }
}

const checkAdmin = async (runtime: Runtime, signal: AbortSignal): Promise<Outcome> => {
  const admins = await runtime.intercom.listAdmins(signal)
  const listing = admins
    .slice(0, 5)
    .map((admin) => `${admin.id} ${admin.name ?? ''}`.trim())
    .join(', ')
  const hint = `set INTERCOM_ADMIN_ID or intercom.adminId to one of: ${listing}${admins.length > 5 ? ', …' : ''}`
  const adminId = runtime.config.intercom.adminId
  if (!adminId) return { rows: [row('admin', 'Intercom admin', 'fail', 'intercom.adminId is not set', hint)] }
  const admin = admins.find((candidate) => String(candidate.id) === adminId)
  if (!admin) return { rows: [row('admin', 'Intercom admin', 'fail', `no admin has id ${adminId}`, hint)] }
  return {
    rows: [row('admin', 'Intercom admin', 'pass', `${admin.name ?? adminId}${admin.email ? ` <${admin.email}>` : ''}`)],
  }
}

const checkAttributes = async (runtime: Runtime, signal: AbortSignal): Promise<Outcome> => {
  const required = attributesToCheck(runtime.config)
  if (required.length === 0)
    return { rows: [row('data-attributes', 'data attributes', 'pass', 'the configuration writes none')] }
  const models = new Set(required.map((attribute) => attribute.model))
  const existing = new Map<string, string>()
  if (models.has('contact')) {
    for (const attribute of await runtime.intercom.listDataAttributes('contact', { signal })) {
      if (!attribute.archived) existing.set(`contact:${attribute.name.toLowerCase()}`, attribute.data_type)
    }
  }
  if (models.has('conversation')) {
    const { data } = await runtime.intercom.http.request({
      method: 'GET',
      path: '/conversations/attributes',
      schema: conversationAttributeList,
      signal,
    })
    for (const attribute of data.data) {
      if (!attribute.archived) existing.set(`conversation:${attribute.name.toLowerCase()}`, attribute.data_type)
    }
  }
  const rows: CheckRow[] = []
  const fixes: Fix[] = []
  for (const attribute of required) {
    const id = `attribute:${attribute.model}:${attribute.name}`
    const title = `${attribute.model} attribute ${attribute.name}`
    const found = existing.get(`${attribute.model}:${attribute.name.toLowerCase()}`)
    if (found === undefined) {
      rows.push(row(id, title, 'fail', `missing (${attribute.dataType})`, 'run `doctor --fix` to create it'))
      fixes.push({
        rowId: id,
        description: `create ${attribute.model} attribute ${attribute.name} (${attribute.dataType})`,
        apply: (fixSignal) =>
          new DataAttributeEnsurer(runtime.intercom, { signal: fixSignal }).ensure(
            attribute.model,
            attribute.name,
            attribute.dataType,
          ),
      })
    } else if (!COMPATIBLE[attribute.dataType].includes(found)) {
      rows.push(
        row(
          id,
          title,
          'fail',
          `is ${found}, the configuration writes ${attribute.dataType}`,
          'change the type in the configuration, or map the tag to another attribute name',
        ),
      )
    } else {
      rows.push(row(id, title, 'pass', `exists (${found})`))
    }
  }
  return { rows, fixes }
}

const checkAircallTags = async (runtime: Runtime, signal: AbortSignal): Promise<Outcome> => {
  const wanted = aircallTagNames(runtime.config)
  if (wanted.length === 0)
    return { rows: [row('aircall-tags', 'Aircall tags', 'pass', 'the configuration names none')] }
  const known = new Set<string>()
  for await (const tag of runtime.aircall.listTags(signal)) known.add(tag.name.trim().toLowerCase())
  const missing = wanted.filter((name) => !known.has(name.toLowerCase()))
  if (missing.length === 0)
    return { rows: [row('aircall-tags', 'Aircall tags', 'pass', `found: ${wanted.join(', ')}`)] }
  return {
    rows: [
      row(
        'aircall-tags',
        'Aircall tags',
        'fail',
        `missing: ${missing.join(', ')} (a rule on a tag nobody can set never runs)`,
        'create them in Aircall (Dashboard › Tags), fix the names, or run `doctor --fix`',
      ),
    ],
    fixes: missing.map((name) => ({
      rowId: 'aircall-tags',
      description: `create Aircall tag ${name}`,
      apply: async (fixSignal) => {
        await runtime.aircall.createTag({ name }, { signal: fixSignal })
      },
    })),
  }
}

const checkIntercomTags = async (runtime: Runtime, signal: AbortSignal): Promise<Outcome> => {
  const wanted = runtime.config.escalation.tags
  const known = new Set((await runtime.intercom.listTags(signal)).map((tag) => tag.name.trim().toLowerCase()))
  const missing = wanted.filter((name) => !known.has(name.toLowerCase()))
  if (missing.length === 0)
    return { rows: [row('intercom-tags', 'Intercom tags', 'pass', `found: ${wanted.join(', ')}`)] }
  return {
    rows: [
      row(
        'intercom-tags',
        'Intercom tags',
        'fail',
        `escalation tags missing: ${missing.join(', ')}`,
        'run `doctor --fix` or create them in Intercom',
      ),
    ],
    fixes: missing.map((name) => ({
      rowId: 'intercom-tags',
      description: `create Intercom tag ${name}`,
      apply: async (fixSignal) => {
        await runtime.intercom.upsertTag(name, fixSignal)
      },
    })),
  }
}

const PROBE = 'doctor:probe'

const checkStore = (runtime: Runtime): Outcome => {
  const { store } = runtime
  store.setCheckpoint(PROBE, { at: runtime.now() })
  const written = store.getCheckpoint(PROBE) !== undefined
  store.deleteCheckpoints(PROBE)
  if (!written) throw new Error('a probe row written to the store could not be read back')
  return { rows: [row('store', 'state store', 'pass', `${runtime.loaded.statePath} is writable`)] }
}

const checkListener = async (url: string, fetchImpl: FetchLike, signal: AbortSignal): Promise<Outcome> => {
  const { base } = listenerUrls(url)
  const hint = 'start `aircall-intercom listen` and make sure this URL reaches it'
  try {
    const response = await fetchImpl(`${base}/healthz`, { method: 'GET', signal })
    if (response.ok)
      return { rows: [row('listener', 'listener', 'pass', `${base}/healthz answered ${response.status}`)] }
    return { rows: [row('listener', 'listener', 'fail', `${base}/healthz answered ${response.status}`, hint)] }
  } catch (error) {
    if (signal.aborted) throw error
    return { rows: [row('listener', 'listener', 'fail', `${base}/healthz did not answer: ${message(error)}`, hint)] }
  }
}

const checkAircallWebhook = async (
  runtime: Runtime,
  listenerUrl: string | undefined,
  signal: AbortSignal,
): Promise<Outcome> => {
  const id = 'aircall-webhook'
  const title = 'Aircall webhook'
  const needed = requiredAircallEvents(runtime.config).map((event) => event.name)
  const target = listenerUrl ? listenerUrls(listenerUrl).aircall : null
  const register = `run \`aircall-intercom webhooks register --url ${listenerUrl ?? 'https://your-listener'}\``
  const candidates = []
  for await (const webhook of runtime.aircall.listWebhooks(signal)) {
    const url = webhook.url.replace(/\/+$/, '')
    if (target ? url === target : url.endsWith('/aircall')) candidates.push(webhook)
  }
  if (candidates.length === 0) {
    return {
      rows: [
        row(
          id,
          title,
          'fail',
          target ? `none delivers to ${target}` : 'none delivers to a listener (…/aircall)',
          register,
        ),
      ],
    }
  }
  if (!target && candidates.length > 1) {
    return {
      rows: [
        row(
          id,
          title,
          'warn',
          `${candidates.length} webhooks deliver to …/aircall`,
          'pass --listener-url to check the right one',
        ),
      ],
    }
  }
  const webhook = candidates[0]!
  const missing = needed.filter((event) => !webhook.events.includes(event))
  if (!webhook.active) {
    return {
      rows: [row(id, title, 'fail', `${webhook.url} is inactive (Aircall disables one that keeps failing)`, register)],
    }
  }
  if (missing.length > 0)
    return { rows: [row(id, title, 'fail', `${webhook.url} lacks ${missing.join(', ')}`, register)] }
  if (!runtime.config.aircall.webhookToken) {
    return {
      rows: [
        row(
          id,
          title,
          'warn',
          `${webhook.url} has the ${needed.length} events needed, but AIRCALL_WEBHOOK_TOKEN is not set`,
          'export the webhook’s token (printed by `webhooks register`) where `listen` runs',
        ),
      ],
    }
  }
  const extra = webhook.events.length - (needed.length - missing.length)
  return {
    rows: [row(id, title, 'pass', `${webhook.url}: ${needed.join(', ')}${extra > 0 ? ` (+${extra} unused)` : ''}`)],
  }
}

const intercomTopicsRow = (config: AppConfig, listenerUrl: string | undefined): CheckRow => {
  const topics = requiredIntercomTopics(config)
  if (topics.length === 0)
    return row('intercom-topics', 'Intercom webhook topics', 'info', 'none needed (escalation is off)')
  let endpoint = 'https://your-listener/intercom'
  try {
    if (listenerUrl) endpoint = listenerUrls(listenerUrl).intercom
  } catch {
    // An unusable listener URL is reported by the listener row.
  }
  const detail = `subscribe ${endpoint} to ${topics.map((topic) => topic.name).join(', ')}`
  if (!config.intercom.clientSecret) {
    return row(
      'intercom-topics',
      'Intercom webhook topics',
      'warn',
      `${detail}; INTERCOM_CLIENT_SECRET is not set`,
      'export the app’s client secret: the listener verifies signatures with it',
    )
  }
  return row(
    'intercom-topics',
    'Intercom webhook topics',
    'info',
    detail,
    'set in Developer Hub › your app › Webhooks (not available through the API)',
  )
}
