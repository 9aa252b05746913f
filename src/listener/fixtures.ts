/**
 * Realistic webhook bodies for `trigger` (in the spirit of `stripe trigger`) and for tests. Shapes
 * follow the references: Aircall's `{resource, event, timestamp, token, data}` envelope with a Call
 * carrying `call_uuid` (conversation intelligence and message events carry their own entity), and
 * Intercom's `notification_event` envelope.
 */
import { randomUUID } from 'node:crypto'

export const AIRCALL_FIXTURES = [
  'call.created',
  'call.ringing_on_agent',
  'call.answered',
  'call.hungup',
  'call.ended',
  'call.ended.missed',
  'call.ended.voicemail',
  'call.ended.outbound',
  'call.tagged',
  'call.commented',
  'summary.created',
  'transcription.created',
  'sentiment.created',
  'topics.created',
  'action_item.created',
  'custom_summary.result_created',
  'call.voicemail_left',
  'call.comm_assets_generated',
  'message.received',
  'message.sent',
  'message.status_updated',
] as const

type InsightFixtureName =
  | 'summary.created'
  | 'transcription.created'
  | 'sentiment.created'
  | 'topics.created'
  | 'action_item.created'
  | 'custom_summary.result_created'

const INSIGHT_FIXTURES: ReadonlySet<string> = new Set<InsightFixtureName>([
  'summary.created',
  'transcription.created',
  'sentiment.created',
  'topics.created',
  'action_item.created',
  'custom_summary.result_created',
])
const isInsightFixture = (name: string): name is InsightFixtureName => INSIGHT_FIXTURES.has(name)

type MessageFixtureName = 'message.received' | 'message.sent' | 'message.status_updated'
const isMessageFixture = (name: string): name is MessageFixtureName => name.startsWith('message.')

/** E.164 of an Aircall display number ("+33 6 12 34 56 78" → "+33612345678"); "anonymous" stays null. */
const e164Of = (digits: string): string | null => {
  const compact = digits.replace(/[^\d+]/g, '')
  return compact.startsWith('+') ? compact : null
}

/**
 * Conversation intelligence as the references show it: `resource: conversation_intelligence`, the CI entity as
 * `data` (`call_id` a numeric string on summary.created, an int elsewhere; `call_uuid`, `number_id`, `type`).
 */
const insightFixture = (
  name: InsightFixtureName,
  token: string,
  callId: number,
  timestamp: number,
  caller: string,
): Record<string, unknown> => {
  const common = {
    call_uuid: callUuid(callId),
    number_id: number.id,
    type: 'call',
    call_created_at: new Date((timestamp - 120) * 1000).toISOString(),
    created_at: new Date(timestamp * 1000).toISOString(),
  }
  const external = e164Of(caller)
  const data = ((): Record<string, unknown> => {
    switch (name) {
      case 'summary.created':
        return { id: 68_000 + (callId % 1000), call_id: String(callId), ...common, content: INSIGHT_SUMMARY }
      case 'sentiment.created':
        return {
          id: 68_300 + (callId % 1000),
          call_id: callId,
          ...common,
          content: [{ phone_number: external, type: 'external', value: 'NEGATIVE' }],
        }
      case 'topics.created':
        return { id: 68_400 + (callId % 1000), call_id: callId, ...common, content: ['Billing', 'Invoice'] }
      case 'action_item.created':
        return {
          id: 68_500 + (callId % 1000),
          call_id: callId,
          ...common,
          content: [
            { content: 'Send the corrected invoice #4521 today', user_id: user.id },
            { content: 'Check the billing rule that produced the wrong amount', user_id: user.id },
          ],
        }
      case 'custom_summary.result_created': {
        const results = [
          { name: 'Reason for call', content: 'Wrong amount on invoice #4521' },
          { name: 'Outcome', content: 'Corrected invoice promised today' },
        ]
        return {
          id: 68_600 + (callId % 1000),
          call_id: callId,
          ...common,
          content: results,
          summary_template_results: results,
        }
      }
      case 'transcription.created':
        return {
          id: 68_271,
          call_id: callId,
          ...common,
          content: {
            language: 'en',
            utterances: [
              {
                start_time: 5.12,
                end_time: 6.5,
                text: 'Hi, my invoice #4521 is wrong.',
                participant_type: 'external',
                phone_number: caller,
              },
              {
                start_time: 7.0,
                end_time: 8.2,
                text: 'Sorry about that, let me check.',
                participant_type: 'internal',
                user_id: 123,
              },
            ],
          },
        }
    }
  })()
  return { resource: 'conversation_intelligence', event: name, timestamp, token, data }
}

