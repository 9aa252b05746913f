import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ADMIN, at, list, startHarness, str, TEAM, type Harness } from './helpers.js'

describe('Intercom emulator: conversations and messages', () => {
  let h: Harness
  let contactId: string
  let conversationId: string
  beforeEach(async () => {
    h = await startHarness()
    contactId = str((await h.api('POST', '/contacts', { email: 'c@example.com', name: 'Cleo' })).body, 'id')
    const msg = await h.api('POST', '/conversations', { from: { type: 'user', id: contactId }, body: 'Hello there' })
    expect(msg.body).toMatchObject({ type: 'user_message', message_type: 'inapp' })
    conversationId = str(msg.body, 'conversation_id')
  })
  afterEach(async () => {
    await h.em.close()
  })

  it('refuses a note without admin_id with the documented parameter_invalid error', async () => {
    const res = await h.api('POST', `/conversations/${conversationId}/reply`, {
      type: 'admin',
      message_type: 'note',
      body: 'Call logged',
    })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({
      type: 'error.list',
      errors: [{ code: 'parameter_invalid', message: 'admin_id is required' }],
    })
    const ok = await h.api('POST', `/conversations/${conversationId}/reply`, {
      type: 'admin',
      message_type: 'note',
      admin_id: ADMIN,
      body: 'Call logged',
    })
    expect(ok.status).toBe(200)
    const parts = list(ok.body, 'conversation_parts', 'conversation_parts')
    expect(parts.at(-1)).toMatchObject({
      part_type: 'note',
      body: '<p>Call logged</p>',
      author: { type: 'admin', id: ADMIN },
    })
  })

  it('manages state and assignment with admin_id required; unassigned is 0 on 2.16 and null on 2.14', async () => {
    const parts = (body: unknown) => h.api('POST', `/conversations/${conversationId}/parts`, body)
    expect((await parts({ message_type: 'close', type: 'admin' })).status).toBe(400)
    const closed = await parts({ message_type: 'close', type: 'admin', admin_id: ADMIN })
    expect(closed.body).toMatchObject({ state: 'closed', open: false })
    expect(at(await parts({ message_type: 'open', admin_id: ADMIN }).then((r) => r.body), 'state')).toBe('open')
    const assigned = await parts({ message_type: 'assignment', type: 'team', admin_id: ADMIN, assignee_id: TEAM })
    expect(at(assigned.body, 'team_assignee_id')).toBe(Number(TEAM))
    const unassigned = await parts({ message_type: 'assignment', type: 'team', admin_id: ADMIN, assignee_id: '0' })
    expect(at(unassigned.body, 'team_assignee_id')).toBe(0)
    const v214 = await h.api('GET', `/conversations/${conversationId}`, undefined, { 'intercom-version': '2.14' })
    expect(at(v214.body, 'team_assignee_id')).toBeNull()
    expect(at(v214.body, 'priority')).toBe('not_priority')
    const snoozed = await parts({
      message_type: 'snoozed',
      admin_id: ADMIN,
      snoozed_until: Math.floor(h.clock.now() / 1000) + 3600,
    })
    expect(at(snoozed.body, 'state')).toBe('snoozed')
    expect((await parts({ message_type: 'assignment', type: 'team', admin_id: ADMIN, assignee_id: '42' })).status).toBe(
      404,
    )
  })

  it('validates conversation custom attributes and requires admin_id to tag', async () => {
    const bad = await h.api('PUT', `/conversations/${conversationId}`, { custom_attributes: { anything: 'x' } })
    expect(bad.body).toMatchObject({
      errors: [{ code: 'parameter_invalid', message: "Conversation attribute 'anything' does not exist" }],
    })
    const good = await h.api('PUT', `/conversations/${conversationId}`, {
      custom_attributes: { issue_type: 'Billing' },
    })
    expect(at(good.body, 'custom_attributes', 'issue_type')).toBe('Billing')
    expect((await h.api('POST', `/conversations/${conversationId}/tags`, { id: '81' })).status).toBe(400)
    const tagged = await h.api('POST', `/conversations/${conversationId}/tags`, { id: '81', admin_id: ADMIN })
    expect(tagged.body).toMatchObject({ type: 'tag', id: '81', applied_by: { type: 'admin', id: ADMIN } })
  })

  it('sends admin messages: required fields, and a conversation only with create_conversation_without_contact_reply', async () => {
    const base = { from: { type: 'admin', id: Number(ADMIN) }, to: { type: 'user', id: contactId } }
    const noSubject = await h.api('POST', '/messages', { ...base, message_type: 'email', body: 'x', template: 'plain' })
    expect(noSubject.status).toBe(422)
    expect(at(noSubject.body, 'errors', 0)).toMatchObject({
      code: 'parameter_not_found',
      message: 'No subject supplied for email message',
    })
    const noBody = await h.api('POST', '/messages', { ...base, message_type: 'inapp' })
    expect(noBody.body).toMatchObject({ errors: [{ code: 'parameter_invalid', message: 'Body is required' }] })
    const plain = await h.api('POST', '/messages', { ...base, message_type: 'in_app', body: 'We missed your call' })
    expect(plain.body).toMatchObject({ type: 'admin_message', message_type: 'inapp' })
    expect(at(plain.body, 'conversation_id')).toBeUndefined()
    const withConv = await h.api('POST', '/messages', {
      ...base,
      message_type: 'inapp',
      body: 'Hi',
      create_conversation_without_contact_reply: true,
    })
    const convId = str(withConv.body, 'conversation_id')
    expect(str(withConv.body, 'id')).not.toBe(convId)
    expect(at((await h.api('GET', `/conversations/${convId}`)).body, 'source', 'delivered_as')).toBe('admin_initiated')
    expect(
      (await h.api('POST', '/messages', { ...base, to: { type: 'user', id: ADMIN }, message_type: 'inapp', body: 'x' }))
        .status,
    ).toBe(404)
  })

  it('replies to "last" and searches conversations', async () => {
    const reply = await h.api('POST', '/conversations/last/reply', {
      type: 'user',
      message_type: 'comment',
      intercom_user_id: contactId,
      body: 'Still there?',
    })
    expect(at(reply.body, 'id')).toBe(conversationId)
    const search = (query: unknown) => h.api('POST', '/conversations/search', { query })
    const found = await search({
      operator: 'AND',
      value: [
        { field: 'contact_ids', operator: '=', value: contactId },
        { field: 'open', operator: '=', value: true },
      ],
    })
    expect(found.body).toMatchObject({ type: 'conversation.list', total_count: 1 })
    expect(at((await search({ field: 'admin_assignee_id', operator: '=', value: 0 })).body, 'total_count')).toBe(1)
    expect(at((await search({ field: 'source.body', operator: '~', value: 'there' })).body, 'total_count')).toBe(1)
    expect((await search({ field: 'custom_attributes.issue_type', operator: '=', value: 'x' })).status).toBe(400)
  })

  it('returns 404 team_not_found, and teams/admins/me shapes', async () => {
    expect((await h.api('GET', '/teams/1')).body).toMatchObject({ errors: [{ code: 'team_not_found' }] })
    expect((await h.api('GET', `/teams/${TEAM}`)).body).toMatchObject({ type: 'team', id: TEAM })
    expect((await h.api('GET', '/me')).body).toMatchObject({ type: 'admin', id: ADMIN })
    const tag = await h.api('POST', '/tags', { name: 'vip' })
    expect(tag.body).toMatchObject({ type: 'tag', id: '81', name: 'VIP' })
  })
})
