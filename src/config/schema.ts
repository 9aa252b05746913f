import { getCountries } from 'libphonenumber-js'
import { z } from 'zod'

/**
 * The configuration file's schema. Every object is strict so a typo ("tag" for "tags", "adminid")
 * is reported instead of silently ignored. Secrets are not part of the file's values: the loader
 * only accepts them as `${ENV_NAME}` references or from the environment.
 */

/** The ISO 3166-1 alpha-2 codes libphonenumber has numbering plans for: a code it does not know parses nothing. */
const PHONE_COUNTRIES: ReadonlySet<string> = new Set(getCountries())

const isoCountry = z
  .string()
  .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code in capitals, e.g. "US" or "FR"')
  .refine((code) => !/^[A-Z]{2}$/.test(code) || PHONE_COUNTRIES.has(code), {
    error: (issue) =>
      `"${String(issue.input)}" is not a country code libphonenumber knows: use an ISO 3166-1 alpha-2 code such as "US", "FR" or "GB"`,
  })

const ianaZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone })
      return true
    } catch {
      return false
    }
  },
  { message: 'must be an IANA time zone such as "Europe/Paris"' },
)

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time as HH:MM (24 h)')

const urlString = z.string().url('must be an absolute URL such as https://api.aircall.io')

const idString = z.union([z.string().min(1), z.number().int().nonnegative()]).transform((value) => String(value))

export const TIE_BREAKS = [
  'user-first',
  'lead-first',
  'most-recent-activity',
  'oldest-created',
  'newest-created',
] as const

export const aircallSchema = z
  .object({
    apiUrl: urlString.default('https://api.aircall.io'),
    apiId: z.string().optional(),
    apiToken: z.string().optional(),
    webhookToken: z.string().optional(),
    /** Aircall documents 120/min per company but older accounts have 60; the budget is shared by every integration. */
    rateLimitPerMinute: z.number().int().min(1).max(120).default(60),
    concurrency: z.number().int().min(1).max(16).default(2),
    retentionDays: z.number().int().min(1).max(3650).default(180),
    timeoutMs: z.number().int().min(100).max(120_000).default(30_000),
  })
  .strict()

export const intercomSchema = z
  .object({
    region: z.enum(['us', 'eu', 'au']).default('us'),
    apiUrl: urlString.optional(),
    apiVersion: z.enum(['2.11', '2.12', '2.13', '2.14', '2.15', '2.16']).default('2.16'),
    accessToken: z.string().optional(),
    clientSecret: z.string().optional(),
    adminId: idString.optional(),
    rateLimitPerMinute: z.number().int().min(6).max(100_000).default(10_000),
    concurrency: z.number().int().min(1).max(64).default(8),
    timeoutMs: z.number().int().min(100).max(120_000).default(20_000),
  })
  .strict()

/**
 * The one Intercom user that `matching.invalidNumbers: log-raw` logs calls on. It is found by its external_id, so
 * every run (and a new state file) reuses it; Intercom gives an external_id to users only.
 */
export const catchAllContactSchema = z
  .object({
    externalId: z.string().min(1).max(255).default('aircall-intercom:invalid-numbers'),
    name: z.string().min(1).default('Aircall: calls from invalid numbers'),
    email: z.string().email('must be an email address').optional(),
  })
  .strict()

/** The AI events noted (the same list as `AI_EVENTS` in src/aircall/ai-schemas.ts, which config may not import). */
export const INSIGHT_KINDS = [
  'summary.created',
  'transcription.created',
  'sentiment.created',
  'topics.created',
  'action_item.created',
  'custom_summary.result_created',
] as const

/**
 * Aircall's conversation intelligence (AI Assist) as notes on the call's Intercom conversation, from the listener's
 * webhooks. Each kind listed becomes a note; subscribe the Aircall webhook to the same events.
 */
const attributeName = z.string().min(1)

/** Where an insight's value is also written as a custom attribute: the attribute's name on each target. */
const insightAttributeTargetsSchema = z
  .object({
    conversation: attributeName.optional(),
    contact: attributeName.optional(),
  })
  .strict()

