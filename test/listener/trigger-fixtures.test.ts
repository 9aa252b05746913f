import { describe, expect, test } from 'vitest'

import { isAiEvent, summarySchema, transcriptionSchema } from '../../src/aircall/ai-schemas.js'
import { aircallMessageSchema, isMessageEvent, mediaOf } from '../../src/aircall/message-schemas.js'
import { normaliseAircallCall } from '../../src/domain/call-record.js'
import { safeParseAircallEvent } from '../../src/aircall/webhook-events.js'
import { AIRCALL_FIXTURES, aircallFixture } from '../../src/listener/fixtures.js'
import { insightAttributeValue, insightTextLines } from '../../src/pipeline/call-insights.js'

const TIMESTAMP = 1_795_000_000
type Body = Record<string, unknown>
const fixture = (name: (typeof AIRCALL_FIXTURES)[number], callId = 4242): Body =>
  aircallFixture(name, 'tok', { callId, timestamp: TIMESTAMP })

describe('trigger fixtures', () => {
  test('one for every conversation-intelligence, voicemail and message event the toolkit handles', () => {
    expect(AIRCALL_FIXTURES).toEqual(
      expect.arrayContaining([
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
      ]),
    )
    expect(new Set(AIRCALL_FIXTURES).size).toBe(AIRCALL_FIXTURES.length)
    for (const name of AIRCALL_FIXTURES) {
      const body = fixture(name)
      expect(Object.keys(body).sort(), name).toEqual(['data', 'event', 'resource', 'timestamp', 'token'])
      expect(safeParseAircallEvent(body).ok, name).toBe(true)
      const resource = isAiEvent(body.event as string)
        ? 'conversation_intelligence'
        : isMessageEvent(body.event as string)
          ? 'message'
          : 'call'
      expect(body.resource, name).toBe(resource)
    }
  })

  test('AI fixtures: the CI entity, call_id a numeric string on summary.created only, read by the notes', () => {
    for (const name of AIRCALL_FIXTURES.filter(isAiEvent)) {
      const data = fixture(name).data as Body
      expect(data, name).toMatchObject({
        id: expect.any(Number),
        call_uuid: expect.stringMatching(/^CA/),
        number_id: 501,
        type: 'call',
        call_id: name === 'summary.created' ? '4242' : 4242,
      })
      if (name === 'transcription.created') expect(transcriptionSchema.parse(data).call_id).toBe('4242')
      else if (name === 'summary.created') expect(summarySchema.parse(data).content).toBeTruthy()
      else expect(insightTextLines(name, data).length, name).toBeGreaterThan(0)
    }
    expect(insightAttributeValue('sentiment.created', fixture('sentiment.created').data as Body)).toBe('negative')
    expect(insightAttributeValue('topics.created', fixture('topics.created').data as Body)).toBe('Billing, Invoice')
    expect(
      insightTextLines('custom_summary.result_created', fixture('custom_summary.result_created').data as Body),
    ).toEqual(['Reason for call · Wrong amount on invoice #4521', 'Outcome · Corrected invoice promised today'])
  })

  test('voicemail fixtures carry the finished call with its signed voicemail and the permanent asset page', () => {
    for (const name of ['call.voicemail_left', 'call.comm_assets_generated'] as const) {
      const body = fixture(name, 777)
      expect(body.event).toBe(name)
      const data = body.data as Body
      expect(data).toMatchObject({
        id: 777,
        status: 'done',
        answered_at: null,
        recording: null,
        voicemail: expect.stringMatching(/^https:\/\/.+777\.mp3\?X-Amz-Expires=3600$/),
        asset: 'https://assets.aircall.io/calls/777/voicemail',
        user: null,
      })
      expect(normaliseAircallCall(data as never).kind).toBe('voicemail')
    }
  })

  test('message fixtures: string id, display-form number, SMS channel null, the line, media on the received one', () => {
    const ids = new Set<string>()
    for (const name of ['message.received', 'message.sent', 'message.status_updated'] as const) {
      const data = fixture(name).data as Body
      const parsed = aircallMessageSchema.parse(data)
      expect(typeof data.id).toBe('string')
      ids.add(data.id as string)
      expect(data).toMatchObject({
        direction: name === 'message.received' ? 'inbound' : 'outbound',
        external_number: '+33 6 12 34 56 78',
        status: { 'message.received': 'received', 'message.sent': 'sent', 'message.status_updated': 'delivered' }[name],
        channel: null,
        number: {
          id: 501,
          name: 'Support FR',
          digits: '+33 1 76 11 11 11',
          country: 'FR',
          time_zone: 'Europe/Paris',
          availability_status: 'open',
        },
      })
      expect(mediaOf(parsed).length).toBe(name === 'message.received' ? 1 : 0)
    }
    expect(ids.size).toBe(3)
    const whatsapp = aircallFixture('message.received', 'tok', { timestamp: TIMESTAMP, channel: 'whatsapp' })
    expect((whatsapp.data as Body).channel).toBe('whatsapp')
  })
})
