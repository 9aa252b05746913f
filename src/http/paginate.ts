/**
 * A paged collection described by how to load one page and where the next one is. By default nothing is
 * prefetched: the next page is requested only when the consumer asks for more, so a `break` stops the requests.
 */
export interface PageSource<Page, Item, Cursor> {
  first: Cursor
  load(cursor: Cursor): Promise<Page>
  items(page: Page): readonly Item[]
  /** The cursor of the following page, or null when this page is the last. */
  next(page: Page, cursor: Cursor): Cursor | null
  /**
   * Request the next page while the consumer works on this one. For whole-collection reads (an index refresh)
   * where the consumer's work per page is about as long as a request; a `break` then costs one unread page.
   */
  readAhead?: boolean
}

export async function* paginatePages<Page, Item, Cursor>(source: PageSource<Page, Item, Cursor>): AsyncGenerator<Page> {
  let cursor: Cursor = source.first
  let loading: Promise<Page> = source.load(cursor)
  for (;;) {
    const page: Page = await loading
    const next = source.next(page, cursor)
    if (next !== null && source.readAhead) {
      loading = source.load(next)
      // Awaited on the next turn; marked handled now so a consumer that stops early leaves no unhandled rejection.
      loading.catch(() => undefined)
    }
    yield page
    if (next === null) return
    cursor = next
    if (!source.readAhead) loading = source.load(cursor)
  }
}

export async function* paginate<Page, Item, Cursor>(source: PageSource<Page, Item, Cursor>): AsyncGenerator<Item> {
  for await (const page of paginatePages(source)) yield* source.items(page)
}

/** Collects at most `limit` items: a bound is required so no sync path silently loads everything. */
export async function collect<T>(iterable: AsyncIterable<T>, limit: number): Promise<T[]> {
  const out: T[] = []
  if (limit <= 0) return out
  for await (const item of iterable) {
    out.push(item)
    if (out.length >= limit) break
  }
  return out
}

/** Aircall refuses (400) any request where page × per_page exceeds 10,000, whatever the total. */
export const AIRCALL_POSITIONAL_CAP = 10_000
export const AIRCALL_MAX_PER_PAGE = 50

export interface AircallMeta {
  total: number
  current_page: number
  per_page: number
  count?: number | undefined
  /** Absent from /v1/webhooks; null on the last page elsewhere. */
  next_page_link?: string | null | undefined
}

/**
 * The next Aircall page number, or null. `next_page_link` is read only as a flag (its host is the API's,
 * which we never follow blindly); lists without links stop on `current_page * per_page >= total`.
 */
export function nextAircallPage(meta: AircallMeta, requestedPerPage: number): number | null {
  if (meta.next_page_link === null) return null
  if (meta.current_page * meta.per_page >= meta.total) return null
  if (meta.count === 0) return null
  const next = meta.current_page + 1
  // per_page may have been clamped by the server; the cap applies to what we will send.
  if (next * requestedPerPage > AIRCALL_POSITIONAL_CAP) return null
  return next
}
