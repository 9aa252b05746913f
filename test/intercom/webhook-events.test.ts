import { describe, expect, it } from 'vitest'

import { IntercomEventParseError } from '../../src/domain/intercom-event.js'
import { parseIntercomEvent, safeParseIntercomEvent } from '../../src/intercom/webhook-events.js'

function notification(topic: string, item: Record<string, unknown>, id: string | null = 'notif_b577ea09') {
  return {
    type: 'notification_event',
    app_id: 'i6wc9ipe',
    data: { type: 'notification_event_data', item },
    links: {},
    id,
    topic,
    delivery_status: 'pending',
    delivery_attempts: 1,
    delivered_at: 0,
    first_sent_at: 1553291112,
    created_at: 1553291112,
    self: null,
  }
}

// 1.x shape, as in Intercom's own fixtures (user, assignee, parts with author).
const legacyAssigned = {
  type: 'conversation',
  id: '21322009097',
  user: { type: 'lead', id: '5c9553cb27e377f24eed49f7' },
  assignee: { type: 'admin', id: '1957471' },
  conversation_parts: {
    type: 'conversation_part.list',
    conversation_parts: [
      {
        type: 'conversation_part',
        id: '2824382500',
        part_type: 'assignment',
        body: '<p>Hey</p>',
        created_at: 1553291111,
        assigned_to: { type: 'admin', id: '1957471' },
        author: { type: 'admin', id: '1957400', name: 'Eeshan' },
      },
    ],
    total_count: 1,
  },
  state: 'open',
  tags: { type: 'tag.list', tags: [] },
  tags_added: { type: 'tag.list', tags: [] },
}

// 2.x shape: ids on the conversation, contacts list, priority.
const modern = {
  type: 'conversation',
  id: 123,
  title: 'Billing question',
  state: 'open',
  priority: 'priority',
  admin_assignee_id: 991267715,
  team_assignee_id: '0',
  contacts: {
    type: 'contact.list',
    contacts: [
      { type: 'contact', id: 'c1' },
      { type: 'contact', id: 'c2' },
    ],
  },
  tags: { type: 'tag.list', tags: [{ type: 'tag', id: '81', name: 'Billing' }] },
  conversation_parts: {
    conversation_parts: [
      { id: 'p1', part_type: 'comment', created_at: 10, author: { type: 'user', id: 'c1' } },
      { id: 'p2', part_type: 'priority_changed', created_at: 20, author: { type: 'admin', id: '42' } },
    ],
  },
}

