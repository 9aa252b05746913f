import type { z } from 'zod'

import { AuthError, ForbiddenError, GoneError, NotFoundError, ValidationError } from '../http/errors.js'
import type { RateGate } from '../http/rate-gate.js'
import type { TransportOptions } from '../http/transport-options.js'
import {
  HttpClient,
  type HttpClientOptions,
  type HttpResult,
  type Query,
  type RequestOptions,
} from '../http/request.js'
import { tileCallWindows } from './call-windows.js'
import { insightEnvelope } from './ai-schemas.js'
import { type Clock, systemClock } from '../http/types.js'
import { AIRCALL_ERRORS, aircallCredentialsError } from './errors.js'
import { AIRCALL_POSITIONAL_CAP, aircallList } from './paging.js'
import { AIRCALL_RATE_HEADER_SETS, AircallRateGate } from './rate-gate.js'
import {
  type AircallCall,
  type AircallCompany,
  type AircallContact,
  type AircallDialerCampaign,
  type AircallDialerNumber,
  type AircallNumber,
  type AircallTag,
  type AircallTeam,
  type AircallUser,
  type AircallWebhook,
  type InsightCardContent,
  aircallCallSchema,
  aircallContactSchema,
  aircallNumberSchema,
  aircallPageSchema,
  aircallTagSchema,
  aircallTeamSchema,
  aircallUserSchema,
  aircallWebhookSchema,
  callEnvelope,
  companyEnvelope,
  contactEnvelope,
  dialerCampaignEnvelope,
  dialerNumbersEnvelope,
  pingSchema,
  tagEnvelope,
  userEnvelope,
  webhookEnvelope,
} from './schemas.js'

export const AIRCALL_BASE_URL = 'https://api.aircall.io'
const DAY_S = 86_400

export type AircallCredentials = { apiId: string; apiToken: string } | { accessToken: string }

export type AircallWarning =
  | { type: 'retention-horizon'; since: number; horizon: number; retentionDays: number }
  | { type: 'pagination-cap'; endpoint: string; total: number }
  /** One second holds more calls than a query may page through; only the first 10,000 are read. */
  | { type: 'dense-window'; from: number; to: number; total: number }

export interface AircallClientOptions extends TransportOptions {
  credentials: AircallCredentials
  baseUrl?: string
  /** Calls older than this are not served by Aircall (default 180 days). */
  retentionDays?: number
  /** Headroom under the 10,000-item cap for calls that arrive between probing and paging (default 500). */
  windowMargin?: number
  /** The widest window tried first (default 7 days); windows adapt to density from there. */
  maxWindowSeconds?: number
  onWarning?: (warning: AircallWarning) => void
}

/** A slice of call history `(from, to]` in UNIX seconds, as Aircall filters `started_at`. */
export interface CallWindow {
  from: number
  to: number
  /** `meta.total` when the window was probed. */
  total: number
}

export interface CallRange {
  /** Exclusive lower bound, UNIX seconds. */
  since: number
  /** Inclusive upper bound, UNIX seconds. */
  until: number
  signal?: AbortSignal
}

export interface WriteOptions {
  /** Allow a replay after a 5xx/timeout: only when a duplicate is harmless or the caller reconciles. */
  replaySafe?: boolean
  signal?: AbortSignal
}

export interface AircallContactInput {
  first_name?: string
  last_name?: string
  company_name?: string
  information?: string
  phone_numbers?: Array<{ label: string; value: string }>
  emails?: Array<{ label: string; value: string }>
}

export interface CallSearchParams {
  from?: number
  to?: number
  order?: 'asc' | 'desc'
  direction?: 'inbound' | 'outbound'
  userId?: number
  phoneNumber?: string
  /** Tag ids; a call must carry all of them. */
  tagIds?: number[]
  fetchContact?: boolean
}

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined

/** The shared HTTP client, with Aircall's credential failures reported as such (see `aircallCredentialsError`). */
class AircallHttpClient extends HttpClient {
  constructor(
    options: HttpClientOptions,
    private readonly credentials: 'api-key' | 'access-token',
  ) {
    super(options)
  }

