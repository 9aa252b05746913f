import type { z } from 'zod'

import { type PageSource, paginatePages } from '../http/paginate.js'
import type { HttpClient, Query } from '../http/request.js'
import { type AircallMeta, aircallPageSchema } from './schemas.js'

/** Aircall refuses (400) any request where page × per_page exceeds 10,000, whatever the total. */
export const AIRCALL_POSITIONAL_CAP = 10_000
export const AIRCALL_MAX_PER_PAGE = 50

/** What paging reads of a list's `meta`: `next_page_link` is absent from /v1/webhooks, null on a last page elsewhere. */
export type AircallPageMeta = Pick<AircallMeta, 'total' | 'current_page' | 'per_page' | 'count' | 'next_page_link'>

/**
 * The next Aircall page number, or null. `next_page_link` is read only as a flag (its host is the API's,
 * which we never follow blindly); lists without links stop on `current_page * per_page >= total`.
 */
export function nextAircallPage(meta: AircallPageMeta, requestedPerPage: number): number | null {
  if (meta.next_page_link === null) return null
  if (meta.current_page * meta.per_page >= meta.total) return null
  if (meta.count === 0) return null
  const next = meta.current_page + 1
  // per_page may have been clamped by the server; the cap applies to what we will send.
  if (next * requestedPerPage > AIRCALL_POSITIONAL_CAP) return null
  return next
}

/** Whether this page is the last one the positional cap lets us read while the list holds more. */
export function stoppedAtCap(meta: AircallPageMeta, requestedPerPage: number): boolean {
  return (
    nextAircallPage(meta, requestedPerPage) === null &&
    meta.next_page_link !== null &&
    (meta.current_page + 1) * requestedPerPage > AIRCALL_POSITIONAL_CAP &&
    meta.current_page * meta.per_page < meta.total
  )
}

export interface AircallListRequest<T extends z.ZodType> {
  path: string
  /** The key of the list in the envelope (`calls`, `users`…). */
  key: string
  item: T
  query: Query
  signal?: AbortSignal | undefined
  /** Called once when the list had more than the positional cap lets us read. */
  onCapped?: (meta: AircallPageMeta) => void
}

/**
 * Every item of an Aircall list, page by page (`page`/`per_page` at the maximum page size), through the shared
 * paging primitive: nothing is requested before the consumer asks for it.
 */
export async function* aircallList<T extends z.ZodType>(
  http: HttpClient,
  request: AircallListRequest<T>,
): AsyncGenerator<z.infer<T>> {
  const schema = aircallPageSchema(request.key, request.item)
  const perPage = AIRCALL_MAX_PER_PAGE
  const source: PageSource<z.infer<typeof schema>, z.infer<T>, number> = {
    first: 1,
    load: async (page) =>
      (
        await http.request({
          method: 'GET',
          path: request.path,
          query: { ...request.query, page, per_page: perPage },
          schema,
          signal: request.signal,
        })
      ).data,
    items: (page) => page.items,
    next: (page) => nextAircallPage(page.meta, perPage),
  }
  for await (const page of paginatePages(source)) {
    yield* page.items
    // After the page's items, as the consumer reads them: a consumer that stops early hears no warning.
    if (stoppedAtCap(page.meta, perPage)) request.onCapped?.(page.meta)
  }
}
