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
