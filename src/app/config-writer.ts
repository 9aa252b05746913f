import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { Document, isMap, isScalar, type Pair, type YAMLMap } from 'yaml'
import { loadConfig } from '../config/loader.js'
import type { ConfigInput, TagMapping, TICKET_TRIGGERS } from '../config/schema.js'

export type Region = 'us' | 'eu' | 'au'
export type LogMode = 'conversation' | 'note'
export type TagMappingAnswer = Pick<TagMapping, 'tag' | 'attribute' | 'type' | 'target'>

/** Everything `init` decides; the config file is a pure function of it. */
export interface InitAnswers {
  region: Region
  adminId: string | null
  logMode: LogMode
  defaultCountry: string
  tagMap: TagMappingAnswer[]
  /** Body of the missed-call message (Liquid); null leaves missed-call messages off. */
  missedCallMessage: string | null
  /** The Aircall tag that marks VIP callers; null leaves the VIP rules off. */
  vipTag: string | null
  /** The Intercom ticket type and the calls that open one; absent or null leaves tickets off. */
  tickets?: TicketsAnswer | null
}

export interface TicketsAnswer {
  typeId: string
  on: Array<(typeof TICKET_TRIGGERS)[number]>
}

/** The answers as a configuration object (what the YAML file holds, without its comments). */
export const configFromAnswers = (answers: InitAnswers): ConfigInput => ({
  aircall: { rateLimitPerMinute: 60 },
  intercom: { region: answers.region, ...(answers.adminId ? { adminId: answers.adminId } : {}) },
  matching: { defaultCountry: answers.defaultCountry },
  logging: { mode: answers.logMode },
  tags: { map: answers.tagMap.map((entry) => ({ ...entry })) },
  missedCalls: answers.missedCallMessage
    ? { enabled: true, templates: [{ name: 'default', body: answers.missedCallMessage }] }
    : { enabled: false },
  vip: answers.vipTag
    ? { enabled: true, rules: [{ name: 'VIP callers', tags: [answers.vipTag], note: true, assign: false }] }
    : { enabled: false },
  ...(answers.tickets ? { tickets: { typeId: answers.tickets.typeId, on: [...answers.tickets.on] } } : {}),
})

const HEADER = `aircall-intercom configuration, written by \`aircall-intercom init\`.
Check it with \`aircall-intercom config validate\`, then \`aircall-intercom doctor\`.
Precedence: flag > environment > this file > defaults. Every key is checked: a typo is an error.

Secrets are never written here; they are read from the environment:
  AIRCALL_API_ID, AIRCALL_API_TOKEN   Aircall API key (Dashboard › Integrations › API keys)
  AIRCALL_WEBHOOK_TOKEN               printed by \`aircall-intercom webhooks register\`
  INTERCOM_ACCESS_TOKEN               Intercom Developer Hub › your app › Authentication
  INTERCOM_CLIENT_SECRET              Intercom Developer Hub › your app › Basic information
A key may also name its variable explicitly, e.g. \`apiToken: \${AIRCALL_API_TOKEN}\`; a literal secret is refused.`

const COMMENTS: Array<[string[], string]> = [
  [['aircall'], ' Aircall API. The credentials come from AIRCALL_API_ID / AIRCALL_API_TOKEN.'],
  [
    ['aircall', 'rateLimitPerMinute'],
    ' Requests per minute; the budget is shared by every integration of the company (60 or 120).',
  ],
  [['intercom'], ' Intercom API. The access token comes from INTERCOM_ACCESS_TOKEN.'],
  [['intercom', 'region'], ' Where the workspace is hosted: us, eu or au.'],
  [
    ['intercom', 'adminId'],
    ' The admin notes, messages and assignments are written as (INTERCOM_ADMIN_ID overrides it).',
  ],
  [['matching'], ' How callers are matched to Intercom contacts.'],
  [['matching', 'defaultCountry'], ' Country for phone numbers written without an international prefix.'],
  [['logging'], ' How each call is recorded in Intercom.'],
  [['logging', 'mode'], ' conversation: one conversation per call; note: a note on the contact.'],
  [
    ['tags'],
    ' Aircall call tags → Intercom data attributes. type: boolean|string|integer|date;\n target: contact|conversation|both. `aircall-intercom doctor --fix` creates missing attributes.',
  ],
  [
    ['missedCalls'],
    ' A message to callers you missed. The body is a Liquid template ({{ caller.name }}, {{ line.name }}, …);\n templates may also be limited to lines, teams, business hours or a segment.',
  ],
  [
    ['tickets'],
    " Calls that open an Intercom ticket of this type (one per call), linked to the call's conversation; a\n Customer type converts the conversation. `aircall-intercom doctor` checks the type and its attributes.",
  ],
  [
    ['vip'],
    ' A note on calls from VIP callers. To route them too, set assign: true and add routes, e.g.\n   routes:\n     - name: key accounts\n       tags: [VIP]\n       assignTo: { type: team, id: "123" }',
  ],
]

const pairAt = (root: YAMLMap, path: string[]): Pair | undefined => {
  let map: YAMLMap | undefined = root
  let pair: Pair | undefined
  for (const key of path) {
    if (!map) return undefined
    pair = map.items.find((item) => isScalar(item.key) && item.key.value === key)
    map = pair && isMap(pair.value) ? pair.value : undefined
  }
  return pair
}

/** The commented YAML text of the configuration; it loads back into the same configuration. */
export const renderConfigYaml = (answers: InitAnswers): string => {
  const document = new Document(configFromAnswers(answers))
  document.commentBefore = HEADER.split('\n')
    .map((line) => (line ? ` ${line}` : ''))
    .join('\n')
  const root = document.contents
  if (isMap(root)) {
    for (const [path, comment] of COMMENTS) {
      const pair = pairAt(root, path)
      if (pair && isScalar(pair.key)) pair.key.commentBefore = comment
    }
    // A blank line between sections keeps the file readable.
    for (const item of root.items.slice(1)) if (isScalar(item.key)) item.key.spaceBefore = true
  }
  if (!answers.adminId) {
    const intercom = pairAt(root as YAMLMap, ['intercom'])
    if (intercom && isScalar(intercom.key)) {
      intercom.key.commentBefore += '\n Set adminId (or INTERCOM_ADMIN_ID): `aircall-intercom doctor` lists the admins.'
    }
  }
  return document.toString({ lineWidth: 0 })
}

/**
 * Writes the file atomically after loading it back through `loadConfig` (with an empty environment, so the
 * file alone must be valid): a configuration that would not validate is never left on disk.
 */
export const writeConfigFile = (file: string, text: string): void => {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp.yml`)
  writeFileSync(temporary, text, { mode: 0o644 })
  try {
    loadConfig({ configPath: temporary, env: {}, cwd: dirname(file) })
    renameSync(temporary, file)
  } finally {
    if (existsSync(temporary)) rmSync(temporary, { force: true })
  }
}