export const insightsSchema = z
  .object({
    /** Off: AI events are stored and ignored, and `webhooks register` does not subscribe to them. */
    enabled: z.boolean().default(true),
    kinds: z.array(z.enum(INSIGHT_KINDS)).default([...INSIGHT_KINDS]),
    /** A transcript note folds away behind its title (`collapsed`) or shows every utterance (`expanded`). */
    transcript: z.enum(['collapsed', 'expanded']).default('collapsed'),
    /** The caller's sentiment and the call's topics as custom attributes, e.g. `sentiment: {conversation: call_sentiment}`. */
    attributes: z
      .object({
        sentiment: insightAttributeTargetsSchema.prefault({}),
        topics: insightAttributeTargetsSchema.prefault({}),
      })
      .strict()
      .prefault({}),
    /** Liquid templates for each note, in place of the built-in ones. */
    templates: z
      .object({
        summary: z.string().min(1).optional(),
        transcript: z.string().min(1).optional(),
        sentiment: z.string().min(1).optional(),
        topics: z.string().min(1).optional(),
        actionItems: z.string().min(1).optional(),
        customSummary: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict()

export const voicemailSchema = z
  .object({
    /** A voicemail note (with the permanent asset link) on the call's conversation. */
    enabled: z.boolean().default(true),
    /** Also note the voicemail's transcript when Aircall sends one. */
    transcript: z.boolean().default(true),
    template: z.string().min(1).optional(),
  })
  .strict()

export const TICKET_TRIGGERS = ['missed-call', 'voicemail', 'action-item', 'vip'] as const

export const ticketsSchema = z
  .object({
    /** The Intercom ticket type (id, from `doctor` or `init`); tickets are off without one. */
    typeId: idString.optional(),
    /** Which calls open a ticket: one per call at most, whichever trigger comes first. */
    on: z.array(z.enum(TICKET_TRIGGERS)).default([]),
    title: z.string().min(1).optional(),
    description: z.string().min(1).optional(),
    /** Further ticket attributes by name, each a Liquid template over the call, e.g. `Line: "{{ call.line }}"`. */
    attributes: z.record(z.string().min(1), z.string()).prefault({}),
    /** Close the call's ticket too when `resolve` closes its conversation. */
    closeOnResolve: z.boolean().default(true),
  })
  .strict()

export const messagesSchema = z
  .object({
    /** Aircall SMS and WhatsApp messages as one Intercom conversation per contact, line and channel. */
    enabled: z.boolean().default(false),
    channels: z
      .array(z.enum(['sms', 'whatsapp']))
      .min(1)
      .default(['sms', 'whatsapp']),
  })
  .strict()

export const matchingSchema = z
  .object({
    defaultCountry: isoCountry.default('US'),
    /** Use the Aircall line's country for national-format numbers before falling back to defaultCountry. */
    useLineCountry: z.boolean().default(true),
    createUnknown: z.boolean().default(true),
    createAs: z.enum(['lead', 'user']).default('lead'),
    tieBreak: z.array(z.enum(TIE_BREAKS)).min(1).default(['user-first', 'most-recent-activity', 'oldest-created']),
    matchByEmail: z.boolean().default(true),
    /** How long a contact we created is trusted over search results (Intercom search lags behind writes). */
    recentCreateTtlMinutes: z.number().int().min(1).max(1440).default(30),
    /**
     * How long Intercom's search may lag behind a contact create. A create interrupted after it was sent is
     * settled by searching until this long after it, never by a second create.
     */
    searchLagSeconds: z.number().int().min(0).max(3600).default(300),
    /**
     * Calls from numbers libphonenumber calls invalid (too short, unallocated ranges): `skip` (listed by the backfill
     * summary and `audit unmatched`, logged nowhere) or `log-raw`, logged on the one catch-all contact with the
     * number as Aircall sent it, since no real contact can be told from such a number.
     */
    invalidNumbers: z.enum(['skip', 'log-raw']).default('skip'),
    /**
     * Calls from a number two or more contacts hold equally: `skip` (counted, listed by `audit unmatched` with the
     * candidates) or `catch-all`, logged on the catch-all contact with a note naming the candidates, never on one
     * of them.
     */
    ambiguousCalls: z.enum(['skip', 'catch-all']).default('skip'),
    catchAllContact: catchAllContactSchema.prefault({}),
  })
  .strict()

export const loggingSchema = z
  .object({
    mode: z.enum(['conversation', 'note']).default('conversation'),
    /** Conversation custom attribute holding the Aircall call id, so a crashed step is reconciled instead of repeated. */
    callIdAttribute: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'must contain only letters, digits, "_" and "-"')
      .default('aircall_call_id'),
    skipAnonymous: z.boolean().default(true),
    templates: z
      .object({
        note: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict()

export const tagMappingSchema = z
  .object({
    tag: z.string().min(1),
    attribute: z
      .string()
      .regex(/^[A-Za-z0-9_$€£¥-]+$/, 'must contain only letters, digits, "_", "-" and currency symbols'),
    type: z.enum(['boolean', 'string', 'integer', 'date']).default('boolean'),
    /** Value written when the tag is present; defaults to true for booleans and the tag name for strings. */
    value: z.union([z.string(), z.number(), z.boolean()]).optional(),
    target: z.enum(['contact', 'conversation', 'both']).default('contact'),
  })
  .strict()

export const tagsSchema = z
  .object({
    map: z.array(tagMappingSchema).default([]),
  })
  .strict()

export const businessHoursSchema = z
  .object({
    days: z
      .array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']))
      .min(1)
      .default(['mon', 'tue', 'wed', 'thu', 'fri']),
    start: hhmm.default('09:00'),
    end: hhmm.default('18:00'),
    /** Used when the Aircall line carries no time zone of its own. */
    timeZone: ianaZone.default('UTC'),
  })
  .strict()

const segmentSchema = z
  .object({
    attribute: z.string().min(1).optional(),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    tag: z.string().min(1).optional(),
  })
  .strict()

export const missedCallTemplateSchema = z
  .object({
    name: z.string().min(1),
    lines: z.array(idString).optional(),
    teams: z.array(z.string().min(1)).optional(),
    when: z.enum(['any', 'business-hours', 'after-hours']).default('any'),
    segment: segmentSchema.optional(),
    messageType: z.enum(['inapp', 'email']).default('inapp'),
    subject: z.string().optional(),
    body: z.string().min(1),
  })
  .strict()

export const missedCallsSchema = z
  .object({
    enabled: z.boolean().default(false),
    cooldownMinutes: z.number().int().min(0).max(10_080).default(60),
    businessHours: businessHoursSchema.prefault({}),
    templates: z.array(missedCallTemplateSchema).default([]),
    /** A missed call that left a voicemail: send the missed-call message, or open a ticket instead (needs tickets.typeId). */
    onVoicemail: z.enum(['message', 'ticket']).default('message'),
  })
  .strict()

const routeTargetSchema = z
  .object({
    type: z.enum(['admin', 'team']),
    id: idString,
  })
  .strict()

export const vipRuleSchema = z
  .object({
    name: z.string().min(1),
    tags: z.array(z.string().min(1)).optional(),
    minDurationSeconds: z.number().int().min(0).optional(),
    attribute: z
      .object({ name: z.string().min(1), in: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1) })
      .strict()
      .optional(),
    note: z.boolean().default(true),
    assign: z.boolean().default(true),
  })
  .strict()

export const routeSchema = z
  .object({
    name: z.string().min(1),
    lines: z.array(idString).optional(),
    countries: z.array(isoCountry).optional(),
    tags: z.array(z.string().min(1)).optional(),
    attribute: z
      .object({ name: z.string().min(1), in: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1) })
      .strict()
      .optional(),
    assignTo: routeTargetSchema,
  })
  .strict()

export const vipSchema = z
  .object({
    enabled: z.boolean().default(false),
    rules: z.array(vipRuleSchema).default([]),
    routes: z.array(routeSchema).default([]),
    defaultRoute: routeTargetSchema.optional(),
  })
  .strict()

export const resolveSchema = z
  .object({
    enabled: z.boolean().default(false),
    tag: z.string().min(1).default('resolved'),
    /** A ticket reference in the call's comments, e.g. "#12345" or "conv 12345", names the conversation to close. */
    ticketPattern: z
      .string()
      .default('#(\\d+)')
      .refine(
        (source) => {
          try {
            new RegExp(source)
            return true
          } catch {
            return false
          }
        },
        { message: 'must be a valid regular expression' },
      ),
    noteTemplate: z.string().min(1).optional(),
  })
  .strict()

export const escalationSchema = z
  .object({
    enabled: z.boolean().default(false),
    onAssigned: z.boolean().default(true),
    priorities: z
      .array(z.enum(['priority', 'low', 'medium', 'high', 'urgent']))
      .default(['high', 'urgent', 'priority']),
    tags: z.array(z.string().min(1)).default([]),
    /** Intercom admin email or id → Aircall user id, for admins whose email differs in the two tools. */
    userOverrides: z.record(z.string(), idString).prefault({}),
  })
  .strict()

export const insightCardsSchema = z
  .object({
    enabled: z.boolean().default(false),
    planAttribute: z.string().min(1).default('plan'),
    companyAttribute: z.string().min(1).optional(),
    intercomAppUrl: urlString.default('https://app.intercom.com'),
  })
  .strict()

export const listenerSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(3000),
    publicUrl: urlString.optional(),
    maxBodyBytes: z.number().int().min(1024).max(10_485_760).default(1_048_576),
    workerConcurrency: z.number().int().min(1).max(64).default(4),
    maxAttempts: z.number().int().min(1).max(50).default(8),
    /**
     * How long a worker's claim holds an event, renewed every third of it while the worker lives. A worker that
     * dies (a replica SIGKILLed) stops renewing: its events lapse and another worker takes them, so this is how
     * late they can be. Should one be taken twice (a worker stalled past it), its effects are still written once
     * (the ledger's claims).
     */
    leaseSeconds: z.number().int().min(5).max(3600).default(30),
    fingerprintTtlMinutes: z.number().int().min(1).max(10_080).default(60),
    // Node's own defaults (60 s for headers, 5 min per request, no connection cap) let slow senders hold
    // sockets and buffers for minutes; a webhook arrives in milliseconds.
    headersTimeoutMs: z.number().int().min(50).max(600_000).default(10_000),
    requestTimeoutMs: z.number().int().min(50).max(600_000).default(30_000),
    keepAliveTimeoutMs: z.number().int().min(50).max(600_000).default(5_000),
    maxConnections: z.number().int().min(1).max(100_000).default(512),
    /** A webhook older than this is logged as history: no customer message, no assignment, no resolve. */
    staleAfterHours: z.number().min(1).max(8_760).default(24),
    /** How long `events purge` remembers a purged event's identity, so its redelivery stays a duplicate. */
    purgedIdentityDays: z.number().min(0).max(365).default(7),
    /**
     * Follow Intercom's contact.* webhooks into the local contact index (created, edited, merged, archived,
     * deleted contacts), so a caller is matched against Intercom as it is; subscribe to those topics to use it.
     */
    followContacts: z.boolean().default(true),
    /** Every this many minutes the next caller lookup first runs an incremental contacts refresh (0: only the first after start). */
    contactRefreshMinutes: z.number().min(0).max(1_440).default(15),
    /** Serve Prometheus metrics at /metrics on the listener's port (off: the path is 404). */
    metrics: z.boolean().default(false),
    /**
     * Required to open /console when the listener is bound to an interface other than loopback (without it the
     * console is off there). Write it as ${AIRCALL_INTERCOM_CONSOLE_TOKEN} and set the variable.
     */
    consoleToken: z.string().min(16, 'must be at least 16 characters').optional(),
    /** On SIGTERM, how long /readyz fails while webhooks are still accepted, so a load balancer moves away first. */
    drainGraceMs: z.number().int().min(0).max(120_000).default(0),
  })
  .strict()

export const storeSchema = z
  .object({
    /** The SQLite state file (relative to this file); the default is aircall-intercom.sqlite beside it. */
    path: z.string().min(1).optional(),
    /**
     * A PostgreSQL store instead of the file: postgres://user@host:5432/database. Keep its password out of the file:
     * leave it to PGPASSWORD or ~/.pgpass, or write the URL as a ${VARIABLE} reference.
     */
    url: z
      .string()
      .regex(/^postgres(?:ql)?:\/\//i, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    /** The PostgreSQL schema the tables live in (several stores can share one database); default public. */
    schema: z.string().min(1).optional(),
    /** The most PostgreSQL connections one process holds open. */
    poolSize: z.number().int().min(2).max(100).optional(),
  })
  .strict()
  .refine((store) => store.path === undefined || store.url === undefined, {
    message: 'set store.path (an SQLite file) or store.url (PostgreSQL), not both',
  })

/** Every section, without the checks across sections (`configSchema` adds them). */
export const configSectionsSchema = z
  .object({
    aircall: aircallSchema.prefault({}),
    intercom: intercomSchema.prefault({}),
    matching: matchingSchema.prefault({}),
    logging: loggingSchema.prefault({}),
    tags: tagsSchema.prefault({}),
    missedCalls: missedCallsSchema.prefault({}),
    vip: vipSchema.prefault({}),
    resolve: resolveSchema.prefault({}),
    insights: insightsSchema.prefault({}),
    voicemail: voicemailSchema.prefault({}),
    tickets: ticketsSchema.prefault({}),
    messages: messagesSchema.prefault({}),
    escalation: escalationSchema.prefault({}),
    insightCards: insightCardsSchema.prefault({}),
    listener: listenerSchema.prefault({}),
    store: storeSchema.prefault({}),
  })
  .strict()

export const configSchema = configSectionsSchema.superRefine((config, context) => {
  // A ticket rule without a ticket type would fail on the first call; say so when the config loads.
  if (config.tickets.typeId !== undefined) return
  if (config.tickets.on.length > 0) {
    context.addIssue({
      code: 'custom',
      path: ['tickets', 'typeId'],
      message: 'is required when tickets.on lists a trigger',
    })
  }
  if (config.missedCalls.onVoicemail === 'ticket') {
    context.addIssue({
      code: 'custom',
      path: ['tickets', 'typeId'],
      message: 'is required when missedCalls.onVoicemail is ticket',
    })
  }
})

export type AppConfig = z.infer<typeof configSchema>
export type ConfigInput = z.input<typeof configSchema>
export type TagMapping = z.infer<typeof tagMappingSchema>
export type MissedCallTemplate = z.infer<typeof missedCallTemplateSchema>
export type VipRule = z.infer<typeof vipRuleSchema>
export type Route = z.infer<typeof routeSchema>
export type RouteTarget = z.infer<typeof routeTargetSchema>
export type BusinessHours = z.infer<typeof businessHoursSchema>
export type TieBreak = (typeof TIE_BREAKS)[number]

/** Keys whose values are credentials: only `${ENV}` references are accepted for them in a file. */
export const SECRET_PATHS = [
  ['aircall', 'apiId'],
  ['aircall', 'apiToken'],
  ['aircall', 'webhookToken'],
  ['intercom', 'accessToken'],
  ['intercom', 'clientSecret'],
] as const

/**
 * Keys whose values are never printed: the credentials, and the console token, which a file may hold inline (it
 * guards a local page, not an account) and so is not one of SECRET_PATHS, which the loader refuses in a file.
 */
export const HIDDEN_PATHS = [...SECRET_PATHS, ['listener', 'consoleToken']] as const

/** Environment variables read by the loader, in the order they are documented. */
export const ENV = {
  config: 'AIRCALL_INTERCOM_CONFIG',
  state: 'AIRCALL_INTERCOM_STATE',
  aircallApiId: 'AIRCALL_API_ID',
  aircallApiToken: 'AIRCALL_API_TOKEN',
  aircallWebhookToken: 'AIRCALL_WEBHOOK_TOKEN',
  aircallApiUrl: 'AIRCALL_API_URL',
  intercomAccessToken: 'INTERCOM_ACCESS_TOKEN',
  intercomClientSecret: 'INTERCOM_CLIENT_SECRET',
  intercomAdminId: 'INTERCOM_ADMIN_ID',
  intercomApiUrl: 'INTERCOM_API_URL',
} as const
