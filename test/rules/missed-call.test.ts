import { describe, expect, it } from 'vitest'

import type { ConfigInput } from '../../src/config/schema.js'
import { decideMissedCallMessage, type MissedCallContact } from '../../src/rules/missed-call.js'
import { isWithinBusinessHours, localTime } from '../../src/rules/business-hours.js'
import { MONDAY_10_PARIS, makeCall, makeConfig } from './fixtures.js'

const contact: MissedCallContact = { id: 'c1', attributes: { plan: 'Gold', tier: 2 }, tags: ['Beta'] }
const HOUR = 3600

function missed(input: NonNullable<ConfigInput['missedCalls']>) {
  return makeConfig({ missedCalls: { enabled: true, ...input } }).missedCalls
}

const oneTemplate = missed({ templates: [{ name: 'default', body: 'Sorry we missed you' }] })

describe('decideMissedCallMessage: when to send', () => {
  it.each([
    ['disabled', makeConfig().missedCalls, makeCall(), contact, null, 'disabled'],
    ['outbound', oneTemplate, makeCall({ direction: 'outbound', kind: 'outbound' }), contact, null, 'outbound'],
    [
      'answered',
      oneTemplate,
      makeCall({ kind: 'answered', answeredAt: MONDAY_10_PARIS + 5 }),
      contact,
      null,
      'not-missed',
    ],
    ['still ringing', oneTemplate, makeCall({ status: 'initial', endedAt: null }), contact, null, 'not-missed'],
    ['anonymous', oneTemplate, makeCall({ rawDigits: 'anonymous' }), contact, null, 'anonymous'],
    ['anonymous keypad spelling', oneTemplate, makeCall({ rawDigits: '+266696687' }), contact, null, 'anonymous'],
    ['no contact', oneTemplate, makeCall(), null, null, 'no-contact'],
    ['inside cooldown', oneTemplate, makeCall(), contact, MONDAY_10_PARIS + 60 - 3599, 'cooldown'],
  ])('%s → skip', (_name, config, call, who, lastMessagedAt, reason) => {
    expect(decideMissedCallMessage({ call, contact: who, config, lastMessagedAt, now: MONDAY_10_PARIS + 60 })).toEqual({
      send: false,
      reason,
    })
  })

  it.each([
    ['a missed call', makeCall(), null],
    ['a voicemail', makeCall({ kind: 'voicemail' }), null],
    ['exactly one cooldown later', makeCall(), MONDAY_10_PARIS - 3600],
  ])('sends for %s', (_name, call, lastMessagedAt) => {
    const decision = decideMissedCallMessage({
      call,
      contact,
      config: oneTemplate,
      lastMessagedAt,
      now: MONDAY_10_PARIS,
    })
    expect(decision).toMatchObject({ send: true, template: { name: 'default' } })
  })

  it('does not cool down when cooldownMinutes is 0', () => {
    const config = missed({ cooldownMinutes: 0, templates: [{ name: 'default', body: 'x' }] })
    const decision = decideMissedCallMessage({ call: makeCall(), contact, config, lastMessagedAt: 100, now: 100 })
    expect(decision.send).toBe(true)
  })

  it('reports no-template when nothing matches', () => {
    const config = missed({ templates: [{ name: 'other line', lines: ['999'], body: 'x' }] })
    const decision = decideMissedCallMessage({ call: makeCall(), contact, config, lastMessagedAt: null, now: 0 })
    expect(decision).toEqual({ send: false, reason: 'no-template' })
  })
})

