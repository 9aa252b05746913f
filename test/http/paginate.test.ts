import { describe, expect, it } from 'vitest'

import { type AircallMeta, collect, nextAircallPage, paginate } from '../../src/http/paginate.js'

describe('nextAircallPage', () => {
  const meta = (over: Partial<AircallMeta>): AircallMeta => ({
    total: 120,
    current_page: 1,
    per_page: 50,
    count: 50,
    next_page_link: 'https://api.aircall.io/v1/calls?page=2&per_page=50',
    ...over,
  })
  const table: Array<[string, Partial<AircallMeta>, number | null]> = [
    ['link present, more to read', {}, 2],
    ['link null', { next_page_link: null }, null],
    ['webhooks meta without links, more to read', { next_page_link: undefined }, 2],
    ['webhooks meta without links, done', { next_page_link: undefined, current_page: 3, total: 120 }, null],
    ['current_page * per_page reaches total', { current_page: 3, total: 150 }, null],
    ['empty page', { count: 0 }, null],
    ['page 200 of a large total: page 201 would pass the cap', { current_page: 200, total: 50_000 }, null],
    ['page 199 of a large total', { current_page: 199, total: 50_000 }, 200],
  ]
  it.each(table)('%s', (_name, over, expected) => {
    expect(nextAircallPage(meta(over), 50)).toBe(expected)
  })
})

describe('paginate', () => {
  const pages = [['a', 'b'], ['c'], ['d', 'e']]
  const source = (loads: number[]) => ({
    first: 0,
    load: (cursor: number) => {
      loads.push(cursor)
      return Promise.resolve(pages[cursor] ?? [])
    },
    items: (page: string[]) => page,
    next: (_page: string[], cursor: number) => (cursor + 1 < pages.length ? cursor + 1 : null),
  })

  it('yields every item in order, loading pages on demand', async () => {
    const loads: number[] = []
    expect(await collect(paginate(source(loads)), 100)).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(loads).toEqual([0, 1, 2])
  })

  it('stops loading when the consumer stops', async () => {
    const loads: number[] = []
    expect(await collect(paginate(source(loads)), 2)).toEqual(['a', 'b'])
    expect(loads).toEqual([0])
  })

  it('with read-ahead, requests the next page before the consumer has finished the current one', async () => {
    const loads: number[] = []
    const seenWhenLoaded: number[] = []
    let consumed = 0
    const ahead = { ...source(loads), readAhead: true }
    const load = ahead.load
    ahead.load = (cursor: number) => {
      seenWhenLoaded.push(consumed)
      return load(cursor)
    }
    const items: string[] = []
    for await (const item of paginate(ahead)) {
      items.push(item)
      consumed++
    }
    expect(items).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(loads).toEqual([0, 1, 2])
    // Page 1 was requested before item "a" was handed out, page 2 before "c".
    expect(seenWhenLoaded).toEqual([0, 0, 2])
  })

  it('with read-ahead, a failed prefetch surfaces when its page is reached, and an unread one is harmless', async () => {
    const failing = {
      ...source([]),
      readAhead: true,
      load: (cursor: number) =>
        cursor === 1 ? Promise.reject(new Error('page 1 failed')) : Promise.resolve(pages[cursor] ?? []),
    }
    // Stopping inside page 0 leaves the rejected prefetch of page 1 unread: no unhandled rejection fails the run.
    expect(await collect(paginate(failing), 1)).toEqual(['a'])
    await expect(collect(paginate(failing), 100)).rejects.toThrow('page 1 failed')
  })
})