  override async request<S extends z.ZodType | undefined = undefined>(
    options: RequestOptions<S>,
  ): Promise<HttpResult<Infer<S>>> {
    try {
      return await super.request(options)
    } catch (error) {
      throw aircallCredentialsError(error, this.credentials)
    }
  }
}

/**
 * Aircall Public API client (Basic auth with api_id:api_token, or an OAuth bearer token).
 *
 * Call history: `callWindows(range)` splits `(since, until]` into adjacent windows `(a,b]`, `(b,c]` that each hold
 * fewer than 10,000 − margin calls (probing `meta.total` with per_page=1 and halving), and `callsInWindow(w)` pages
 * through one window in ascending order. A backfill checkpoints `w.to` after each window; `iterateCalls(range)`
 * chains both for callers that do not checkpoint.
 */
export class AircallClient {
  readonly http: HttpClient
  private readonly clock: Clock
  private readonly retentionDays: number
  private readonly windowLimit: number
  private readonly maxWindowSeconds: number
  private readonly onWarning: (warning: AircallWarning) => void
  private usersApi: 'v2' | 'v1' = 'v2'
  private tagCache: Promise<Map<string, number>> | undefined
  private readonly tagCreations = new Map<string, Promise<number>>()

  constructor(options: AircallClientOptions) {
    this.clock = options.clock ?? systemClock
    const gate =
      options.gate ??
      new AircallRateGate({
        perMinute: options.perMinute,
        concurrency: options.concurrency,
        clock: this.clock,
        sleep: options.sleep,
      })
    const c = options.credentials
    const authorization =
      'accessToken' in c
        ? `Bearer ${c.accessToken}`
        : `Basic ${Buffer.from(`${c.apiId}:${c.apiToken}`).toString('base64')}`
    this.http = new AircallHttpClient(
      {
        service: 'aircall',
        baseUrl: options.baseUrl ?? AIRCALL_BASE_URL,
        headers: { authorization },
        gate,
        errors: AIRCALL_ERRORS,
        rateHeaders: AIRCALL_RATE_HEADER_SETS,
        transport: options.transport,
        fetch: options.fetch,
        clock: this.clock,
        sleep: options.sleep,
        random: options.random,
        timeoutMs: options.timeoutMs,
        retry: options.retry,
        onEvent: options.onEvent,
      },
      'accessToken' in c ? 'access-token' : 'api-key',
    )
    this.retentionDays = options.retentionDays ?? 180
    this.windowLimit = AIRCALL_POSITIONAL_CAP - (options.windowMargin ?? 500)
    this.maxWindowSeconds = options.maxWindowSeconds ?? 7 * DAY_S
    this.onWarning = options.onWarning ?? (() => {})
  }

  get gate(): RateGate {
    return this.http.gate
  }

  async ping(signal?: AbortSignal): Promise<boolean> {
    const { data } = await this.http.request({ method: 'GET', path: '/v1/ping', schema: pingSchema, signal })
    return data.ping === 'pong'
  }

  async company(signal?: AbortSignal): Promise<AircallCompany> {
    return (await this.http.request({ method: 'GET', path: '/v1/company', schema: companyEnvelope, signal })).data
      .company
  }

  // ── calls ────────────────────────────────────────────────────────────────────────────────────────────────

  listCalls(params: CallSearchParams = {}, signal?: AbortSignal): AsyncGenerator<AircallCall> {
    return this.list('/v1/calls', 'calls', aircallCallSchema, callQuery(params), signal)
  }

  searchCalls(params: CallSearchParams, signal?: AbortSignal): AsyncGenerator<AircallCall> {
    return this.list('/v1/calls/search', 'calls', aircallCallSchema, callQuery(params), signal)
  }

