import { existsSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { buildSubset, SUBSET_OPERATIONS } from '../../scripts/build-openapi-subset.js'
import { CONTRACT_ERRATA, ContractValidator } from '../../src/intercom/contract.js'
import { ADMIN, at, baseSeed, startHarness, str, TEAM, type Harness } from '../intercom/helpers.js'

const subsetUrl = new URL('../../contract/intercom-openapi-2.16-subset.json', import.meta.url)
const sourceUrl = new URL('../../../../../shared/reference/intercom-openapi/api.intercom.io.2.16.yaml', import.meta.url)

describe('Intercom OpenAPI 2.16 contract', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({ contract: 'record', formattedPhoneDefaultCountry: 'FR' })
    h.em.seed({
      ...baseSeed(),
      calls: [
        {
          id: '77',
          conversationId: null,
          adminId: ADMIN,
          contactId: null,
          phone: '+33612345678',
          direction: 'inbound',
          state: 'completed',
          initiatedAt: 1_700_000_000,
          endedAt: 1_700_000_100,
        },
      ],
    })
  })
  afterAll(async () => {
    await h.em.close()
  })

  it('every subset operation answers with bodies that match the schema (success and documented errors)', async () => {
    const user = await h.api('POST', '/contacts', {
      email: 'c@example.com',
      phone: '06 12 34 56 78',
      name: 'C',
      custom_attributes: { call_count: 1 },
    })
    const userId = str(user.body, 'id')
    const lead = str((await h.api('POST', '/contacts', { role: 'lead', phone: '+33612345678' })).body, 'id')
    const other = str((await h.api('POST', '/contacts', { role: 'lead', email: 'o@example.com' })).body, 'id')
    await h.api('POST', '/contacts/search', {
      query: {
        operator: 'OR',
        value: [
          { field: 'phone', operator: '=', value: '06 12 34 56 78' },
          { field: 'formatted_phone', operator: '=', value: '+33612345678' },
        ],
      },
      pagination: { per_page: 1 },
      sort: { field: 'created_at', order: 'ascending' },
    })
    await h.api('POST', '/contacts/search', {
      query: { field: 'role', operator: '=', value: 'lead' },
      sort: { field: 'name', order: 'desc' },
    })
    await h.api('GET', `/contacts/${userId}`)
    await h.api('PUT', `/contacts/${userId}`, { name: 'Cleo', custom_attributes: { call_count: 2 } })
    await h.api('POST', '/contacts/merge', { from: other, into: userId })
    await h.api('POST', '/contacts/merge', { from: lead, into: userId })
    await h.api('GET', `/contacts/${lead}`)
    await h.api('GET', `/contacts/${userId}?include_merge_history=true`)
    await h.api('POST', `/contacts/${userId}/tags`, { id: '81' })
    await h.api('GET', `/contacts/${userId}/tags`)
    await h.api('DELETE', `/contacts/${userId}/tags/81`)
    await h.api('POST', `/contacts/${userId}/notes`, { body: 'Called', admin_id: ADMIN })
    await h.api('GET', `/contacts/${userId}/notes`)
    await h.api('POST', '/contacts', { email: 'c@example.com' })
    await h.api('GET', '/me', undefined, { authorization: 'Bearer nope' })

    await h.api('GET', '/data_attributes?model=contact')
    await h.api('GET', '/data_attributes?model=conversation')
    const attr = await h.api('POST', '/data_attributes', {
      name: 'plan',
      model: 'contact',
      data_type: 'options',
      options: [{ value: 'a' }, { value: 'b' }],
    })
    await h.api('POST', '/data_attributes', { name: 'bad:name', model: 'contact', data_type: 'string' })
    await h.api('PUT', `/data_attributes/${String(at(attr.body, 'id'))}`, { archived: true })
    await h.api('GET', '/conversations/attributes')
    await h.api('POST', '/conversations/attributes', { name: 'channel_kind', data_type: 'string' })

    const conv = str(
      (await h.api('POST', '/conversations', { from: { type: 'user', id: userId }, body: 'Hello' })).body,
      'conversation_id',
    )
    await h.api('GET', `/conversations/${conv}`)
    await h.api('GET', '/conversations/999999')
    await h.api('POST', `/conversations/${conv}/reply`, {
      type: 'admin',
      message_type: 'note',
      admin_id: ADMIN,
      body: 'Note',
    })
    await h.api('POST', `/conversations/${conv}/reply`, {
      type: 'admin',
      message_type: 'comment',
      admin_id: ADMIN,
      body: 'Hi',
    })
    await h.api('POST', `/conversations/${conv}/reply`, {
      type: 'user',
      message_type: 'comment',
      intercom_user_id: userId,
      body: 'Thanks',
    })
    await h.api('POST', `/conversations/${conv}/parts`, {
      message_type: 'assignment',
      type: 'admin',
      admin_id: ADMIN,
      assignee_id: ADMIN,
    })
    await h.api('POST', `/conversations/${conv}/parts`, {
      message_type: 'assignment',
      type: 'team',
      admin_id: ADMIN,
      assignee_id: TEAM,
    })
    await h.api('POST', `/conversations/${conv}/parts`, {
      message_type: 'snoozed',
      admin_id: ADMIN,
      snoozed_until: Math.floor(h.clock.now() / 1000) + 60,
    })
    await h.api('POST', `/conversations/${conv}/parts`, { message_type: 'open', admin_id: ADMIN })
    await h.api('POST', `/conversations/${conv}/parts`, {
      message_type: 'close',
      type: 'admin',
      admin_id: ADMIN,
      body: 'Bye',
    })
    await h.api('PUT', `/conversations/${conv}`, {
      read: true,
      title: 'Call',
      custom_attributes: { issue_type: 'Billing' },
    })
    await h.api('POST', `/conversations/${conv}/tags`, { id: '81', admin_id: ADMIN })
    await h.api('DELETE', `/conversations/${conv}/tags/81`, { admin_id: ADMIN })
    await h.api('POST', '/conversations/search', {
      query: { field: 'contact_ids', operator: '=', value: userId },
      pagination: { per_page: 5 },
    })
    await h.api('POST', '/messages', {
      message_type: 'email',
      subject: 'Missed call',
      body: '<p>Sorry</p>',
      template: 'plain',
      from: { type: 'admin', id: Number(ADMIN) },
      to: { type: 'user', id: userId },
      create_conversation_without_contact_reply: true,
    })
    await h.api('POST', '/messages', {
      message_type: 'inapp',
      body: 'Hi',
      from: { type: 'admin', id: Number(ADMIN) },
      to: { type: 'user', id: userId },
    })
    await h.api('POST', '/messages', {
      message_type: 'email',
      body: 'x',
      template: 'plain',
      from: { type: 'admin', id: Number(ADMIN) },
      to: { type: 'user', id: userId },
    })

    await h.api('GET', '/me')
    await h.api('GET', '/admins')
    await h.api('GET', `/admins/${ADMIN}`)
    await h.api('GET', '/teams')
    await h.api('GET', `/teams/${TEAM}`)
    await h.api('GET', '/teams/1')
    await h.api('GET', '/tags')
    await h.api('POST', '/tags', { name: 'Callback' })
    await h.api('POST', '/tags', { name: 'Callback', users: [{ id: userId }] })
    await h.api('GET', '/calls')
    await h.api('GET', '/calls/77')
    await h.api('POST', '/calls/search', { conversation_ids: [conv] })

    await h.api('GET', '/ticket_types')
    await h.api('GET', '/ticket_types/89')
    await h.api('GET', '/ticket_types/4040')
    await h.api('GET', '/ticket_states')
    const ticket = await h.api('POST', '/tickets', {
      ticket_type_id: '89',
      contacts: [{ id: userId }],
      conversation_to_link_id: conv,
      ticket_attributes: {
        _default_title_: 'Call back Cleo',
        'Aircall line': 'Support FR',
        Priority: '3ae1c0de-0002-4c0f-9a0b-000000000002',
      },
    })
    const ticketId = str(ticket.body, 'id')
    await h.api('POST', '/tickets', { ticket_type_id: '89', contacts: [{ id: userId }], ticket_attributes: { x: 1 } })
    await h.api('GET', `/tickets/${ticketId}`)
    await h.api('GET', '/tickets/4040')
    await h.api('PUT', `/tickets/${ticketId}`, { ticket_state_id: '8304', open: false, admin_id: Number(ADMIN) })
    await h.api('PUT', `/tickets/${ticketId}`, { ticket_state_id: '1' })
    await h.api('POST', `/conversations/${conv}/convert`, { ticket_type_id: '88' })
    await h.api('POST', `/conversations/${conv}/convert`, { ticket_type_id: '89' })

    const exercised = new Set(Object.keys(h.em.requestCounts().byRoute))
    const missing = SUBSET_OPERATIONS.map(([m, p]) => `${m.toUpperCase()} ${p}`).filter((op) => !exercised.has(op))
    expect(missing).toEqual([])
    const violations = h.em.contractViolations()
    expect(violations.filter((v) => v.direction === 'response')).toEqual([])
    // The only request outside the schema is the deliberate invalid sort order above.
    expect(violations.map((v) => `${v.direction} ${v.operation}`)).toEqual(['request POST /contacts/search'])
  })

  it('records a malformed request as a violation, and refuses it in enforce mode', async () => {
    h.em.clearContractViolations()
    const res = await h.api('POST', '/contacts', { email: 42 })
    expect(res.status).toBe(400)
    const violations = h.em.contractViolations()
    expect(violations).toHaveLength(1)
    expect(violations[0]).toMatchObject({ direction: 'request', operation: 'POST /contacts' })

    const strict = await startHarness({ contract: 'enforce' })
    try {
      const refused = await strict.api('POST', '/contacts/search', {
        query: { field: 'email', operator: 'LIKE', value: 'x' },
      })
      expect(refused.status).toBe(400)
      expect(str(refused.body, 'errors', 0, 'message')).toMatch(/does not match the API schema/)
      const viaHttp = await fetch(`${strict.em.url}/_emulator/contract-violations`)
      expect(((await viaHttp.json()) as unknown[]).length).toBe(1)
    } finally {
      await strict.em.close()
    }
  })

  it('flags a response that drifts from the schema', () => {
    const validator = new ContractValidator()
    expect(
      validator.validateResponse({ method: 'GET', path: '/teams/{team_id}' }, 200, { type: 'team', id: 5 }),
    ).not.toBeNull()
    expect(
      validator.validateResponse({ method: 'GET', path: '/teams/{team_id}' }, 200, {
        type: 'team',
        id: '5',
        admin_ids: [1],
      }),
    ).toBeNull()
  })

  it('accepts boolean and decimal conversation attributes as a documented erratum, and still flags other values', async () => {
    const validator = new ContractValidator()
    const put = { method: 'PUT', path: '/conversations/{conversation_id}' }
    // The 2.16 schema's own example: it violates the schema it illustrates.
    expect(
      validator.validateRequest(put, { custom_attributes: { paid_subscriber: true, monthly_spend: 155.5 } }),
    ).toBeNull()
    expect(validator.validateRequest(put, { custom_attributes: { tags: ['a', 'b'] } })).not.toBeNull()
    expect(CONTRACT_ERRATA.map((e) => e.id)).toEqual([
      'message-type-inapp',
      'tags-any-of',
      'conversation-attribute-boolean-decimal',
    ])
    const erratum = CONTRACT_ERRATA.find((e) => e.id === 'conversation-attribute-boolean-decimal')
    expect(erratum?.operations).toContain('PUT /conversations/{conversation_id}')

    // What tags.map with `type: boolean, target: both` writes, through the emulator: no violation either way.
    const strict = await startHarness({ contract: 'record' })
    try {
      strict.em.seed({
        ...baseSeed(),
        conversationAttributes: [
          { name: 'vip_caller', dataType: 'boolean' },
          { name: 'call_minutes', dataType: 'decimal' },
        ],
      })
      const contact = str((await strict.api('POST', '/contacts', { role: 'lead', phone: '+33612345678' })).body, 'id')
      const conv = str(
        (await strict.api('POST', '/conversations', { from: { type: 'lead', id: contact }, body: 'Call' })).body,
        'conversation_id',
      )
      const updated = await strict.api('PUT', `/conversations/${conv}`, {
        custom_attributes: { vip_caller: true, call_minutes: 2.5 },
      })
      expect(updated.status).toBe(200)
      expect(at(updated.body, 'custom_attributes')).toEqual({ vip_caller: true, call_minutes: 2.5 })
      await strict.api('GET', `/conversations/${conv}`)
      await strict.api('POST', '/conversations/search', { query: { field: 'id', operator: '=', value: conv } })
      await strict.api('POST', `/conversations/${conv}/reply`, {
        type: 'admin',
        message_type: 'note',
        admin_id: ADMIN,
        body: 'Note',
      })
      expect(strict.em.contractViolations()).toEqual([])
      // The emulator still holds the attribute's declared type.
      const wrong = await strict.api('PUT', `/conversations/${conv}`, { custom_attributes: { vip_caller: 'yes' } })
      expect(wrong.status).toBe(400)
    } finally {
      await strict.em.close()
    }
  })

  it('the committed subset holds exactly the listed operations and is reproducible from the official description', () => {
    const subset = JSON.parse(readFileSync(subsetUrl, 'utf8')) as { paths: Record<string, Record<string, unknown>> }
    const ops = Object.entries(subset.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m} ${p}`))
    expect(ops.sort()).toEqual(SUBSET_OPERATIONS.map(([m, p]) => `${m} ${p}`).sort())
    // A fresh clone has no ../shared: the committed file alone must be enough for the tests above.
    if (!existsSync(sourceUrl)) return
    const rebuilt = buildSubset(parse(readFileSync(sourceUrl, 'utf8'), { maxAliasCount: -1 }))
    expect(JSON.parse(JSON.stringify(rebuilt))).toEqual(subset)
  })
})
