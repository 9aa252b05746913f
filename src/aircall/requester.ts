import type { z } from 'zod'

import type { HttpClient, Query } from '../http/request.js'

export interface WriteOptions {
  /** Allow a replay after a 5xx/timeout: only when a duplicate is harmless or the caller reconciles. */
  replaySafe?: boolean
  signal?: AbortSignal
}

export type AircallWarning =
  | { type: 'retention-horizon'; since: number; horizon: number; retentionDays: number }
  | { type: 'pagination-cap'; endpoint: string; total: number }
  /** One second holds more calls than a query may page through; only the first 10,000 are read. */
  | { type: 'dense-window'; from: number; to: number; total: number }

/**
 * What a resource module needs of the client: the one configured request core (credentials, gate, retries,
 * error dialect) and Aircall's list paging, which reports the positional cap through the client's `onWarning`.
 */
export interface AircallRequester {
  readonly http: Pick<HttpClient, 'request'>
  list<T extends z.ZodType>(
    path: string,
    key: string,
    item: T,
    query: Query,
    signal?: AbortSignal,
  ): AsyncGenerator<z.infer<T>>
}
