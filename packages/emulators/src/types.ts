/**
 * Public surface of the local emulators. Tests, `sandbox` and `demo` only use what is declared here,
 * so the two emulator implementations can evolve behind it.
 */

/** Injected clock (UNIX milliseconds) so rate windows, retention and lifecycles can be driven by tests. */
export type Clock = () => number

export interface FaultRule {
  /**
   * Which requests the rule applies to: a method and a path prefix ("POST /contacts", which also matches
   * "/contacts/search"), a path ending in "$" for that exact path ("POST /contacts$"), or "*" for all.
   */
  match: string
  kind: 'status' | 'latency' | 'reset' | 'rate-limit'
  /** HTTP status for kind "status" (e.g. 500, 503). */
  status?: number
  /** Delay for kind "latency". */
  latencyMs?: number
  /**
   * For kind "latency": "before" (default) delays the request before it is handled; "after" handles it (the write
   * lands) and delays only the answer, ending early when the client hangs up, so a client timeout or a kill
   * meets a request that took effect. Only the Intercom emulator delays after; the Aircall one delays before.
   */
  phase?: 'before' | 'after'
  /** Probability in [0,1] that a matching request is hit (by rate), drawn from the emulator's seeded PRNG. */
  rate?: number
  /** Hit exactly these 1-based occurrences of matching requests (by schedule), e.g. [1, 2, 5]. */
  nth?: number[]
  /** Stop applying after this many hits. */
  limit?: number
}

export interface EmulatorHandle {
  /** Base URL, e.g. http://127.0.0.1:43123 (no trailing slash). */
  readonly url: string
  close(): Promise<void>
}

export interface AircallEmulatorOptions {
  host?: string
  /** 0 (default) picks a free port. */
  port?: number
  apiId: string
  apiToken: string
  /** Extra accepted OAuth bearer tokens. */
  bearerTokens?: string[]
  /** Requests per minute per company; default 120; 0 disables limiting. */
  rateLimitPerMinute?: number
  /** Retention horizon in days (default 180): older windows list as empty. */
  retentionDays?: number
  /** Status for bad credentials: 403 (default: what live Aircall answered, reference §1) or 401. */
  authFailureStatus?: 401 | 403
  /** Delay between call.hungup and call.ended (default 30 000 ms; tests shorten it). */
  endedDelayMs?: number
  /** Webhook delivery timeout (default 5 000 ms). */
  webhookTimeoutMs?: number
  /** Lockout after the first 429 (default 60 000 ms, "blocks your access for 60 seconds"); 0 = sliding window only. */
  rateLimitLockoutMs?: number
  /** Send Retry-After on 429 (default false: unconfirmed, so clients must rely on X-AircallApi-Reset). */
  sendRetryAfter?: boolean
  /** Horizon for /v1/calls/search (default 90 days: "3 months" is unconfirmed, the stricter reading wins). */
  searchRetentionDays?: number
  /** Lifetime of signed `recording`/`voicemail` URLs (default 3 600 000 ms). */
  recordingTtlMs?: number
  /** Lifetime of `*_short_url` links (default 10 800 000 ms). */
  shortUrlTtlMs?: number
  /** Max comments per call (default 5, unconfirmed); 0 = unlimited. */
  commentCap?: number
  /** Strip emojis from comments (default true, unconfirmed). */
  stripCommentEmojis?: boolean
  /**
   * The company's conversation-intelligence plan, the default of every line without its own `aiPlan`: "ai-assist"
   * (default) serves /v1/calls/:id/{transcription,summary,sentiments,topics,action_items,custom_summary_result}
   * where the call has that content (404 otherwise) and sends the AI events; "none" answers 403 and sends none.
   */
  aiPlan?: 'ai-assist' | 'none'
  /**
   * "wall" (default): timed steps (lifecycles, AI events, message receipts) run on wall timers of their delay, and
   * advancing the clock runs the due ones early; "clock": only advancing the clock (or `runDue`) runs them.
   */
  lifecycleTimers?: 'wall' | 'clock'
  /** call.ended → call.comm_assets_generated (default 0: right after call.ended). */
  assetsDelayMs?: number
  /** call.ended → transcription.created (default 30 000 ms). */
  transcriptionDelayMs?: number
  /** call.ended → summary.created (default 45 000 ms). */
  summaryDelayMs?: number
  /** call.ended → sentiment.created (default 50 000 ms). */
  sentimentDelayMs?: number
  /** call.ended → topics.created (default 55 000 ms). */
  topicsDelayMs?: number
  /** call.ended → action_item.created (default 60 000 ms). */
  actionItemsDelayMs?: number
  /** call.ended → custom_summary.result_created (default 75 000 ms). */
  customSummaryDelayMs?: number
  /** Send → message.sent (default 1 000 ms). */
  messageSentDelayMs?: number
  /** message.sent → message.status_updated "delivered" (default 3 000 ms). */
  messageDeliveredDelayMs?: number
  /** Message timestamps as ISO strings (default, as the reference's sample) or UNIX ms (as ATT saw). */
  messageTimestamps?: 'iso' | 'ms'
  /** Hours after the customer's last WhatsApp message during which free text may be sent (default 24; 0 = off). */
  whatsappWindowHours?: number
  /** What to do with insight cards posted after the call is done (default "reject" → 422). */
  insightCardsAfterEnd?: 'reject' | 'accept'
  /** Answer /v1/users and /v1/users/:id with 410 as after the 2026-09-30 sunset (default false). */
  usersV1Gone?: boolean
  /** Accept http:// webhook URLs on 127.0.0.1/localhost/[::1] (default true in the emulator; Aircall itself is https-only). */
  allowInsecureWebhookUrls?: boolean
  /** Webhooks per company (default 100). */
  maxWebhooks?: number
  /** Delay before each retry of a failed delivery (default 50 retries, 50 ms doubling to 2 s). */
  webhookRetryScheduleMs?: number[]
  /** Consecutive failed attempts before a webhook is disabled (default 10, the strictest documented figure). */
  webhookDisableAfterFailures?: number
  /** Delay after call.ended before the silent finalisation rewrite (default 60 000 ms). */
  finaliseDelayMs?: number
  /** Max request body size (default 1 MB). */
  bodyLimitBytes?: number
  /** Company-wide webhook token used for every created webhook (default: a random token per webhook). */
  webhookToken?: string
  now?: Clock
  seed?: number
}