/**
 * `message.*` as the references show it: `resource: message`, the id a string, the other party in display form,
 * `channel` null for SMS, the Aircall line as `number`, and `media_details` on a received message.
 */
const messageFixture = (
  name: MessageFixtureName,
  token: string,
  timestamp: number,
  externalNumber: string,
  channel: 'sms' | 'whatsapp',
): Record<string, unknown> => {
  const received = name === 'message.received'
  // The clock alone would give two fixtures of one second the same id (one message, same identity).
  const id = `${timestamp * 1000 + Math.floor(Math.random() * 1000)}${randomUUID().replace(/-/g, '').slice(0, 14)}`
  const iso = (seconds: number): string => new Date(seconds * 1000).toISOString()
  const { id: lineId, name: lineName, digits, country, time_zone, availability_status } = number
  return {
    resource: 'message',
    event: name,
    timestamp,
    token,
    data: {
      id,
      direct_link: `https://api.aircall.io/v1/numbers/${lineId}/messages/${id}`,
      direction: received ? 'inbound' : 'outbound',
      external_number: externalNumber,
      body: received
        ? 'Hi, my invoice #4521 is wrong, can you call me back?'
        : 'Sorry about that: we will send a corrected invoice today.',
      status: received ? 'received' : name === 'message.sent' ? 'sent' : 'delivered',
      channel: channel === 'whatsapp' ? 'whatsapp' : null,
      origin: 'native',
      created_at: iso(timestamp - (name === 'message.status_updated' ? 4 : 1)),
      sent_at: iso(timestamp - (name === 'message.status_updated' ? 3 : 0)),
      updated_at: iso(timestamp),
      number: { id: lineId, name: lineName, digits, country, time_zone, availability_status },
      contact: null,
      ...(received
        ? {
            media_details: [
              {
                file_name: 'invoice-4521.jpg',
                file_type: 'image/jpeg',
                presigned_url: `https://aircall-media.example/messages/${id}/invoice-4521.jpg?X-Amz-Expires=3600`,
              },
            ],
          }
        : {}),
    },
  }
}

const callUuid = (callId: number): string => `CA${callId.toString(16)}e7c0ffee`

export const INSIGHT_SUMMARY =
  'The caller reported a wrong amount on invoice #4521; the agent promised a corrected invoice today.'

export const INTERCOM_FIXTURES = [
  'conversation.admin.assigned',
  'conversation_part.tag.created',
  'conversation.priority.updated',
  'contact.user.updated',
  'ping',
] as const

export type AircallFixtureName = (typeof AIRCALL_FIXTURES)[number]
export type IntercomFixtureName = (typeof INTERCOM_FIXTURES)[number]
export type FixtureName = AircallFixtureName | IntercomFixtureName

export const isAircallFixture = (name: string): name is AircallFixtureName =>
  (AIRCALL_FIXTURES as readonly string[]).includes(name)
export const isIntercomFixture = (name: string): name is IntercomFixtureName =>
  (INTERCOM_FIXTURES as readonly string[]).includes(name)

/** The caller of every Aircall fixture unless `rawDigits` says otherwise, as Aircall formats it. */
export const DEFAULT_CALLER_DIGITS = '+33 6 12 34 56 78'