describe('decideMissedCallMessage: which template', () => {
  const config = missed({
    businessHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' },
    templates: [
      { name: 'line-99', lines: [99], body: 'x' },
      { name: 'sales-team', teams: ['sales'], body: 'x' },
      { name: 'gold-after-hours', when: 'after-hours', segment: { attribute: 'plan', equals: 'gold' }, body: 'x' },
      { name: 'beta-tag', segment: { tag: 'beta' }, when: 'business-hours', body: 'x' },
      { name: 'has-tier', segment: { attribute: 'tier' }, body: 'x' },
      { name: 'fallback', body: 'x' },
    ],
  })
  const paris = (hoursFromMondayTen: number) => MONDAY_10_PARIS + hoursFromMondayTen * HOUR

  it.each([
    ['line id', makeCall({ line: { ...makeCall().line, id: '99' } }), contact, 'line-99'],
    ['team name, case-insensitive', makeCall({ teams: ['Sales'] }), contact, 'sales-team'],
    ['segment attribute after hours (20:00 Paris)', makeCall({ startedAt: paris(10) }), contact, 'gold-after-hours'],
    ['segment tag in business hours', makeCall({ startedAt: paris(2) }), contact, 'beta-tag'],
    ['weekend is after hours', makeCall({ startedAt: paris(5 * 24) }), contact, 'gold-after-hours'],
    ['attribute presence', makeCall(), { id: 'c', attributes: { tier: 1 }, tags: [] }, 'has-tier'],
    ['attribute false is absent', makeCall(), { id: 'c', attributes: { tier: false }, tags: [] }, 'fallback'],
    ['nothing specific', makeCall(), { id: 'c', attributes: {}, tags: [] }, 'fallback'],
  ])('matches on %s', (_name, call, who, name) => {
    const decision = decideMissedCallMessage({ call, contact: who, config, lastMessagedAt: null, now: call.startedAt })
    expect(decision).toMatchObject({ send: true, template: { name } })
  })

  it("reads business hours in the line's time zone", () => {
    // 10:00 in Paris is 04:00 in New York: the same instant is after hours on a New York line.
    const ny = makeCall({ line: { ...makeCall().line, timeZone: 'America/New_York' } })
    const onlyHours = missed({
      templates: [
        { name: 'open', when: 'business-hours', body: 'x' },
        { name: 'closed', when: 'after-hours', body: 'x' },
      ],
    })
    const at = (call: typeof ny) =>
      decideMissedCallMessage({ call, contact, config: onlyHours, lastMessagedAt: null, now: call.startedAt })
    expect(at(makeCall())).toMatchObject({ template: { name: 'open' } })
    expect(at(ny)).toMatchObject({ template: { name: 'closed' } })
  })
})

describe('business hours', () => {
  const nineToSix = { days: ['mon' as const], start: '09:00', end: '18:00', timeZone: 'UTC' }
  const night = { days: ['mon' as const], start: '22:00', end: '06:00', timeZone: 'UTC' }

  it.each([
    [MONDAY_10_PARIS - HOUR, 'Europe/Paris', nineToSix, true],
    [MONDAY_10_PARIS - HOUR - 1, 'Europe/Paris', nineToSix, false],
    [MONDAY_10_PARIS + 8 * HOUR, 'Europe/Paris', nineToSix, false],
    [MONDAY_10_PARIS, null, nineToSix, true],
    [MONDAY_10_PARIS, 'Not/AZone', nineToSix, true],
    [MONDAY_10_PARIS + 13 * HOUR, 'Europe/Paris', night, true],
    [MONDAY_10_PARIS + 19 * HOUR, 'Europe/Paris', night, true],
    [MONDAY_10_PARIS + 20 * HOUR, 'Europe/Paris', night, false],
    [MONDAY_10_PARIS - 5 * HOUR, 'Europe/Paris', night, false],
  ])('%i in %s', (at, zone, hours, inside) => {
    expect(isWithinBusinessHours(at, zone, hours)).toBe(inside)
  })

  it('falls back to businessHours.timeZone when the line has none', () => {
    // 09:00 UTC is 18:00 in Tokyo: closed there, open in UTC.
    const tokyo = { ...nineToSix, timeZone: 'Asia/Tokyo' }
    expect(isWithinBusinessHours(MONDAY_10_PARIS, null, tokyo)).toBe(false)
    expect(isWithinBusinessHours(MONDAY_10_PARIS, 'Not/AZone', tokyo)).toBe(false)
    expect(isWithinBusinessHours(MONDAY_10_PARIS, 'Europe/Paris', tokyo)).toBe(true)
  })

  it('gives the local day and minute', () => {
    expect(localTime(MONDAY_10_PARIS, 'Europe/Paris')).toEqual({ day: 'mon', minutes: 600 })
    expect(localTime(MONDAY_10_PARIS, 'Asia/Tokyo')).toEqual({ day: 'mon', minutes: 18 * 60 })
  })
})
