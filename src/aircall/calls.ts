import { AuthError, ForbiddenError, NotFoundError } from '../http/errors.js'
import type { Clock } from '../http/types.js'
import type { Query } from '../http/request.js'
import { insightEnvelope } from './ai-schemas.js'
import { type CallRange, type CallWindow, type TileOptions, tileCallWindows } from './call-windows.js'
import type { AircallRequester, WriteOptions } from './requester.js'
import {
  type AircallCall,
  type InsightCardContent,
  aircallCallSchema,
  aircallPageSchema,
  callEnvelope,
} from './schemas.js'
import type { AircallTags } from './tags.js'

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

/** How call history is tiled into windows; the client derives it from its options. */
export interface CallHistoryOptions extends Pick<TileOptions, 'retentionDays' | 'windowLimit' | 'maxWindowSeconds'> {
  clock: Clock
  onWarning: TileOptions['onWarning']
}

/**
 * Call history: `windows(range)` splits `(since, until]` into adjacent windows `(a,b]`, `(b,c]` that each hold
 * fewer than 10,000 − margin calls (probing `meta.total` with per_page=1 and halving), and `inWindow(w)` pages
 * through one window in ascending order. A backfill checkpoints `w.to` after each window; `iterate(range)`
 * chains both for callers that do not checkpoint.
 */
export class AircallCalls {
  constructor(
    private readonly api: AircallRequester,
    /** Tagging a call by name resolves names through the shared tag cache. */
    private readonly tags: Pick<AircallTags, 'idFor'>,
    private readonly history: CallHistoryOptions,
  ) {}

  list(params: CallSearchParams = {}, signal?: AbortSignal): AsyncGenerator<AircallCall> {
    return this.api.list('/v1/calls', 'calls', aircallCallSchema, callQuery(params), signal)
  }

  search(params: CallSearchParams, signal?: AbortSignal): AsyncGenerator<AircallCall> {
    return this.api.list('/v1/calls/search', 'calls', aircallCallSchema, callQuery(params), signal)
  }

  async get(id: number, options: { fetchContact?: boolean; signal?: AbortSignal } = {}): Promise<AircallCall> {
    const { data } = await this.api.http.request({
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
  async getInsight(
    callId: number,
    kind: 'summary' | 'transcription',
    signal?: AbortSignal,
  ): Promise<Record<string, unknown> | null> {
    try {
      const { data } = await this.api.http.request({
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
  async count(from: number, to: number, signal?: AbortSignal): Promise<number> {
    const { data } = await this.api.http.request({
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
  windows(range: CallRange): AsyncGenerator<CallWindow> {
    return tileCallWindows({
      range,
      count: (from, to) => this.count(from, to, range.signal),
      nowSeconds: Math.floor(this.history.clock.now() / 1000),
      retentionDays: this.history.retentionDays,
      windowLimit: this.history.windowLimit,
      maxWindowSeconds: this.history.maxWindowSeconds,
      onWarning: this.history.onWarning,
    })
  }

  /**
   * The calls of one window, oldest first, each once (a call re-sorted during paging is not repeated). The
   * caller's shared contact is embedded (`fetch_contact`): its emails are what matches a caller whose Intercom
   * contact has no phone, so without it a known caller would be created again.
   */
  async *inWindow(window: CallWindow, signal?: AbortSignal): AsyncGenerator<AircallCall> {
    const seen = new Set<number>()
    const calls = this.api.list(
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
  async *iterate(range: CallRange): AsyncGenerator<AircallCall> {
    for await (const window of this.windows(range)) yield* this.inWindow(window, range.signal)
  }

  async addComment(callId: number, content: string, options: WriteOptions = {}): Promise<void> {
    await this.api.http.request({
      method: 'POST',
      path: `/v1/calls/${callId}/comments`,
      body: { content },
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
  }

  /** Tags a call by tag names, creating missing tags; names are matched case-insensitively. */
  async tagByName(callId: number, names: string[], options: WriteOptions = {}): Promise<number[]> {
    const ids = await Promise.all(names.map((name) => this.tags.idFor(name, options.signal)))
    if (ids.length === 0) return ids
    await this.api.http.request({
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
    await this.api.http.request({
      method: 'POST',
      path: `/v1/calls/${callId}/insight_cards`,
      body: { contents },
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
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
