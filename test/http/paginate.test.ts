import { describe, expect, it } from 'vitest'

import { collect, paginate } from '../../src/http/paginate.js'

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
