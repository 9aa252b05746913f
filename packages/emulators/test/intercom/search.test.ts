import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { at, list, startHarness, str, type Harness } from './helpers.js'

describe('Intercom emulator: search query language', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness()
    for (let i = 0; i < 7; i++) {
      await h.api('POST', '/contacts', { role: 'lead', name: `Lead ${i}`, email: `lead${i}@acme.io` })
      h.clock.advance(1000)
    }
  })
  afterAll(async () => {
    await h.em.close()
  })
  const search = (body: unknown, version = '2.16') =>
    h.api('POST', '/contacts/search', body, { 'intercom-version': version })
  const f = (field: string, operator: string, value: unknown) => ({ field, operator, value })

  it('pages with opaque body cursors and no next on the last page', async () => {
    const query = f('email', '$', '@acme.io')
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const res = await search({ query, pagination: { per_page: 3, ...(cursor ? { starting_after: cursor } : {}) } })
      expect(res.status).toBe(200)
      expect(at(res.body, 'total_count')).toBe(7)
      for (const c of list(res.body, 'data')) seen.push(str(c, 'id'))
      const next = at(res.body, 'pages', 'next')
      cursor = next === undefined ? undefined : str(next, 'starting_after')
      pages++
    } while (cursor)
    expect(pages).toBe(3)
    expect(new Set(seen).size).toBe(7)
    expect((await search({ query, pagination: { per_page: 151 } })).status).toBe(400)
    expect((await search({ query, pagination: { starting_after: 'garbage' } })).status).toBe(400)
  })

  it('enforces nesting depth and group size', async () => {
    const leaf = f('role', '=', 'lead')
    const ok = { operator: 'AND', value: [{ operator: 'OR', value: [{ operator: 'AND', value: [leaf] }] }] }
    expect((await search({ query: ok })).status).toBe(200)
    const tooDeep = {
      operator: 'AND',
      value: [{ operator: 'OR', value: [{ operator: 'AND', value: [{ operator: 'OR', value: [leaf] }] }] }],
    }
    expect((await search({ query: tooDeep })).status).toBe(400)
    const wide = { operator: 'OR', value: Array.from({ length: 16 }, () => leaf) }
    expect((await search({ query: wide })).status).toBe(400)
    expect((await search({ query: { operator: 'OR', value: wide.value.slice(1) } })).status).toBe(200)
  })

  it('refuses >= and <= on conversation dates, as Intercom does, and takes the > and < the call logger sends', async () => {
    const conversations = (query: unknown) =>
      h.api('POST', '/conversations/search', { query }, { 'intercom-version': '2.16' })
    expect((await conversations(f('created_at', '>=', 1))).status).toBe(400)
    expect((await conversations(f('created_at', '<=', 1))).status).toBe(400)
    const window = {
      operator: 'AND',
      value: [f('created_at', '>', 1), f('created_at', '<', 4_000_000_000), f('source.body', '~', 'aircall-call-id:')],
    }
    expect((await conversations(window)).status).toBe(200)
  })

  it('checks operators and value types per field type', async () => {
    expect((await search({ query: f('tag_id', '~', '81') })).status).toBe(400)
    expect((await search({ query: f('created_at', '>=', 1) })).status).toBe(400)
    expect((await search({ query: f('email', 'IN', 'x') })).status).toBe(400)
    expect((await search({ query: f('role', '=', 'admin') })).status).toBe(400)
    expect((await search({ query: f('nope', '=', 'x') })).status).toBe(400)
    const inList = await search({ query: f('name', 'IN', ['Lead 1', 'Lead 2']) })
    expect(at(inList.body, 'total_count')).toBe(2)
    expect(at((await search({ query: f('name', 'NIN', ['Lead 1']) })).body, 'total_count')).toBe(6)
    expect(at((await search({ query: f('name', '^', 'Lead') })).body, 'total_count')).toBe(7)
    expect(at((await search({ query: f('name', '!~', 'Lead 3') })).body, 'total_count')).toBe(6)
  })

  it('matches dates by calendar day', async () => {
    const now = Math.floor(h.clock.now() / 1000)
    expect(at((await search({ query: f('created_at', '=', now + 3600) })).body, 'total_count')).toBe(7)
    expect(at((await search({ query: f('created_at', '>', now) })).body, 'total_count')).toBe(0)
    expect(at((await search({ query: f('created_at', '<', now + 86_400) })).body, 'total_count')).toBe(7)
  })

  it('sorts, and rejects an invalid sort order only on 2.16', async () => {
    const res = await search({ query: f('role', '=', 'lead'), sort: { field: 'name', order: 'descending' } })
    expect(at(res.body, 'data', 0, 'name')).toBe('Lead 6')
    const bad = await search({ query: f('role', '=', 'lead'), sort: { field: 'name', order: 'desc' } })
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({
      errors: [
        { code: 'invalid_sort_order', message: "Invalid sort order 'desc'. Must be one of: ascending, descending" },
      ],
    })
    expect(
      (await search({ query: f('role', '=', 'lead'), sort: { field: 'name', order: 'desc' } }, '2.14')).status,
    ).toBe(200)
  })
})