export interface FixtureOverrides {
  callId?: number
  /** The caller's number as Aircall formats it. */
  rawDigits?: string
  tags?: string[]
  comment?: string
  conversationId?: string
  contactId?: string
  adminId?: string
  priority?: string
  timestamp?: number
  notificationId?: string
  /** The channel of a message fixture (default sms). */
  channel?: 'sms' | 'whatsapp'
}

const user = {
  id: 1001,
  direct_link: 'https://api.aircall.io/v1/users/1001',
  name: 'Nora Agent',
  email: 'nora@example.com',
  available: true,
  availability_status: 'available',
  created_at: '2026-01-10T09:00:00.000Z',
  time_zone: 'Europe/Paris',
  language: 'en-US',
  state: 'always_opened',
  wrap_up_time: 0,
}

const number = {
  id: 501,
  direct_link: 'https://api.aircall.io/v1/numbers/501',
  name: 'Support FR',
  digits: '+33 1 76 11 11 11',
  country: 'FR',
  time_zone: 'Europe/Paris',
  open: true,
  availability_status: 'open',
  is_ivr: false,
  live_recording_activated: true,
  priority: null,
  created_at: '2025-06-01T08:00:00.000Z',
}

export const aircallFixture = (
  name: AircallFixtureName,
  token: string,
  overrides: FixtureOverrides = {},
): Record<string, unknown> => {
  const timestamp = overrides.timestamp ?? Math.floor(Date.now() / 1000)
  // A call id derived from the clock alone would make two fixtures of one second the same event (same identity).
  const callId = overrides.callId ?? 4_186_000_000 + (timestamp % 1_000_000) * 1000 + Math.floor(Math.random() * 1000)
  if (isInsightFixture(name)) {
    return insightFixture(name, token, callId, timestamp, overrides.rawDigits ?? DEFAULT_CALLER_DIGITS)
  }
  if (isMessageFixture(name)) {
    return messageFixture(
      name,
      token,
      timestamp,
      overrides.rawDigits ?? DEFAULT_CALLER_DIGITS,
      overrides.channel ?? 'sms',
    )
  }
  const startedAt = timestamp - 120
  const missed = name === 'call.ended.missed'
  // The voicemail's own events carry the same finished call as its call.ended.
  const voicemail =
    name === 'call.ended.voicemail' || name === 'call.voicemail_left' || name === 'call.comm_assets_generated'
  const outbound = name === 'call.ended.outbound'
  const live = name === 'call.created' || name === 'call.ringing_on_agent' || name === 'call.answered'
  const answered = !missed && !voicemail && name !== 'call.created' && name !== 'call.ringing_on_agent'
  const event = name.startsWith('call.ended') ? 'call.ended' : name
  const tags = (overrides.tags ?? (name === 'call.tagged' ? ['VIP'] : [])).map((tagName, index) => ({
    id: 9000 + index,
    name: tagName,
    created_at: timestamp - 5,
    tagged_by: user,
    tagged_at: timestamp - 5,
  }))
  const comments =
    name === 'call.commented' || overrides.comment
      ? [
          {
            id: 7001,
            content: overrides.comment ?? 'Customer asked about invoice #4521',
            posted_at: timestamp - 3,
            posted_by: user,
          },
        ]
      : []
  return {
    resource: 'call',
    event,
    timestamp,
    token,
    data: {
      id: callId,
      call_uuid: callUuid(callId),
      direct_link: `https://api.aircall.io/v1/calls/${callId}`,
      direction: outbound ? 'outbound' : 'inbound',
      status: live ? (name === 'call.answered' ? 'answered' : 'initial') : 'done',
      missed_call_reason: missed ? 'agents_did_not_answer' : voicemail ? 'no_available_agent' : null,
      started_at: startedAt,
      answered_at: answered ? startedAt + 8 : null,
      ended_at: live ? null : timestamp,
      duration: live ? 0 : 120,
      raw_digits: overrides.rawDigits ?? DEFAULT_CALLER_DIGITS,
      voicemail: voicemail ? `https://aircall-recordings.example/voicemail/${callId}.mp3?X-Amz-Expires=3600` : null,
      recording:
        answered && !live ? `https://aircall-recordings.example/recording/${callId}.mp3?X-Amz-Expires=3600` : null,
      asset: live ? null : `https://assets.aircall.io/calls/${callId}/${voicemail ? 'voicemail' : 'recording'}`,
      archived: false,
      cost: '0.0',
      country_code_a2: 'FR',
      number,
      user: missed || voicemail ? null : user,
      assigned_to: null,
      teams: outbound ? [] : [{ id: 301, name: 'Support', direct_link: 'https://api.aircall.io/v1/teams/301' }],
      tags,
      comments,
      participants: [],
      contact: null,
      hangup_cause: null,
    },
  }
}

