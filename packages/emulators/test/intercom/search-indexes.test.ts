import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ADMIN, at, baseSeed, list, startHarness, str, type Harness } from './helpers.js'

// Searches read indexes and cached results: every write below must show up in the very next search.
describe('Intercom emulator: searches after writes', () => {
  let h: Harness
  beforeEach(async () => {
    h = await startHarness({ formattedPhoneDefaultCountry: 'FR' })
  })
  afterEach(async () => {
    await h.em.close()
  })

  const everyone = {
    operator: 'OR',
    value: [
      { field: 'role', operator: '=', value: 'user' },
      { field: 'role', operator: '=', value: 'lead' },
    ],
  }
  const eq = (field: string, value: unknown) => ({ field, operator: '=', value })
  const search = (query: unknown, pagination: Record<string, unknown> = { per_page: 50 }, sort?: unknown) =>
    h.api('POST', '/contacts/search', { query, pagination, ...(sort ? { sort } : {}) })
  const ids = (res: { body: unknown }): string[] => list(res.body, 'data').map((c) => str(c, 'id'))
  const create = async (body: Record<string, unknown>): Promise<string> => {
    const res = await h.api('POST', '/contacts', body)
    expect(res.status).toBe(200)
    return str(res.body, 'id')
  }
  const conversationsOf = async (contactId: string): Promise<string[]> => {
    const res = await h.api('POST', '/conversations/search', { query: eq('contact_ids', contactId) })
    return list(res.body, 'conversations').map((c) => str(c, 'id'))
  }

  it('orders by created_at then id, and shows contacts created, renamed, tagged and merged since the last search', async () => {
    const sameSecond = [await create({ role: 'lead', name: 'Keep 1' }), await create({ role: 'lead', name: 'Keep 2' })]
    sameSecond.push(await create({ role: 'user', name: 'Keep 3', email: 'k3@example.com' }))
    h.clock.advance(1000)
    const later = await create({ role: 'lead', name: 'Keep 4', email: 'k3@example.com' })
    const ordered = [...sameSecond].sort()
    expect(ids(await search(everyone))).toEqual([...ordered, later])
    expect(at((await search(eq('name', 'Keep 4'))).body, 'total_count')).toBe(1)

    await h.api('PUT', `/contacts/${later}`, { name: 'Dropped' })
    expect(at((await search(eq('name', 'Keep 4'))).body, 'total_count')).toBe(0)
    expect(ids(await search({ field: 'name', operator: '~', value: 'Keep' }))).toEqual(ordered)

    const user = sameSecond[2] ?? ''
    await h.api('POST', `/contacts/${user}/tags`, { id: '81' })
    expect(ids(await search(eq('tag_id', '81')))).toEqual([user])

    expect((await h.api('POST', '/contacts/merge', { from: later, into: user })).status).toBe(200)
    expect(ids(await search(everyone))).toEqual(ordered)
    h.clock.advance(1000)
    const newest = await create({ role: 'lead', name: 'Keep 5' })
    expect(ids(await search(everyone))).toEqual([...ordered, newest])
    const byName = await search(everyone, { per_page: 50 }, { field: 'name', order: 'descending' })
    expect(list(byName.body, 'data').map((c) => at(c, 'name'))).toEqual(['Keep 5', 'Keep 3', 'Keep 2', 'Keep 1'])
  })

  it('finds a contact by its new phone, email and formatted_phone after an update, and no longer by the old ones', async () => {
    const id = await create({ role: 'lead', phone: '06 12 34 56 78', email: 'old@example.com' })
    expect(ids(await search(eq('formatted_phone', '+33612345678')))).toEqual([id])
    expect(ids(await search(eq('phone', '06 12 34 56 78')))).toEqual([id])
    expect(ids(await search(eq('email', 'old@example.com')))).toEqual([id])

    await h.api('PUT', `/contacts/${id}`, { phone: '+33 6 98 76 54 32', email: 'new@example.com' })
    expect(at((await search(eq('formatted_phone', '+33612345678'))).body, 'total_count')).toBe(0)
    expect(at((await search(eq('phone', '06 12 34 56 78'))).body, 'total_count')).toBe(0)
    expect(at((await search(eq('email', 'old@example.com'))).body, 'total_count')).toBe(0)
    expect(ids(await search(eq('formatted_phone', '+33698765432')))).toEqual([id])
    expect(ids(await search({ field: 'phone', operator: 'IN', value: ['x', '+33 6 98 76 54 32'] }))).toEqual([id])
    expect(ids(await search(eq('email', 'new@example.com')))).toEqual([id])

    await h.api('PUT', `/contacts/${id}`, { phone: null })
    expect(at((await search(eq('formatted_phone', '+33698765432'))).body, 'total_count')).toBe(0)
  })

  it('checks 409 conflicts against the emails users have now', async () => {
    const first = await create({ email: 'a@example.com' })
    await h.api('PUT', `/contacts/${first}`, { email: 'b@example.com' })
    expect((await h.api('POST', '/contacts', { email: 'A@example.com' })).status).toBe(200)
    const clash = await h.api('POST', '/contacts', { email: 'B@Example.com' })
    expect(clash.status).toBe(409)
    expect(at(clash.body, 'errors', 0, 'message')).toBe(
      `A contact matching those details already exists with id=${first}`,
    )
  })

  it("moves a merged lead's phone and conversations to the user it was merged into", async () => {
    const lead = await create({ role: 'lead', phone: '06 12 34 56 78' })
    const user = await create({ role: 'user', email: 'u@example.com' })
    const conversation = await h.api('POST', '/conversations', { from: { type: 'lead', id: lead }, body: 'Hi' })
    const conversationId = str(conversation.body, 'conversation_id')
    expect(await conversationsOf(lead)).toEqual([conversationId])
    expect(await conversationsOf(user)).toEqual([])
    expect(ids(await search(eq('formatted_phone', '+33612345678')))).toEqual([lead])

    const merged = await h.api('POST', '/contacts/merge', { from: lead, into: user, skip_duplicate_validation: true })
    expect(merged.status).toBe(200)
    expect(ids(await search(eq('formatted_phone', '+33612345678')))).toEqual([user])
    expect(ids(await search(eq('id', lead)))).toEqual([])
    expect(await conversationsOf(lead)).toEqual([])
    expect(await conversationsOf(user)).toEqual([conversationId])
    const reply = await h.api('POST', '/conversations/last/reply', {
      type: 'user',
      message_type: 'comment',
      intercom_user_id: user,
      body: 'Still there?',
    })
    expect(str(reply.body, 'id')).toBe(conversationId)
  })

  it('lists a contact once in a conversation addressed to it twice, after any merge', async () => {
    const user = await create({ role: 'user', email: 'twice@example.com' })
    const sent = await h.api('POST', '/messages', {
      message_type: 'inapp',
      body: 'Hello',
      from: { type: 'admin', id: ADMIN },
      to: [
        { type: 'user', id: user },
        { type: 'user', id: user },
      ],
      create_conversation_without_contact_reply: true,
    })
    const conversationId = str(sent.body, 'conversation_id')
    const listed = async () =>
      list((await h.api('GET', `/conversations/${conversationId}`)).body, 'contacts', 'contacts').length
    expect(await listed()).toBe(2)
    const lead = await create({ role: 'lead', name: 'Other' })
    const other = await create({ role: 'user', email: 'other@example.com' })
    await h.api('POST', '/contacts/merge', { from: lead, into: other, skip_duplicate_validation: true })
    expect(await listed()).toBe(1)
    expect(await conversationsOf(user)).toEqual([conversationId])
  })

  it('keeps a cursor on its anchor when contacts are created between pages', async () => {
    const created: string[] = []
    for (let i = 0; i < 5; i++) {
      created.push(await create({ role: 'lead', name: `Page ${i}` }))
      h.clock.advance(1000)
    }
    const first = await search(everyone, { per_page: 2 })
    expect(ids(first)).toEqual(created.slice(0, 2))
    const cursor = str(first.body, 'pages', 'next', 'starting_after')
    const extra = await create({ role: 'lead', name: 'Late' })
    const second = await search(everyone, { per_page: 2, starting_after: cursor })
    expect(ids(second)).toEqual(created.slice(2, 4))
    expect(at(second.body, 'total_count')).toBe(6)
    const third = await search(everyone, {
      per_page: 2,
      starting_after: str(second.body, 'pages', 'next', 'starting_after'),
    })
    expect(ids(third)).toEqual([created[4], extra])
  })

  it('sees only the new records after an in-process reseed', async () => {
    const seeded = (id: string, phone: string) => ({
      id,
      role: 'lead' as const,
      name: null,
      email: null,
      phone,
      externalId: null,
      createdAt: 1_700_000_000,
      updatedAt: 1_700_000_000,
      lastSeenAt: null,
    })
    const [a, b, c] = ['c'.repeat(24), 'a'.repeat(24), 'b'.repeat(24)]
    h.em.seed({ ...baseSeed(), contacts: [seeded(a, '+33612345678'), seeded(b, '+33612345679')] })
    expect(ids(await search(everyone))).toEqual([b, a])
    expect(ids(await search(eq('phone', '+33612345678')))).toEqual([a])
    h.em.seed({ ...baseSeed(), contacts: [seeded(c, '+33612345678')] })
    expect(ids(await search(everyone))).toEqual([c])
    expect(ids(await search(eq('phone', '+33612345678')))).toEqual([c])
  })

  it('shows a lagging contact to a repeated search once the search lag has passed', async () => {
    const lagging = await startHarness({ searchLagMs: 5000 })
    try {
      const body = { query: everyone }
      await lagging.api('POST', '/contacts', { role: 'lead', name: 'Indexed soon' })
      expect(at((await lagging.api('POST', '/contacts/search', body)).body, 'total_count')).toBe(0)
      lagging.clock.advance(4999)
      expect(at((await lagging.api('POST', '/contacts/search', body)).body, 'total_count')).toBe(0)
      lagging.clock.advance(1)
      expect(at((await lagging.api('POST', '/contacts/search', body)).body, 'total_count')).toBe(1)
    } finally {
      await lagging.em.close()
    }
  })
})
