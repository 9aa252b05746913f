import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ADMIN, at, list, startHarness, str, type Harness } from './helpers.js'

describe('Intercom emulator: contacts', () => {
  let h: Harness
  beforeEach(async () => {
    h = await startHarness({ formattedPhoneDefaultCountry: 'FR' })
  })
  afterEach(async () => {
    await h.em.close()
  })

  const byPhone = (field: string, value: string, version = '2.16') =>
    h.api('POST', '/contacts/search', { query: { field, operator: '=', value } }, { 'intercom-version': version })

  it('stores phone exactly as written: phone search is exact, formatted_phone (2.16) finds E.164', async () => {
    const created = await h.api('POST', '/contacts', { role: 'lead', phone: '06 12 34 56 78', name: 'Léa' })
    expect(created.status).toBe(200)
    expect(at(created.body, 'phone')).toBe('06 12 34 56 78')
    expect(at(created.body, 'formatted_phone')).toBe('+33612345678')

    expect(at((await byPhone('phone', '+33612345678')).body, 'total_count')).toBe(0)
    expect(at((await byPhone('phone', '06 12 34 56 78')).body, 'total_count')).toBe(1)
    const found = await byPhone('formatted_phone', '+33612345678')
    expect(list(found.body, 'data').map((c) => at(c, 'id'))).toEqual([at(created.body, 'id')])

    const old = await byPhone('formatted_phone', '+33612345678', '2.14')
    expect(old.status).toBe(400)
    expect(at(old.body, 'errors', 0, 'code')).toBe('parameter_invalid')
  })

  it('leaves formatted_phone absent for a national number when no default country is configured', async () => {
    const strict = await startHarness()
    try {
      const created = await strict.api('POST', '/contacts', { role: 'lead', phone: '06 12 34 56 78' })
      expect(at(created.body, 'formatted_phone')).toBeUndefined()
      const intl = await strict.api('POST', '/contacts', { role: 'lead', phone: '+1 (415) 555-0100' })
      expect(at(intl.body, 'formatted_phone')).toBe('+14155550100')
    } finally {
      await strict.em.close()
    }
  })

  it('answers 409 conflict for a duplicate user email or external_id, but allows duplicate-email leads', async () => {
    const first = await h.api('POST', '/contacts', { email: 'jo@example.com', external_id: 'ext-1' })
    expect(at(first.body, 'role')).toBe('user')
    const id = str(first.body, 'id')
    expect(id).toMatch(/^[0-9a-f]{24}$/)

    const dupEmail = await h.api('POST', '/contacts', { email: 'JO@example.com' })
    expect(dupEmail.status).toBe(409)
    expect(dupEmail.body).toMatchObject({
      type: 'error.list',
      errors: [{ code: 'conflict', message: `A contact matching those details already exists with id=${id}` }],
    })
    expect(str(dupEmail.body, 'request_id')).toMatch(/^[0-9a-f-]{36}$/)
    expect((await h.api('POST', '/contacts', { role: 'lead', external_id: 'ext-1' })).status).toBe(409)

    expect((await h.api('POST', '/contacts', { role: 'lead', email: 'lead@example.com' })).status).toBe(200)
    expect((await h.api('POST', '/contacts', { role: 'lead', email: 'lead@example.com' })).status).toBe(200)
  })

  it('requires one of email, external_id or role, and validates custom attributes against data attributes', async () => {
    expect((await h.api('POST', '/contacts', { name: 'nobody' })).status).toBe(400)
    const unknown = await h.api('POST', '/contacts', { role: 'lead', custom_attributes: { nope: 1 } })
    expect(unknown.status).toBe(400)
    expect(at(unknown.body, 'errors', 0, 'code')).toBe('parameter_invalid')
    expect((await h.api('POST', '/contacts', { role: 'lead', custom_attributes: { call_count: 'x' } })).status).toBe(
      400,
    )
    const ok = await h.api('POST', '/contacts', { role: 'lead', custom_attributes: { call_count: 3 } })
    expect(at(ok.body, 'custom_attributes', 'call_count')).toBe(3)
  })

  it('search lag hides new contacts, so search-then-create races into 409', async () => {
    h.em.setSearchLag(60_000)
    const created = await h.api('POST', '/contacts', { email: 'race@example.com' })
    const search = await h.api('POST', '/contacts/search', {
      query: { field: 'email', operator: '=', value: 'race@example.com' },
    })
    expect(at(search.body, 'total_count')).toBe(0)
    const retry = await h.api('POST', '/contacts', { email: 'race@example.com' })
    expect(retry.status).toBe(409)
    expect(str(retry.body, 'errors', 0, 'message')).toContain(str(created.body, 'id'))
    h.clock.advance(60_000)
    const later = await h.api('POST', '/contacts/search', {
      query: { field: 'email', operator: '=', value: 'race@example.com' },
    })
    expect(at(later.body, 'total_count')).toBe(1)
  })

  it('merges lead→user: 2.16 needs a shared identifier, 2.14 does not; merged contact is 410 (2.16) / 404 (2.14)', async () => {
    const user = str((await h.api('POST', '/contacts', { email: 'u@example.com', phone: '+33612345678' })).body, 'id')
    const stranger = str((await h.api('POST', '/contacts', { role: 'lead', email: 'other@example.com' })).body, 'id')
    const refused = await h.api('POST', '/contacts/merge', { from: stranger, into: user })
    expect(refused.status).toBe(400)
    expect(at(refused.body, 'errors', 0, 'code')).toBe('invalid_merge')

    const v214 = { 'intercom-version': '2.14' }
    expect((await h.api('POST', '/contacts/merge', { from: stranger, into: user }, v214)).status).toBe(200)
    const gone14 = await h.api('GET', `/contacts/${stranger}`, undefined, v214)
    expect(gone14.status).toBe(404)

    const dup = str((await h.api('POST', '/contacts', { role: 'lead', phone: '06 12 34 56 78' })).body, 'id')
    const merged = await h.api('POST', '/contacts/merge', { from: dup, into: user })
    expect(merged.status).toBe(200)
    expect(at(merged.body, 'id')).toBe(user)
    const gone = await h.api('GET', `/contacts/${dup}`)
    expect(gone.status).toBe(410)
    expect(gone.headers.get('link')).toBe(`</contacts/${user}>; rel="canonical"`)
    expect(at(gone.body, 'errors', 0, 'code')).toBe('contact_merged')

    const skip = str((await h.api('POST', '/contacts', { role: 'lead', name: 'x' })).body, 'id')
    expect(
      (await h.api('POST', '/contacts/merge', { from: skip, into: user, skip_duplicate_validation: true })).status,
    ).toBe(200)

    const search = await h.api('POST', '/contacts/search', { query: { field: 'role', operator: '=', value: 'lead' } })
    expect(at(search.body, 'total_count')).toBe(0)
    expect((await h.api('POST', '/contacts/merge', { from: user, into: user })).status).toBe(400)
  })

  it('2.16 duplicate validation compares emails case-insensitively but untrimmed, so a padded lead merges once rewritten', async () => {
    const user = str((await h.api('POST', '/contacts', { email: 'g4@example.com' })).body, 'id')
    const upper = str((await h.api('POST', '/contacts', { role: 'lead', email: 'G4@Example.COM' })).body, 'id')
    expect((await h.api('POST', '/contacts/merge', { from: upper, into: user })).status).toBe(200)

    const padded = str((await h.api('POST', '/contacts', { role: 'lead', email: ' g4@example.com' })).body, 'id')
    const refused = await h.api('POST', '/contacts/merge', { from: padded, into: user })
    expect(refused.status).toBe(400)
    expect(at(refused.body, 'errors', 0, 'code')).toBe('invalid_merge')

    expect((await h.api('PUT', `/contacts/${padded}`, { email: 'g4@example.com' })).status).toBe(200)
    expect((await h.api('POST', '/contacts/merge', { from: padded, into: user })).status).toBe(200)
  })

  it('renders owner_id as a string on 2.16 and an integer on 2.14', async () => {
    const c = await h.api('POST', '/contacts', { role: 'lead', owner_id: ADMIN })
    expect(at(c.body, 'owner_id')).toBe(ADMIN)
    const id = str(c.body, 'id')
    expect(
      at((await h.api('GET', `/contacts/${id}`, undefined, { 'intercom-version': '2.14' })).body, 'owner_id'),
    ).toBe(Number(ADMIN))
    expect((await h.api('POST', '/contacts', { role: 'lead', owner_id: Number(ADMIN) })).status).toBe(400)
  })

  it('tags contacts and writes contact notes', async () => {
    const id = str((await h.api('POST', '/contacts', { role: 'lead' })).body, 'id')
    expect((await h.api('POST', `/contacts/${id}/tags`, { id: '81' })).body).toMatchObject({
      type: 'tag',
      id: '81',
      name: 'VIP',
    })
    expect((await h.api('POST', `/contacts/${id}/tags`, { id: '999' })).status).toBe(404)
    const byTag = await h.api('POST', '/contacts/search', { query: { field: 'tag_id', operator: '=', value: '81' } })
    expect(at(byTag.body, 'total_count')).toBe(1)
    const note = await h.api('POST', `/contacts/${id}/notes`, { body: 'Called', admin_id: ADMIN })
    expect(note.body).toMatchObject({ type: 'note', body: '<p>Called</p>', contact: { id } })
    expect((await h.api('DELETE', `/contacts/${id}/tags/81`)).status).toBe(200)
  })

  it('lists contacts (GET /contacts): oldest first, 50 a page, starting_after cursors, merged contacts left out', async () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      ids.push(str((await h.api('POST', '/contacts', { role: 'lead', phone: `+3361234567${i}` })).body, 'id'))
      h.clock.advance(1000)
    }
    const all = await h.api('GET', '/contacts')
    expect(all.status).toBe(200)
    expect(all.body).toMatchObject({
      type: 'list',
      total_count: 5,
      pages: { type: 'pages', page: 1, per_page: 50, total_pages: 1 },
    })
    expect(at(all.body, 'pages', 'next')).toBeUndefined()
    expect(list(all.body, 'data').map((c) => at(c, 'id'))).toEqual(ids)
    expect(at(all.body, 'data', 0, 'type')).toBe('contact')

    const seen: string[] = []
    let cursor: string | undefined
    const pages: unknown[] = []
    do {
      const res = await h.api('GET', `/contacts?per_page=2${cursor === undefined ? '' : `&starting_after=${cursor}`}`)
      expect(res.status).toBe(200)
      pages.push(at(res.body, 'pages', 'page'))
      seen.push(...list(res.body, 'data').map((c) => str(c, 'id')))
      const next = at(res.body, 'pages', 'next', 'starting_after')
      cursor = typeof next === 'string' ? next : undefined
      if (cursor !== undefined) expect(at(res.body, 'pages', 'next', 'per_page')).toBe(2)
    } while (cursor !== undefined)
    expect(seen).toEqual(ids)
    expect(pages).toEqual([1, 2, 3])

    // A contact created between pages lands at the end: the next page neither repeats nor skips anyone.
    const first = await h.api('GET', '/contacts?per_page=2')
    const late = str((await h.api('POST', '/contacts', { role: 'lead', name: 'late' })).body, 'id')
    const second = await h.api(
      'GET',
      `/contacts?per_page=2&starting_after=${str(first.body, 'pages', 'next', 'starting_after')}`,
    )
    expect(list(second.body, 'data').map((c) => at(c, 'id'))).toEqual(ids.slice(2, 4))
    expect(at(second.body, 'total_count')).toBe(6)

    const user = str((await h.api('POST', '/contacts', { email: 'u@example.com', phone: '+33612345670' })).body, 'id')
    expect((await h.api('POST', '/contacts/merge', { from: ids[0], into: user })).status).toBe(200)
    const afterMerge = await h.api('GET', '/contacts?include_merge_history=true')
    expect(list(afterMerge.body, 'data').map((c) => at(c, 'id'))).toEqual([...ids.slice(1), late, user])
    const merged = list(afterMerge.body, 'data').find((c) => at(c, 'id') === user)
    expect(at(merged, 'merge_history', 0)).toBeDefined()
  })

  it('GET /contacts refuses a bad per_page or cursor with 400 naming the parameter, and ignores the search lag', async () => {
    const lagged = await startHarness({ searchLagMs: 60_000 })
    try {
      const id = str((await lagged.api('POST', '/contacts', { role: 'lead', name: 'new' })).body, 'id')
      expect(list((await lagged.api('GET', '/contacts')).body, 'data').map((c) => at(c, 'id'))).toEqual([id])
      for (const perPage of ['0', '151', 'two', '1.5']) {
        const res = await lagged.api('GET', `/contacts?per_page=${perPage}`)
        expect(res.status).toBe(400)
        expect(at(res.body, 'errors', 0)).toMatchObject({ code: 'parameter_invalid', field: 'per_page' })
      }
      expect((await lagged.api('GET', '/contacts?per_page=150')).status).toBe(200)
      const garbage = await lagged.api('GET', '/contacts?starting_after=not-a-cursor')
      expect(garbage.status).toBe(400)
      expect(at(garbage.body, 'errors', 0)).toMatchObject({ code: 'parameter_invalid', field: 'starting_after' })
      await lagged.api('POST', '/contacts', { role: 'lead', name: 'second' })
      lagged.clock.advance(60_000)
      const search = await lagged.api('POST', '/contacts/search', {
        query: { field: 'role', operator: '=', value: 'lead' },
        pagination: { per_page: 1 },
      })
      const searchCursor = str(search.body, 'pages', 'next', 'starting_after')
      // A search cursor names its query: the list does not take it.
      expect((await lagged.api('GET', `/contacts?per_page=1&starting_after=${searchCursor}`)).status).toBe(400)
      expect((await lagged.api('GET', '/contacts', undefined, { authorization: 'Bearer nope' })).status).toBe(401)
    } finally {
      await lagged.em.close()
    }
  })
})