export const intercomFixture = (
  name: IntercomFixtureName,
  overrides: FixtureOverrides = {},
): Record<string, unknown> => {
  const createdAt = overrides.timestamp ?? Math.floor(Date.now() / 1000)
  const id = name === 'ping' ? null : (overrides.notificationId ?? `notif_${randomUUID()}`)
  const conversationId = overrides.conversationId ?? '215471109283'
  const contactId = overrides.contactId ?? '6762f0dd1bb69f9f2193bb83'
  const adminId = overrides.adminId ?? '991267459'
  const conversation = {
    type: 'conversation',
    id: conversationId,
    created_at: createdAt - 600,
    updated_at: createdAt,
    title: 'Billing question',
    open: true,
    state: 'open',
    read: true,
    priority: overrides.priority ?? (name === 'conversation.priority.updated' ? 'high' : 'none'),
    admin_assignee_id: name === 'conversation.admin.assigned' ? Number(adminId) : 0,
    team_assignee_id: null,
    tags: {
      type: 'tag.list',
      tags: (overrides.tags ?? (name === 'conversation_part.tag.created' ? ['call-back'] : [])).map(
        (tagName, index) => ({
          type: 'tag',
          id: String(81 + index),
          name: tagName,
        }),
      ),
    },
    contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: contactId, external_id: null }] },
    source: {
      type: 'conversation',
      id: '403918330',
      delivered_as: 'customer_initiated',
      subject: '',
      body: '<p>Hi</p>',
      author: { type: 'user', id: contactId, name: 'Ada Lovelace', email: 'ada@example.com' },
    },
    conversation_parts: {
      type: 'conversation_part.list',
      conversation_parts:
        name === 'conversation.admin.assigned'
          ? [
              {
                type: 'conversation_part',
                id: '132',
                part_type: 'assignment',
                body: null,
                created_at: createdAt,
                author: { type: 'admin', id: '991267000', name: 'Lead Agent' },
                assigned_to: { type: 'admin', id: adminId },
              },
            ]
          : [],
      total_count: 1,
    },
  }
  let item: Record<string, unknown>
  switch (name) {
    case 'ping':
      item = { type: 'ping', message: 'something something interzen' }
      break
    case 'contact.user.updated':
      item = {
        type: 'contact',
        id: contactId,
        role: 'user',
        email: 'ada@example.com',
        phone: '+33612345678',
        name: 'Ada Lovelace',
        external_id: null,
        created_at: '2026-01-10T04:23:23.215+00:00',
        updated_at: new Date(createdAt * 1000).toISOString(),
        custom_attributes: { plan: 'enterprise' },
      }
      break
    case 'conversation_part.tag.created':
      item = { ...conversation, tags_added: conversation.tags }
      break
    case 'conversation.admin.assigned':
    case 'conversation.priority.updated':
      item = conversation
      break
  }
  return {
    type: 'notification_event',
    app_id: 'i6wc9ipe',
    data: { type: 'notification_event_data', item },
    links: {},
    id,
    topic: name,
    delivery_status: 'pending',
    delivery_attempts: 1,
    delivered_at: 0,
    first_sent_at: createdAt,
    created_at: createdAt,
    self: null,
  }
}
