import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ADMIN, at, list, startHarness, str, type Harness } from './helpers.js'

const HIGH = '3ae1c0de-0002-4c0f-9a0b-000000000002'

describe('Intercom emulator: tickets, ticket types and states', () => {
  let h: Harness
  let contactId: string
  let conversationId: string
  beforeEach(async () => {
    h = await startHarness({ contract: 'record' })
    contactId = str((await h.api('POST', '/contacts', { email: 'c@example.com', name: 'Cleo' })).body, 'id')
    const message = await h.api('POST', '/conversations', { from: { type: 'user', id: contactId }, body: 'Hello' })
    conversationId = str(message.body, 'conversation_id')
  })
  afterEach(async () => {
    expect(h.em.contractViolations().filter((violation) => violation.direction === 'response')).toEqual([])
    await h.em.close()
  })

  it('lists the ticket types with their attributes and states, and the states with their types', async () => {
    const types = await h.api('GET', '/ticket_types')
    expect(types.status).toBe(200)
    const data = list(types.body, 'data')
    expect(data.map((type) => [at(type, 'id'), at(type, 'category')])).toEqual([
      ['88', 'Customer'],
      ['89', 'Back-office'],
      ['90', 'Tracker'],
    ])
    const backOffice = await h.api('GET', '/ticket_types/89')
    const attributes = list(backOffice.body, 'ticket_type_attributes', 'ticket_type_attributes')
    expect(attributes.map((attribute) => at(attribute, 'name'))).toEqual([
      '_default_title_',
      '_default_description_',
      'Aircall line',
      'Priority',
    ])
    expect(at(attributes[3], 'input_options', 'list_items', 1, 'label')).toBe('High')
    expect(list(backOffice.body, 'ticket_states', 'data').map((state) => at(state, 'category'))).toEqual([
      'submitted',
      'in_progress',
      'waiting_on_customer',
      'resolved',
    ])
    expect((await h.api('GET', '/ticket_types/4040')).status).toBe(404)
    const states = await h.api('GET', '/ticket_states')
    expect(list(at(list(states.body, 'data')[3], 'ticket_types'), 'data')).toHaveLength(3)
  })

  it('creates a back-office ticket linked to a conversation, with typed attributes, shown on the conversation', async () => {
    const created = await h.api('POST', '/tickets', {
      ticket_type_id: '89',
      contacts: [{ id: contactId }],
      conversation_to_link_id: conversationId,
      ticket_attributes: { _default_title_: 'Call back', 'Aircall line': 'Support FR', Priority: HIGH },
    })
    expect(created.status).toBe(200)
    expect(created.body).toMatchObject({
      type: 'ticket',
      category: 'Back-office',
      open: true,
      ticket_state: { category: 'submitted' },
      ticket_attributes: { Priority: HIGH },
      contacts: { contacts: [{ id: contactId }] },
      linked_objects: { total_count: 1, data: [{ type: 'conversation', id: conversationId }] },
    })
    const ticketId = str(created.body, 'id')
    const conversation = await h.api('GET', `/conversations/${conversationId}`)
    expect(list(conversation.body, 'linked_objects', 'data')).toEqual([
      expect.objectContaining({ type: 'ticket', id: ticketId, category: 'Back-office' }),
    ])
    expect((await h.api('GET', `/tickets/${ticketId}`)).body).toMatchObject({ id: ticketId })
    expect((await h.api('GET', '/tickets/4040')).status).toBe(404)
  })

  it('refuses what the description refuses: unknown attributes, a list label instead of its id, a Customer link', async () => {
    const refused = async (body: Record<string, unknown>): Promise<unknown> => {
      const response = await h.api('POST', '/tickets', { ticket_type_id: '89', contacts: [{ id: contactId }], ...body })
      expect(response.status).toBe(400)
      return at(response.body, 'errors', 0, 'message')
    }
    expect(await refused({ ticket_attributes: { Colour: 'red' } })).toMatch(/Colour does not exist/)
    expect(await refused({ ticket_attributes: { Priority: 'High' } })).toMatch(/id of one of its list items/)
    expect(await refused({ ticket_attributes: { 'Aircall line': 7 } })).toMatch(/must be a string/)
    expect(await refused({ contacts: [] })).toMatch(/contacts/)
    const customerLink = await h.api('POST', '/tickets', {
      ticket_type_id: '88',
      contacts: [{ id: contactId }],
      conversation_to_link_id: conversationId,
    })
    expect(customerLink.status).toBe(400)
    expect((await h.api('POST', '/tickets', { ticket_type_id: '4040', contacts: [{ id: contactId }] })).status).toBe(
      404,
    )
    expect(h.em.state().tickets).toEqual([])
  })

  it('moves a ticket to resolved and closes it, recording the state change once', async () => {
    const ticketId = str(
      (await h.api('POST', '/tickets', { ticket_type_id: '89', contacts: [{ id: contactId }] })).body,
      'id',
    )
    const update = { ticket_state_id: '8304', open: false, admin_id: Number(ADMIN) }
    const resolved = await h.api('PUT', `/tickets/${ticketId}`, update)
    expect(resolved.body).toMatchObject({ open: false, ticket_state: { category: 'resolved' } })
    const again = await h.api('PUT', `/tickets/${ticketId}`, update)
    const stateParts = list(again.body, 'ticket_parts', 'ticket_parts').filter(
      (part) => at(part, 'part_type') === 'ticket_state_updated_by_admin',
    )
    expect(stateParts).toHaveLength(1)
    expect(stateParts[0]).toMatchObject({ ticket_state: 'resolved', previous_ticket_state: 'submitted' })
    expect((await h.api('PUT', `/tickets/${ticketId}`, { ticket_state_id: '1' })).status).toBe(400)
  })

  it('converts a conversation into a Customer ticket only, and only once', async () => {
    expect((await h.api('POST', `/conversations/${conversationId}/convert`, { ticket_type_id: '89' })).status).toBe(400)
    const converted = await h.api('POST', `/conversations/${conversationId}/convert`, { ticket_type_id: '88' })
    expect(converted.status).toBe(200)
    expect(converted.body).toMatchObject({
      category: 'Customer',
      is_shared: true,
      contacts: { contacts: [{ id: contactId }] },
      linked_objects: { data: [{ type: 'conversation', id: conversationId }] },
    })
    expect(at(list(converted.body, 'ticket_parts', 'ticket_parts')[0], 'body')).toContain('Hello')
    const twice = await h.api('POST', `/conversations/${conversationId}/convert`, { ticket_type_id: '88' })
    expect(twice.status).toBe(400)
    expect(h.em.state().tickets).toHaveLength(1)
  })
})
