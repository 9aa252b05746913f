import { describe, expect, it } from 'vitest'

import { type AircallPageMeta, nextAircallPage, stoppedAtCap } from '../../src/aircall/paging.js'

describe('nextAircallPage', () => {
  const meta = (over: Partial<AircallPageMeta>): AircallPageMeta => ({
    total: 120,
    current_page: 1,
    per_page: 50,
    count: 50,
    next_page_link: 'https://api.aircall.io/v1/calls?page=2&per_page=50',
    ...over,
  })
  const table: Array<[string, Partial<AircallPageMeta>, number | null]> = [
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

describe('stoppedAtCap', () => {
  const meta = (over: Partial<AircallPageMeta>): AircallPageMeta => ({
    total: 50_000,
    current_page: 200,
    per_page: 50,
    count: 50,
    next_page_link: 'https://api.aircall.io/v1/calls?page=201&per_page=50',
    ...over,
  })
  it('is true on the last page the cap lets us read while the list holds more', () => {
    expect(stoppedAtCap(meta({}), 50)).toBe(true)
  })
  it('is false before the cap, on a last page, and when the list ends at the cap', () => {
    expect(stoppedAtCap(meta({ current_page: 199 }), 50)).toBe(false)
    expect(stoppedAtCap(meta({ next_page_link: null }), 50)).toBe(false)
    expect(stoppedAtCap(meta({ total: 10_000 }), 50)).toBe(false)
  })
})
