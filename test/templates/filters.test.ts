import { describe, expect, it } from 'vitest'
import {
  describeMissedReason,
  escapeHtml,
  formatDuration,
  formatLocalTime,
  formatPhoneForDisplay,
  safeLink,
} from '../../src/templates/index.js'
import { NOV_24_2026_1305_UTC } from './fixtures.js'

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [1, '1 s'],
    [45, '45 s'],
    [59, '59 s'],
    [60, '1 min 00 s'],
    [65, '1 min 05 s'],
    [245, '4 min 05 s'],
    [599.9, '9 min 59 s'],
    [3599, '59 min 59 s'],
    [3600, '1 h 00 min'],
    [3725, '1 h 02 min'],
    [36_000, '10 h 00 min'],
    ['245', '4 min 05 s'],
    [-1, ''],
    [Number.NaN, ''],
    [null, ''],
    ['abc', ''],
  ])('%s → %j', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected)
  })
})

describe('formatLocalTime', () => {
  const summer = 1782306300 // 2026-06-24T13:05:00Z
  it.each([
    [NOV_24_2026_1305_UTC, 'Europe/Paris', 'Tue 24 Nov 2026, 14:05 CET'],
    [summer, 'Europe/Paris', 'Wed 24 Jun 2026, 15:05 CEST'],
    [NOV_24_2026_1305_UTC, 'Europe/London', 'Tue 24 Nov 2026, 13:05 GMT'],
    [summer, 'Europe/London', 'Wed 24 Jun 2026, 14:05 BST'],
    [NOV_24_2026_1305_UTC, 'America/New_York', 'Tue 24 Nov 2026, 08:05 EST'],
    [summer, 'America/Los_Angeles', 'Wed 24 Jun 2026, 06:05 PDT'],
    [NOV_24_2026_1305_UTC, 'Asia/Tokyo', 'Tue 24 Nov 2026, 22:05 GMT+9'],
    // Crosses midnight: the local date is the next day.
    [NOV_24_2026_1305_UTC, 'Australia/Sydney', 'Wed 25 Nov 2026, 00:05 GMT+11'],
    [NOV_24_2026_1305_UTC, 'Asia/Kolkata', 'Tue 24 Nov 2026, 18:35 GMT+5:30'],
    [NOV_24_2026_1305_UTC, 'Etc/UTC', 'Tue 24 Nov 2026, 13:05 UTC'],
    // An unknown or missing zone is shown in UTC and says so, never in the machine's zone.
    [NOV_24_2026_1305_UTC, 'Mars/Olympus', 'Tue 24 Nov 2026, 13:05 UTC'],
    [NOV_24_2026_1305_UTC, undefined, 'Tue 24 Nov 2026, 13:05 UTC'],
  ])('%s in %s → %s', (seconds, zone, expected) => {
    expect(formatLocalTime(seconds, zone)).toBe(expected)
  })

  it('renders nothing for a missing timestamp', () => {
    expect(formatLocalTime(null, 'Europe/Paris')).toBe('')
  })
})

describe('formatPhoneForDisplay', () => {
  it.each([
    ['+16176105413', '+1 617 610 5413'],
    ['+33176111111', '+33 1 76 11 11 11'],
    ['+1 617-610-5413 x12', '+1 617 610 5413 ext. 12'],
    ['anonymous', 'Anonymous'],
    ['not a number', 'not a number'],
    ['', ''],
    [null, ''],
  ])('%j → %j', (input, expected) => {
    expect(formatPhoneForDisplay(input)).toBe(expected)
  })
})

describe('describeMissedReason', () => {
  it.each([
    ['out_of_opening_hours', 'Called outside opening hours'],
    ['short_abandoned', 'Caller hung up quickly'],
    ['abandoned_in_ivr', 'Caller hung up in the phone menu (IVR)'],
    ['abandoned_in_classic', 'Caller hung up while waiting'],
    ['no_available_agent', 'No agent was available'],
    ['agents_did_not_answer', 'Agents did not answer'],
    ['brand_new_reason', 'brand new reason'],
    ['toString', 'toString'],
    [null, ''],
  ])('%j → %j', (reason, expected) => {
    expect(describeMissedReason(reason)).toBe(expected)
  })
})

describe('escapeHtml and safeLink', () => {
  it('escapes the five HTML specials', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
  })

  it.each([
    ['https://assets.aircall.io/calls/1/recording', 'https://assets.aircall.io/calls/1/recording'],
    ['http://127.0.0.1:4010/assets/calls/1', 'http://127.0.0.1:4010/assets/calls/1'],
    ['javascript:alert(1)', ''],
    ['data:text/html,<b>', ''],
    ['https://s3.amazonaws.com/rec.mp3?X-Amz-Signature=abc&X-Amz-Expires=3600', ''],
    ['https://cdn.example.com/r.mp3?Expires=1&Signature=x', ''],
    [null, ''],
  ])('%j → %j', (url, expected) => {
    expect(safeLink(url)).toBe(expected)
  })
})
