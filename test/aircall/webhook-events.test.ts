import { describe, expect, it } from 'vitest'

import { parseAircallEvent, safeParseAircallEvent } from '../../src/aircall/webhook-events.js'
import { AircallEventParseError, supersedesEvent } from '../../src/domain/aircall-event.js'

function envelope(event: string, data: Record<string, unknown>, timestamp = 1512588391) {
  return { resource: event.split('.')[0], event, timestamp, token: '123ASECRETTOKEN456', data }
}

const callData = {
  id: 812,
  call_uuid: 'CA1234',
  direction: 'inbound',
  status: 'done',
  started_at: 1512588300,
  answered_at: null,
  ended_at: 1512588380,
  duration: 80,
  missed_call_reason: 'no_available_agent',
  raw_digits: '+33 6 12 34 56 78',
  participants: [],
}

describe('parseAircallEvent', () => {
  it('turns a call event into a CallRecord with identity and subject', () => {
    const event = parseAircallEvent(envelope('call.ended', callData))
    expect(event).toMatchObject({
      kind: 'call',
      event: 'call.ended',
      callId: '812',
      identity: 'aircall:call.ended:812:1512588391',
      subject: 'aircall:call:812',
      timestamp: 1512588391,
      supersedes: ['call.hungup'],
      call: { callId: '812', kind: 'missed', missedReason: 'no_available_agent' },
    })
    expect(JSON.stringify(event)).not.toContain('SECRETTOKEN')
  })

  it('treats events outside the call family as other', () => {
    const event = parseAircallEvent(envelope('number.closed', { id: 456, name: 'Line' }, 1585001020))
    expect(event).toEqual({
      kind: 'other',
      event: 'number.closed',
      resource: 'number',
      identity: 'aircall:number.closed:456:1585001020',
      subject: null,
      timestamp: 1585001020,
    })
  })

  it('uses the envelope timestamp when the call has no started_at', () => {
    const { started_at: _omit, ...rest } = callData
    const event = parseAircallEvent(envelope('call.created', rest))
    expect(event.kind === 'call' && event.call.startedAt).toBe(1512588391)
  })

  it.each([
    ['not an object', 'hello'],
    ['missing token', { resource: 'call', event: 'call.created', timestamp: 1, data: {} }],
    ['string timestamp', { ...envelope('call.created', callData), timestamp: '1512588391' }],
    ['data is not an object', { ...envelope('call.created', callData), data: [] }],
    ['call without id', envelope('call.created', { direction: 'inbound' })],
    ['call with a bad field type', envelope('call.created', { ...callData, started_at: 'yesterday' })],
  ])('refuses %s with a typed error', (_name, body) => {
    const result = safeParseAircallEvent(body)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(AircallEventParseError)
      expect(result.error.issues.length).toBeGreaterThan(0)
    }
    expect(() => parseAircallEvent(body)).toThrow(AircallEventParseError)
  })

  it('knows that call.ended supersedes call.hungup for the same call only', () => {
    const hungup = parseAircallEvent(envelope('call.hungup', callData, 100))
    const ended = parseAircallEvent(envelope('call.ended', callData, 130))
    const otherEnded = parseAircallEvent(envelope('call.ended', { ...callData, id: 813 }, 130))
    const created = parseAircallEvent(envelope('call.created', callData, 90))
    expect(supersedesEvent(ended, hungup)).toBe(true)
    expect(supersedesEvent(hungup, ended)).toBe(false)
    expect(supersedesEvent(otherEnded, hungup)).toBe(false)
    expect(supersedesEvent(ended, created)).toBe(false)
  })
})