export interface IntercomEmulatorOptions {
  host?: string
  port?: number
  accessToken: string
  clientSecret: string
  /** Version used when the request has no Intercom-Version header (default "2.16"). */
  defaultVersion?: string
  /** Requests per minute per app (default 10 000), enforced as limit/6 per 10-second window; 0 disables. */
  rateLimitPerMinute?: number
  /** How long a created contact stays invisible to search (default 0). */
  searchLagMs?: number
  /** Webhook delivery timeout (default 5 000 ms). */
  webhookTimeoutMs?: number
  /** Delay before the single webhook retry (default 60 000 ms; tests compress it). */
  webhookRetryDelayMs?: number
  /** OpenAPI 2.16 contract checks: record violations (default), also refuse bad requests, or off. */
  contract?: 'off' | 'record' | 'enforce'
  /** ISO country used to derive `formatted_phone` from national numbers ("FR": "06 12 34 56 78" → +33612345678). */
  formattedPhoneDefaultCountry?: string
  /**
   * Whether 2.16 contacts carry `formatted_phone` (default true). It is documented as the phone "normalized to the
   * E164 format", yet absent from the 2.16 contact schema: false runs without it (no field on contacts, and a
   * search on it matches no contact), so a client is tested both ways.
   */
  formattedPhone?: boolean
  now?: Clock
  seed?: number
}

/** What the Intercom emulator can be seeded with (POST /_emulator/seed or `emulator.seed()`). */
export interface IntercomSeed {
  admins: Array<{ id: string; name: string; email: string; teamIds?: string[] }>
  teams: Array<{ id: string; name: string; adminIds: string[] }>
  tags?: Array<{ id: string; name: string }>
  dataAttributes?: Array<{ name: string; model: 'contact' | 'company'; dataType: string }>
  contacts: Array<{
    id: string
    role: 'user' | 'lead'
    name: string | null
    email: string | null
    /** Stored exactly as written: the seed deliberately mixes formats ("06 12 34 56 78", "+1 (415) 555-0100"). */
    phone: string | null
    /** `location.country` as Intercom names it ("Belgium"); absent or null when Intercom does not know. */
    locationCountry?: string | null
    externalId: string | null
    createdAt: number
    updatedAt: number
    lastSeenAt: number | null
    customAttributes?: Record<string, string | number | boolean | null>
    tagIds?: string[]
  }>
  conversations?: Array<{
    id: string
    contactId: string
    createdAt: number
    state: 'open' | 'closed' | 'snoozed'
    adminAssigneeId: string | null
    teamAssigneeId: string | null
    body: string
  }>
}
