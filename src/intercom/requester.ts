import type { z } from 'zod'

import type { HttpClient } from '../http/request.js'
import type { SearchQuery } from './query.js'

export interface WriteOptions {
  /** Allow a replay after a 5xx/timeout: only when a duplicate is harmless or the caller reconciles. */
  replaySafe?: boolean
  signal?: AbortSignal
}

export interface SearchOptions {
  perPage?: number
  sort?: { field: string; order: 'ascending' | 'descending' }
  signal?: AbortSignal
  /** Request each next page while the current one is consumed (whole-collection reads only). */
  readAhead?: boolean
}

/**
 * What a resource module needs of the client: the one configured request core and Intercom's search paging, so
 * every resource shares the client's gate, retries and error dialect without knowing how they are built.
 */
export interface IntercomRequester {
  /** The pinned `Intercom-Version`: some search fields exist only from a given version. */
  readonly version: string
  readonly http: Pick<HttpClient, 'request'>
  search<P extends z.ZodType, T>(
    path: string,
    query: SearchQuery,
    schema: P,
    items: (page: z.infer<P>) => T[],
    options: SearchOptions,
  ): AsyncGenerator<T>
}
