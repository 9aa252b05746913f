import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatLocalTime } from '../../src/templates/index.js'
import { cachedLocalTimeHours } from '../../src/templates/local-time.js'

// The Intl-only implementation formatLocalTime had before its arithmetic fast path, kept verbatim as the oracle.
const referenceFormatters = new Map<string, Intl.DateTimeFormat>()
function referenceFormatter(locale: string, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}`
  let formatter = referenceFormatters.get(key)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    })
    referenceFormatters.set(key, formatter)
  }
  return formatter
}
function referenceIsValidTimeZone(timeZone: string): boolean {
  try {
    referenceFormatter('en-GB', timeZone)
    return true
  } catch {
    return false
  }
}
function referenceToFiniteNumber(value: unknown): number | null {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  return typeof number === 'number' && Number.isFinite(number) ? number : null
}
function referenceFormatLocalTime(unixSeconds: unknown, timeZone?: unknown): string {
  const seconds = referenceToFiniteNumber(unixSeconds)
  if (seconds === null) return ''
  const zone = typeof timeZone === 'string' && timeZone !== '' && referenceIsValidTimeZone(timeZone) ? timeZone : 'UTC'
  const date = new Date(seconds * 1000)
  const parts = (locale: string): Partial<Record<Intl.DateTimeFormatPartTypes, string>> =>
    Object.fromEntries(
      referenceFormatter(locale, zone)
        .formatToParts(date)
        .map((part) => [part.type, part.value]),
    )
  const gb = parts('en-GB')
  let zoneName = gb.timeZoneName ?? zone
  if (/^(GMT|UTC)[+-]/.test(zoneName)) {
    const us = parts('en-US').timeZoneName
    if (us && !/^(GMT|UTC)[+-]/.test(us)) zoneName = us
  }
  if (zone === 'UTC' || zone === 'Etc/UTC') zoneName = 'UTC'
  return `${gb.weekday} ${gb.day} ${gb.month} ${gb.year}, ${gb.hour}:${gb.minute} ${zoneName}`
}

/** The same call on both implementations, a throw included (instants Date cannot hold). */
function outcome(format: () => string): string {
  try {
    return `ok:${format()}`
  } catch (error) {
    return `threw:${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`
  }
}

const ZONES = [
  'Europe/Paris',
  'Europe/London',
  'America/New_York',
  'America/Los_Angeles',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'America/St_Johns',
  'Asia/Tokyo',
  'UTC',
  'Etc/UTC',
  'America/Sao_Paulo',
  'Africa/Casablanca',
]
const ODD_ZONES = ['Mars/Olympus', '', ' ', 'Europe/Paris ', 'europe/paris', 'utc', 'GMT', 'Etc/GMT+5', 'US/Eastern']
const UNTIL_2100 = Date.UTC(2100, 0, 1) / 1000

/** Offset changes of a zone in one year, to the second: a daily scan, then a binary search inside the day. */
function transitionsIn(zone: string, year: number): number[] {
  const offsetFormat = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
  const offsetAt = (seconds: number): string =>
    offsetFormat.formatToParts(seconds * 1000).find((part) => part.type === 'timeZoneName')?.value ?? ''
  const found: number[] = []
  const from = Date.UTC(year, 0, 1) / 1000
  const until = Date.UTC(year + 1, 0, 1) / 1000
  for (let day = from; day < until; day += 86_400) {
    let low = day
    let high = day + 86_400
    if (offsetAt(low) === offsetAt(high)) continue
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2)
      if (offsetAt(middle) === offsetAt(low)) low = middle
      else high = middle
    }
    found.push(high)
  }
  return found
}

const YEARS = [1970, 1986, 1996, 2007, 2018, 2019, 2025, 2026, 2037, 2038, 2061, 2099]
const TRANSITIONS = ZONES.flatMap((zone) =>
  YEARS.flatMap((year) => transitionsIn(zone, year).map((seconds) => ({ zone, seconds }))),
)

const zoneArb = fc.constantFrom(...ZONES)
const fraction = fc.constantFrom(0, 0, 0, 0.001, 0.5, 0.999)
const anyInstant = fc.tuple(fc.integer({ min: 0, max: UNTIL_2100 }), fraction).map(([s, f]) => s + f)

describe('formatLocalTime matches the Intl implementation byte for byte', () => {
  it('finds the DST transitions it is meant to probe', () => {
    for (const zone of ['Europe/Paris', 'Australia/Lord_Howe', 'America/Sao_Paulo', 'Africa/Casablanca']) {
      expect(TRANSITIONS.some((transition) => transition.zone === zone)).toBe(true)
    }
  })

  it('at any instant from 1970 to 2100 in any zone', () => {
    fc.assert(
      fc.property(anyInstant, zoneArb, (seconds, zone) => {
        expect(formatLocalTime(seconds, zone)).toBe(referenceFormatLocalTime(seconds, zone))
      }),
      { numRuns: 8_000 },
    )
  })

  it('within minutes (and hours) of a DST or offset transition', () => {
    const near = fc.tuple(
      fc.constantFrom(...TRANSITIONS),
      fc.oneof(fc.integer({ min: -180, max: 180 }), fc.integer({ min: -3 * 3_600, max: 3 * 3_600 })),
      fraction,
    )
    fc.assert(
      fc.property(near, ([transition, shift, f]) => {
        const seconds = transition.seconds + shift + f
        expect(formatLocalTime(seconds, transition.zone)).toBe(referenceFormatLocalTime(seconds, transition.zone))
      }),
      { numRuns: 8_000 },
    )
  })

  it('for runs of calls inside the same hours, served from the cache', () => {
    const run = fc.tuple(anyInstant, zoneArb, fc.array(fc.integer({ min: 0, max: 2 * 3_600 }), { maxLength: 30 }))
    fc.assert(
      fc.property(run, ([start, zone, shifts]) => {
        for (const shift of shifts) {
          expect(formatLocalTime(start + shift, zone)).toBe(referenceFormatLocalTime(start + shift, zone))
        }
      }),
      { numRuns: 300 },
    )
  })

  it('for odd inputs: invalid zones, non-numbers, numeric strings, old and out-of-range instants', () => {
    const seconds = fc.oneof(
      anyInstant,
      fc.integer({ min: -5_000_000_000, max: 0 }), // down to 1811: local mean times with second offsets
      fc.double({ noDefaultInfinity: false }),
      fc.constantFrom(8.64e12, 8.64e12 + 1, -8.64e12 - 1, 1e300, -0, Number.NaN, Number.POSITIVE_INFINITY),
      anyInstant.map(String),
      fc.constantFrom('', ' ', ' 1795525500 ', '1e9', '0x10', 'abc', null, undefined, true, false, 10n),
      fc.anything(),
    )
    const zone = fc.oneof(zoneArb, fc.constantFrom(...ODD_ZONES), fc.string(), fc.anything())
    fc.assert(
      fc.property(seconds, zone, (value, timeZone) => {
        expect(outcome(() => formatLocalTime(value, timeZone))).toBe(
          outcome(() => referenceFormatLocalTime(value, timeZone)),
        )
      }),
      { numRuns: 4_000 },
    )
  })
})

describe('formatLocalTime memory', () => {
  it('stays flat over 100,000 calls across 30 days, and over years of hours in one zone', () => {
    const start = Date.UTC(2026, 9, 1) / 1000
    const zones = ['Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'Australia/Lord_Howe']
    for (let call = 0; call < 100_000; call++) {
      formatLocalTime(start + Math.floor((call * 30 * 86_400) / 100_000), zones[call % zones.length])
    }
    expect(cachedLocalTimeHours()).toBeLessThanOrEqual(8_192)
    for (let hour = 0; hour < 10_000; hour++) formatLocalTime(start + hour * 3_600, 'America/Sao_Paulo')
    expect(cachedLocalTimeHours()).toBeLessThanOrEqual(8_192)
  })
})