  async getCall(id: number, options: { fetchContact?: boolean; signal?: AbortSignal } = {}): Promise<AircallCall> {
    const { data } = await this.http.request({
      method: 'GET',
      path: `/v1/calls/${id}`,
      query: { fetch_contact: options.fetchContact ? true : undefined },
      schema: callEnvelope,
      signal: options.signal,
    })
    return data.call
  }

  /**
   * A call's AI summary or transcript (`/v1/calls/:id/summary`, `/transcription`), as the insight's entity; null
   * when there is none. The references disagree on the answer without an AI plan or without content yet (403 or
   * 404), so both mean "none". The call list was read with the same key, so a 403 here is not bad credentials.
   */
  async getCallInsight(
    callId: number,
    kind: 'summary' | 'transcription',
    signal?: AbortSignal,
  ): Promise<Record<string, unknown> | null> {
    try {
      const { data } = await this.http.request({
        method: 'GET',
        path: `/v1/calls/${callId}/${kind}`,
        schema: insightEnvelope,
        signal,
      })
      const entity = data[kind]
      return entity ? { call_id: String(callId), ...entity } : null
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof ForbiddenError || error instanceof AuthError) return null
      throw error
    }
  }

  /** Number of calls with `from < started_at <= to`, read from `meta.total` of a one-item page. */
  async countCalls(from: number, to: number, signal?: AbortSignal): Promise<number> {
    const { data } = await this.http.request({
      method: 'GET',
      path: '/v1/calls',
      query: { from, to, per_page: 1, page: 1 },
      schema: aircallPageSchema('calls', aircallCallSchema),
      signal,
    })
    return data.meta.total
  }

  /**
   * Adjacent windows tiling `(since, until]`, each under the positional cap. Reports a `retention-horizon`
   * warning when the range starts before what Aircall still serves (those windows simply come back empty).
   */
  callWindows(range: CallRange): AsyncGenerator<CallWindow> {
    return tileCallWindows({
      range,
      count: (from, to) => this.countCalls(from, to, range.signal),
      nowSeconds: Math.floor(this.clock.now() / 1000),
      retentionDays: this.retentionDays,
      windowLimit: this.windowLimit,
      maxWindowSeconds: this.maxWindowSeconds,
      onWarning: this.onWarning,
    })
  }

  /**
   * The calls of one window, oldest first, each once (a call re-sorted during paging is not repeated). The
   * caller's shared contact is embedded (`fetch_contact`): its emails are what matches a caller whose Intercom
   * contact has no phone, so without it a known caller would be created again.
   */
  async *callsInWindow(window: CallWindow, signal?: AbortSignal): AsyncGenerator<AircallCall> {
    const seen = new Set<number>()
    const calls = this.list(
      '/v1/calls',
      'calls',
      aircallCallSchema,
      { from: window.from, to: window.to, order: 'asc', fetch_contact: true },
      signal,
    )
    for await (const call of calls) {
      if (seen.has(call.id)) continue
      seen.add(call.id)
      yield call
    }
  }

  /** Every call of `(since, until]`, window after window. */
  async *iterateCalls(range: CallRange): AsyncGenerator<AircallCall> {
    for await (const window of this.callWindows(range)) yield* this.callsInWindow(window, range.signal)
  }

  async addComment(callId: number, content: string, options: WriteOptions = {}): Promise<void> {
    await this.http.request({
      method: 'POST',
      path: `/v1/calls/${callId}/comments`,
      body: { content },
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
  }

  /** Tags a call by tag names, creating missing tags; names are matched case-insensitively. */
  async tagCallByName(callId: number, names: string[], options: WriteOptions = {}): Promise<number[]> {
    const ids = await Promise.all(names.map((name) => this.tagIdFor(name, options.signal)))
    if (ids.length === 0) return ids
    await this.http.request({
      method: 'POST',
      path: `/v1/calls/${callId}/tags`,
      body: { tags: [...new Set(ids)] },
      // Tagging sets membership, so a replay cannot create a second tag on the call.
      replaySafe: options.replaySafe ?? true,
      signal: options.signal,
    })
    return ids
  }

  async createInsightCard(callId: number, contents: InsightCardContent[], options: WriteOptions = {}): Promise<void> {
    await this.http.request({
      method: 'POST',
      path: `/v1/calls/${callId}/insight_cards`,
      body: { contents },
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
  }

  // ── contacts ─────────────────────────────────────────────────────────────────────────────────────────────

  searchContacts(
    params: { phoneNumber?: string; email?: string },
    signal?: AbortSignal,
  ): AsyncGenerator<AircallContact> {
    return this.list(
      '/v1/contacts/search',
      'contacts',
      aircallContactSchema,
      { phone_number: params.phoneNumber, email: params.email },
      signal,
    )
  }

  listContacts(signal?: AbortSignal): AsyncGenerator<AircallContact> {
    return this.list('/v1/contacts', 'contacts', aircallContactSchema, {}, signal)
  }

  async getContact(id: number, signal?: AbortSignal): Promise<AircallContact> {
    return (await this.http.request({ method: 'GET', path: `/v1/contacts/${id}`, schema: contactEnvelope, signal }))
      .data.contact
  }

  async createContact(input: AircallContactInput, options: WriteOptions = {}): Promise<AircallContact> {
    const { data } = await this.http.request({
      method: 'POST',
      path: '/v1/contacts',
      body: input,
      schema: contactEnvelope,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data.contact
  }

  /** Aircall's staff code updates with POST (PUT also routes); it overwrites fields, so a replay is harmless. */
  async updateContact(id: number, input: AircallContactInput, options: WriteOptions = {}): Promise<AircallContact> {
    const { data } = await this.http.request({
      method: 'POST',
      path: `/v1/contacts/${id}`,
      body: input,
      schema: contactEnvelope,
      replaySafe: options.replaySafe ?? true,
      signal: options.signal,
    })
    return data.contact
  }

  // ── users, teams, numbers, tags ──────────────────────────────────────────────────────────────────────────

  /** Users from `/v2/users`; falls back to v1 (and remembers it) where v2 answers 404/410. */
  async *listUsers(signal?: AbortSignal): AsyncGenerator<AircallUser> {
    if (this.usersApi === 'v2') {
      const v2 = this.list('/v2/users', 'users', aircallUserSchema, {}, signal)
      let first: IteratorResult<AircallUser> | undefined
      try {
        first = await v2.next()
      } catch (error) {
        if (!(error instanceof NotFoundError || error instanceof GoneError)) throw error
        this.usersApi = 'v1'
      }
      if (first) {
        if (!first.done) {
          yield first.value
          yield* v2
        }
        return
      }
    }
    yield* this.list('/v1/users', 'users', aircallUserSchema, {}, signal)
  }

  async getUser(id: number | string, signal?: AbortSignal): Promise<AircallUser> {
    if (this.usersApi === 'v2') {
      try {
        return (await this.http.request({ method: 'GET', path: `/v2/users/${id}`, schema: userEnvelope, signal })).data
          .user
      } catch (error) {
        // A 404 here may just mean "no such user"; only switch to v1 when v1 knows the user.
        if (!(error instanceof NotFoundError || error instanceof GoneError)) throw error
        const user = (await this.http.request({ method: 'GET', path: `/v1/users/${id}`, schema: userEnvelope, signal }))
          .data.user
        this.usersApi = 'v1'
        return user
      }
    }
    return (await this.http.request({ method: 'GET', path: `/v1/users/${id}`, schema: userEnvelope, signal })).data.user
  }

  listTeams(signal?: AbortSignal): AsyncGenerator<AircallTeam> {
    return this.list('/v1/teams', 'teams', aircallTeamSchema, {}, signal)
  }

  listNumbers(signal?: AbortSignal): AsyncGenerator<AircallNumber> {
    return this.list('/v1/numbers', 'numbers', aircallNumberSchema, {}, signal)
  }

  listTags(signal?: AbortSignal): AsyncGenerator<AircallTag> {
    return this.list('/v1/tags', 'tags', aircallTagSchema, {}, signal)
  }

  async createTag(input: { name: string; color?: string }, options: WriteOptions = {}): Promise<AircallTag> {
    const { data } = await this.http.request({
      method: 'POST',
      path: '/v1/tags',
      body: { color: '#2196F3', ...input },
      schema: tagEnvelope,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data.tag
  }

  private async tagIdFor(name: string, signal?: AbortSignal): Promise<number> {
    const key = name.trim().toLowerCase()
    const known = (await this.tagMap(signal)).get(key)
    if (known !== undefined) return known
    // Concurrent taggings of a new name share one creation.
    let creation = this.tagCreations.get(key)
    if (!creation) {
      creation = this.createMissingTag(name.trim(), key, signal).finally(() => this.tagCreations.delete(key))
      this.tagCreations.set(key, creation)
    }
    return creation
  }

  private async createMissingTag(name: string, key: string, signal?: AbortSignal): Promise<number> {
    const map = await this.tagMap(signal)
    try {
      const tag = await this.createTag({ name }, { signal })
      map.set(key, tag.id)
      return tag.id
    } catch (error) {
      // Someone else may have created it since we listed: re-read before giving up.
      if (!(error instanceof ValidationError)) throw error
      this.tagCache = undefined
      const id = (await this.tagMap(signal)).get(key)
      if (id === undefined) throw error
      return id
    }
  }

  private tagMap(signal?: AbortSignal): Promise<Map<string, number>> {
    if (!this.tagCache) {
      const load = async (): Promise<Map<string, number>> => {
        const map = new Map<string, number>()
        for await (const tag of this.listTags(signal)) map.set(tag.name.trim().toLowerCase(), tag.id)
        return map
      }
      this.tagCache = load().catch((error: unknown) => {
        this.tagCache = undefined
        throw error
      })
    }
    return this.tagCache
  }

  // ── power dialer ─────────────────────────────────────────────────────────────────────────────────────────

  async getDialerCampaign(userId: number, signal?: AbortSignal): Promise<AircallDialerCampaign | null> {
    try {
      const { data } = await this.http.request({
        method: 'GET',
        path: `/v1/users/${userId}/dialer_campaign`,
        schema: dialerCampaignEnvelope,
        signal,
      })
      return data.dialer_campaign
    } catch (error) {
      if (error instanceof NotFoundError) return null
      throw error
    }
  }

  /** Makes sure the user has a campaign (a user has at most one) holding `phoneNumbers`. */
  async ensureDialerCampaign(
    userId: number,
    phoneNumbers: string[],
    signal?: AbortSignal,
  ): Promise<{ created: boolean; added: string[]; alreadyImported: string[] }> {
    if ((await this.getDialerCampaign(userId, signal)) === null) {
      try {
        await this.http.request({
          method: 'POST',
          path: `/v1/users/${userId}/dialer_campaign`,
          body: { phone_numbers: phoneNumbers },
          signal,
        })
        return { created: true, added: phoneNumbers, alreadyImported: [] }
      } catch (error) {
        // A 422 here means a campaign appeared meanwhile; anything else is real.
        if (!(error instanceof ValidationError) || (await this.getDialerCampaign(userId, signal)) === null) throw error
      }
    }
    return { created: false, ...(await this.addDialerNumbers(userId, phoneNumbers, signal)) }
  }

  async listDialerNumbers(userId: number, signal?: AbortSignal): Promise<AircallDialerNumber[]> {
    const { data } = await this.http.request({
      method: 'GET',
      path: `/v1/users/${userId}/dialer_campaign/phone_numbers`,
      schema: dialerNumbersEnvelope,
      signal,
    })
    return data.numbers
  }

  /**
   * Queues numbers on the user's campaign. Aircall answers 422 ("already imported") when a number is queued
   * already; instead of reading that message we check the campaign's list, so the 422 counts as success exactly
   * when every number is there, and numbers of the batch that are not are sent again on their own.
   */
  async addDialerNumbers(
    userId: number,
    phoneNumbers: string[],
    signal?: AbortSignal,
  ): Promise<{ added: string[]; alreadyImported: string[] }> {
    if (phoneNumbers.length === 0) return { added: [], alreadyImported: [] }
    const post = (numbers: string[]) =>
      this.http.request({
        method: 'POST',
        path: `/v1/users/${userId}/dialer_campaign/phone_numbers`,
        body: { phone_numbers: numbers },
        // Queuing a number twice is refused with 422, never duplicated.
        replaySafe: true,
        signal,
      })
    try {
      await post(phoneNumbers)
      return { added: phoneNumbers, alreadyImported: [] }
    } catch (error) {
      if (!(error instanceof ValidationError && error.status === 422)) throw error
      const queued = new Set((await this.listDialerNumbers(userId, signal)).map((n) => digitsOf(n.number)))
      const missing = phoneNumbers.filter((n) => !queued.has(digitsOf(n)))
      if (missing.length === phoneNumbers.length) throw error
      if (missing.length > 0) await post(missing)
      return { added: missing, alreadyImported: phoneNumbers.filter((n) => queued.has(digitsOf(n))) }
    }
  }

  async removeDialerNumber(userId: number, numberId: number, signal?: AbortSignal): Promise<void> {
    await this.http.request({
      method: 'DELETE',
      path: `/v1/users/${userId}/dialer_campaign/phone_numbers/${numberId}`,
      signal,
    })
  }

  // ── webhooks ─────────────────────────────────────────────────────────────────────────────────────────────

  /** An empty or missing `events` subscribes to every event (Aircall's rule). */
  async createWebhook(
    input: { url: string; events?: string[]; customName?: string },
    options: WriteOptions = {},
  ): Promise<AircallWebhook> {
    const { data } = await this.http.request({
      method: 'POST',
      path: '/v1/webhooks',
      body: { url: input.url, events: input.events, custom_name: input.customName },
      schema: webhookEnvelope,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data.webhook
  }

  listWebhooks(signal?: AbortSignal): AsyncGenerator<AircallWebhook> {
    return this.list('/v1/webhooks', 'webhooks', aircallWebhookSchema, {}, signal)
  }

  async getWebhook(webhookId: string, signal?: AbortSignal): Promise<AircallWebhook> {
    return (
      await this.http.request({ method: 'GET', path: `/v1/webhooks/${webhookId}`, schema: webhookEnvelope, signal })
    ).data.webhook
  }

  async updateWebhook(
    webhookId: string,
    input: { url?: string; events?: string[]; active?: boolean; eventsAction?: 'add' | 'remove' },
    signal?: AbortSignal,
  ): Promise<AircallWebhook> {
    const { data } = await this.http.request({
      method: 'PUT',
      path: `/v1/webhooks/${webhookId}`,
      query: { events_action: input.eventsAction },
      body: { url: input.url, events: input.events, active: input.active },
      schema: webhookEnvelope,
      signal,
    })
    return data.webhook
  }

  async deleteWebhook(webhookId: string, signal?: AbortSignal): Promise<void> {
    await this.http.request({ method: 'DELETE', path: `/v1/webhooks/${webhookId}`, signal })
  }

  // ── paging ───────────────────────────────────────────────────────────────────────────────────────────────

  private list<T extends z.ZodType>(
    path: string,
    key: string,
    item: T,
    query: Query,
    signal?: AbortSignal,
  ): AsyncGenerator<z.infer<T>> {
    return aircallList(this.http, {
      path,
      key,
      item,
      query,
      signal,
      onCapped: (meta) => this.onWarning({ type: 'pagination-cap', endpoint: `GET ${path}`, total: meta.total }),
    })
  }
}

function callQuery(params: CallSearchParams): Query {
  return {
    from: params.from,
    to: params.to,
    order: params.order,
    direction: params.direction,
    user_id: params.userId,
    phone_number: params.phoneNumber,
    'tags[]': params.tagIds,
    fetch_contact: params.fetchContact ? true : undefined,
  }
}

function digitsOf(phone: string): string {
  return phone.replace(/\D/g, '')
}
