import { describe, expect, it } from 'vitest'

import { aircallCallDataSchema } from '../../src/aircall/schemas.js'
import { classifyCall, normaliseAircallCall } from '../../src/domain/call-record.js'

// Shape of a live REST call (reference §4), trimmed to the fields that matter.
const restCall = {
  id: 4186780376,
  sid: 'CA0123456789abcdef',
  direct_link: 'https://api.aircall.io/v1/calls/4186780376',
  direction: 'inbound',
  status: 'done',
  missed_call_reason: null,
  started_at: 1759050000,
  answered_at: 1759050008,
  ended_at: 1759050130,
  duration: 130,
  archived: false,
  cost: '3.0',
  voicemail: null,
  recording: 'https://aircall-recordings.s3.amazonaws.com/signed?X-Amz-Expires=3600',
  asset: 'https://assets.aircall.io/calls/4186780376/recording',
  raw_digits: '+1 617-610-5413',
  user: { id: 123, name: 'Ada Agent', email: 'ada@example.com', available: true },
  contact: {
    id: 77,
    first_name: 'Grace',
    last_name: 'Hopper',
    company_name: 'Navy',
    emails: [{ id: 1, label: 'Work', value: 'grace@example.com' }],
    phone_numbers: [{ id: 2, label: 'Work', value: '+16176105413' }],
  },
  comments: [{ id: 9, content: 'Asked about #4521', posted_at: 1759050200, posted_by: null }],
  number: {
    id: 555,
    name: 'Support US',
    digits: '+1 800-123-4567',
    country: 'us',
    time_zone: 'America/New_York',
    open: true,
  },
  teams: [{ id: 3, name: 'Tier 1' }],
  tags: [{ id: 4, name: 'VIP', created_at: 1759050150 }],
  country_code_a2: 'US',
}

describe('normaliseAircallCall', () => {
  it('normalises a REST call and never keeps the expiring recording URL', () => {
    const record = normaliseAircallCall(aircallCallDataSchema.parse(restCall))
    expect(record).toEqual({
      callId: '4186780376',
      direction: 'inbound',
      status: 'done',
      kind: 'answered',
      startedAt: 1759050000,
      answeredAt: 1759050008,
      endedAt: 1759050130,
      durationSeconds: 130,
      missedReason: null,
      rawDigits: '+1 617-610-5413',
      line: { id: '555', name: 'Support US', digits: '+1 800-123-4567', country: 'US', timeZone: 'America/New_York' },
      agent: { id: '123', name: 'Ada Agent', email: 'ada@example.com' },
      teams: ['Tier 1'],
      tags: ['VIP'],
      comments: ['Asked about #4521'],
      assetUrl: 'https://assets.aircall.io/calls/4186780376/recording',
      contact: {
        id: '77',
        firstName: 'Grace',
        lastName: 'Hopper',
        companyName: 'Navy',
        emails: ['grace@example.com'],
        phones: ['+16176105413'],
      },
      archived: false,
      cost: '3.0',
    })
    expect(JSON.stringify(record)).not.toContain('aircall-recordings')
  })

  it('accepts webhook data (call_uuid instead of sid, sparse fields)', () => {
    const data = {
      id: 42,
      call_uuid: 'CAabc',
      direction: 'inbound',
      status: 'initial',
      started_at: 100,
      raw_digits: null,
    }
    const record = normaliseAircallCall(aircallCallDataSchema.parse(data))
    expect(record).toMatchObject({
      callId: '42',
      status: 'initial',
      kind: 'missed',
      rawDigits: 'anonymous',
      answeredAt: null,
      endedAt: null,
      durationSeconds: 0,
      agent: null,
      contact: null,
      teams: [],
      line: { id: null, name: null, digits: null, country: null, timeZone: null },
      assetUrl: null,
      cost: null,
      archived: false,
    })
  })

  it('fills missing started_at, status and duration from what is known', () => {
    const record = normaliseAircallCall({ id: '7', answered_at: 110, ended_at: 160 }, { fallbackStartedAt: 100 })
    expect(record).toMatchObject({ startedAt: 100, status: 'done', durationSeconds: 60, direction: 'inbound' })
  })

  it.each([
    ['outbound answered', { direction: 'outbound', answered_at: 5 }, 'outbound'],
    ['outbound unanswered', { direction: 'outbound', answered_at: null }, 'outbound'],
    ['inbound answered', { direction: 'inbound', answered_at: 5 }, 'answered'],
    ['inbound unanswered', { direction: 'inbound', answered_at: null }, 'missed'],
    [
      'inbound answered with a reason',
      { direction: 'inbound', answered_at: 5, missed_call_reason: 'short_abandoned' },
      'missed',
    ],
    ['inbound voicemail', { direction: 'inbound', voicemail: 'https://x/vm.mp3' }, 'voicemail'],
    ['inbound voicemail short url', { direction: 'inbound', voicemail_short_url: 'https://short/vm' }, 'voicemail'],
    [
      'voicemail only seen in asset',
      { direction: 'inbound', asset: 'https://assets.aircall.io/voicemail/9' },
      'voicemail',
    ],
    [
      'recording asset is not a voicemail',
      { direction: 'inbound', answered_at: 5, asset: 'https://assets.aircall.io/calls/9/recording' },
      'answered',
    ],
    ['outbound with a voicemail', { direction: 'outbound', voicemail: 'https://x/vm.mp3' }, 'outbound'],
  ])('classifies %s', (_name, fields, kind) => {
    expect(normaliseAircallCall({ id: 1, started_at: 0, ...fields }).kind).toBe(kind)
  })

  it('exposes the classification on its own', () => {
    expect(classifyCall('inbound', 10, null, false)).toBe('answered')
  })

  it('rejects a call without an id', () => {
    expect(aircallCallDataSchema.safeParse({ direction: 'inbound' }).success).toBe(false)
  })
})