describe('parseIntercomEvent', () => {
  it('reads a 1.x assignment: conversation, contact, assignee and the admin who assigned', () => {
    const event = parseIntercomEvent(notification('conversation.admin.assigned', legacyAssigned))
    expect(event).toMatchObject({
      kind: 'conversation',
      topic: 'conversation.admin.assigned',
      identity: 'notif_b577ea09',
      notificationId: 'notif_b577ea09',
      appId: 'i6wc9ipe',
      createdAt: 1553291112,
      subject: 'intercom:conversation:21322009097',
      conversationId: '21322009097',
      contactIds: ['5c9553cb27e377f24eed49f7'],
      assigneeAdminId: '1957471',
      assigneeTeamId: null,
      authorAdminId: '1957400',
      authorType: 'admin',
      part: { id: '2824382500', type: 'assignment', body: '<p>Hey</p>' },
    })
  })

  it('reads a 2.x conversation: numeric ids as strings, "0" as unassigned, newest part as author', () => {
    const event = parseIntercomEvent(notification('conversation.priority.updated', modern))
    expect(event).toMatchObject({
      conversationId: '123',
      contactIds: ['c1', 'c2'],
      assigneeAdminId: '991267715',
      assigneeTeamId: null,
      priority: 'priority',
      title: 'Billing question',
      tags: ['Billing'],
      tagsAdded: [],
      authorAdminId: '42',
      part: { id: 'p2', type: 'priority_changed', body: null },
    })
  })

  it('has no admin author when a contact wrote the newest part', () => {
    const parts = { conversation_parts: [{ id: 'p1', created_at: 1, author: { type: 'user', id: 'c1' } }] }
    const event = parseIntercomEvent(notification('conversation.admin.replied', { id: '5', conversation_parts: parts }))
    expect(event).toMatchObject({ authorAdminId: null, authorType: 'user', assigneeAdminId: null, priority: null })
  })

  it('reads the tags added and prefers the tagging admin as author', () => {
    const item = {
      ...legacyAssigned,
      tags_added: {
        type: 'tag.list',
        tags: [{ type: 'tag', id: '2525085', name: 'escalate', applied_by: { type: 'admin', id: '777' } }],
      },
    }
    const event = parseIntercomEvent(notification('conversation_part.tag.created', item))
    expect(event).toMatchObject({ tagsAdded: ['escalate'], authorAdminId: '777', authorType: 'admin' })
  })

  it('accepts a conversation part as the tagged item when it names its conversation', () => {
    const item = {
      type: 'conversation_part',
      id: 'p9',
      conversation_id: '321',
      part_type: 'comment',
      tags: [{ id: '1', name: 'Urgent' }],
      author: { type: 'admin', id: '8' },
    }
    const event = parseIntercomEvent(notification('conversation_part.tag.created', item))
    expect(event).toMatchObject({ conversationId: '321', tagsAdded: ['Urgent'], authorAdminId: '8', tags: [] })
  })

  it('reads a contact update', () => {
    const item = {
      type: 'contact',
      id: '6960a1',
      role: 'user',
      email: 'a@b.c',
      phone: '+33612345678',
      external_id: null,
      custom_attributes: { plan: 'gold' },
      created_at: '2026-01-10T04:23:23.215+00:00',
    }
    const event = parseIntercomEvent(notification('contact.user.updated', item))
    expect(event).toMatchObject({
      kind: 'contact',
      contactId: '6960a1',
      role: 'user',
      email: 'a@b.c',
      phone: '+33612345678',
      externalId: null,
      customAttributes: { plan: 'gold' },
      authorAdminId: null,
      subject: 'intercom:contact:6960a1',
    })
  })

  it('reads a contact tag, and the 1.x user tag shape', () => {
    const modernTag = { type: 'contact_tag', created_at: 1, tag: { id: '5', name: 'VIP' }, contact: { id: 'c7' } }
    expect(parseIntercomEvent(notification('contact.lead.tag.created', modernTag))).toMatchObject({
      kind: 'contact-tag',
      role: 'lead',
      contactId: 'c7',
      tagId: '5',
      tagName: 'VIP',
      authorAdminId: null,
    })
    const legacyTag = {
      type: 'user_tag',
      tag: { id: 5, name: 'VIP', applied_by: { type: 'admin', id: 9 } },
      user: { type: 'user', id: 'u1' },
    }
    expect(parseIntercomEvent(notification('contact.user.tag.created', legacyTag))).toMatchObject({
      role: 'user',
      contactId: 'u1',
      authorAdminId: '9',
    })
  })

  it('gives a ping (null id) an identity from topic and time', () => {
    const event = parseIntercomEvent(notification('ping', { type: 'ping', message: 'something' }, null))
    expect(event).toMatchObject({
      kind: 'ping',
      identity: 'intercom:ping:1553291112',
      notificationId: null,
      message: 'something',
    })
  })

  it('keeps other topics as other without reading their item', () => {
    const event = parseIntercomEvent(notification('conversation.read', { anything: true }))
    expect(event).toMatchObject({ kind: 'other', topic: 'conversation.read', identity: 'notif_b577ea09' })
  })

  it.each([
    ['not a notification', { type: 'event', id: 'x', topic: 'ping', created_at: 1, data: { item: {} } }],
    ['no data.item', { type: 'notification_event', id: 'x', topic: 'ping', created_at: 1, data: {} }],
    ['conversation without id', notification('conversation.admin.closed', { type: 'conversation' })],
    [
      'part without conversation id',
      notification('conversation_part.tag.created', { type: 'conversation_part', id: 'p' }),
    ],
    ['contact without id', notification('contact.lead.updated', { email: 'a@b.c' })],
    ['contact tag without contact', notification('contact.user.tag.created', { tag: { name: 'VIP' } })],
    [
      'tag without a name',
      notification('conversation_part.tag.created', { id: '1', tags_added: { tags: [{ id: '1' }] } }),
    ],
  ])('refuses %s with a typed error', (_name, body) => {
    const result = safeParseIntercomEvent(body)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.issues.length).toBeGreaterThan(0)
    expect(() => parseIntercomEvent(body)).toThrow(IntercomEventParseError)
  })

  describe('contact changes the index follows', () => {
    it('contact.merged names the survivor and the contact merged away', () => {
      const event = parseIntercomEvent(
        notification('contact.merged', { type: 'contact', id: 'u1', merged_from: { type: 'contact', id: 'l1' } }),
      )
      expect(event).toMatchObject({ kind: 'contact-change', contactId: 'u1', mergedFromId: 'l1', removed: false })
      expect(event.subject).toBe('intercom:contact:u1')
    })

    it('contact.deleted sends only identifying fields and is a removal', () => {
      const event = parseIntercomEvent(notification('contact.deleted', { type: 'contact', id: 'c9' }))
      expect(event).toMatchObject({ kind: 'contact-change', contactId: 'c9', mergedFromId: null, removed: true })
    })

    it('a created contact without an id is refused, naming the field', () => {
      const result = safeParseIntercomEvent(notification('contact.lead.created', { type: 'contact' }))
      expect(result.ok).toBe(false)
      if (!result.ok) expect(result.error.issues.join(' ')).toContain('data.item.id')
    })
  })
})
