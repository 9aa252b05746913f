/**
 * "Tue 24 Nov 2026, 14:05 CET" without asking Intl on every call. Intl stays the source of truth: it decides
 * each zone's UTC offset and name once per UTC hour, and this module does only the calendar arithmetic.
 */

type Parts = Partial<Record<Intl.DateTimeFormatPartTypes, string>>

/** What a zone looks like during one UTC hour; null when that hour holds a transition (Intl then decides). */
type HourShape = { offsetMs: number; zoneName: string } | null

const MINUTE = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000
// ICU switches to the Julian calendar before 1582 and Date refuses instants past ±8.64e15 ms: arithmetic is
// only trusted on a span where both calendars agree and every call timestamp falls.
const FAST_FROM = Date.UTC(1900, 0, 1)
const FAST_UNTIL = Date.UTC(2200, 0, 1)
// A backfill covers weeks in a handful of zones; these bounds keep memory flat for any run
// (about 1 MB: 30 days of hours in 11 zones).
const MAX_CACHED_HOURS = 8_192
const MAX_KNOWN_ZONE_STRINGS = 1_024

// Intl formatters are costly to build and a backfill renders thousands of notes in a handful of zones.
const dateFormatters = new Map<string, Intl.DateTimeFormat>()

function dateFormatter(locale: string, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}`
  let formatter = dateFormatters.get(key)
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
    dateFormatters.set(key, formatter)
  }
  return formatter
}

// Remembered both ways: an unknown zone would otherwise build (and throw from) a formatter on every call.
const zoneValidity = new Map<string, boolean>()

function isValidTimeZone(timeZone: string): boolean {
  const known = zoneValidity.get(timeZone)
  if (known !== undefined) return known
  let valid: boolean
  try {
    dateFormatter('en-GB', timeZone)
    valid = true
  } catch {
    valid = false
  }
  if (zoneValidity.size >= MAX_KNOWN_ZONE_STRINGS) zoneValidity.clear()
  zoneValidity.set(timeZone, valid)
  return valid
}

function partsOf(locale: string, zone: string, date: Date): Parts {
  const parts: Parts = {}
  for (const part of dateFormatter(locale, zone).formatToParts(date)) parts[part.type] = part.value
  return parts
}

const GMT_OFFSET = /^(GMT|UTC)[+-]/

/**
 * en-GB names European zones (CET, BST) and en-US American ones (EST, PDT); elsewhere CLDR has no English
 * abbreviation and the GMT offset is shown.
 */
function zoneNameOf(gb: Parts, zone: string, date: Date): string {
  let zoneName = gb.timeZoneName ?? zone
  if (GMT_OFFSET.test(zoneName)) {
    const us = partsOf('en-US', zone, date).timeZoneName
    if (us && !GMT_OFFSET.test(us)) zoneName = us
  }
  if (zone === 'UTC' || zone === 'Etc/UTC') zoneName = 'UTC'
  return zoneName
}

function exactLocalTime(date: Date, zone: string): string {
  const gb = partsOf('en-GB', zone, date)
  return `${gb.weekday} ${gb.day} ${gb.month} ${gb.year}, ${gb.hour}:${gb.minute} ${zoneNameOf(gb, zone, date)}`
}

// Day and month names exactly as this runtime's ICU spells them in the same pattern (en-GB says "Sept").
type Names = { weekdays: string[]; months: string[]; monthIndex: Map<string, number> }
let names: Names | null = null

function englishNames(): Names {
  if (names) return names
  const formatter = dateFormatter('en-GB', 'UTC')
  const partOf = (time: number, type: Intl.DateTimeFormatPartTypes): string =>
    formatter.formatToParts(time).find((part) => part.type === type)?.value ?? ''
  // 4 January 1970 was a Sunday: weekday index 0, as (days since epoch + 4) % 7 counts.
  const weekdays = Array.from({ length: 7 }, (_, day) => partOf((3 + day) * DAY + 12 * HOUR, 'weekday'))
  const months = Array.from({ length: 12 }, (_, month) => partOf(Date.UTC(2001, month, 15, 12), 'month'))
  names = { weekdays, months, monthIndex: new Map(months.map((month, index) => [month, index])) }
  return names
}

/** The zone's offset at `time` as Intl shows it, to the minute; NaN if the parts are not as expected. */
function offsetAt(gb: Parts, time: number): number {
  const month = englishNames().monthIndex.get(gb.month ?? '')
  if (month === undefined) return Number.NaN
  const local = Date.UTC(Number(gb.year), month, Number(gb.day), Number(gb.hour), Number(gb.minute))
  return local - Math.floor(time / MINUTE) * MINUTE
}

function probe(zone: string, time: number): { offsetMs: number; zoneName: string } {
  const date = new Date(time)
  const gb = partsOf('en-GB', zone, date)
  return { offsetMs: offsetAt(gb, time), zoneName: zoneNameOf(gb, zone, date) }
}

/**
 * One UTC hour of a zone, trusted only when Intl shows the same offset and name at its first and last
 * millisecond. An offset with seconds (old local mean times) shifts the minute between the two probes, so it
 * is caught by the same comparison.
 */
function shapeOfHour(zone: string, hour: number): HourShape {
  const start = probe(zone, hour * HOUR)
  const end = probe(zone, hour * HOUR + HOUR - 1)
  if (Number.isNaN(start.offsetMs) || start.offsetMs !== end.offsetMs || start.zoneName !== end.zoneName) return null
  return start
}

const shapes = new Map<string, Map<number, HourShape>>()
let cachedHours = 0

function hourShape(zone: string, hour: number): HourShape {
  let zoneShapes = shapes.get(zone)
  const cached = zoneShapes?.get(hour)
  if (cached !== undefined) return cached
  const shape = shapeOfHour(zone, hour)
  // Calls arrive roughly in time order, so starting afresh costs a few probes and no LRU bookkeeping.
  if (cachedHours >= MAX_CACHED_HOURS) {
    shapes.clear()
    cachedHours = 0
    zoneShapes = undefined
  }
  if (!zoneShapes) {
    zoneShapes = new Map()
    shapes.set(zone, zoneShapes)
  }
  zoneShapes.set(hour, shape)
  cachedHours++
  return shape
}

const pad2 = (value: number): string => (value < 10 ? `0${value}` : String(value))

/** Gregorian date of a day count since 1970-01-01 (Howard Hinnant's civil_from_days). */
function civilDate(days: number): { year: number; month: number; day: number } {
  const shifted = days + 719_468
  const era = Math.floor(shifted / 146_097)
  const dayOfEra = shifted - era * 146_097
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1_460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  )
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const marchMonth = Math.floor((5 * dayOfYear + 2) / 153)
  const month = marchMonth < 10 ? marchMonth + 2 : marchMonth - 10
  return {
    year: yearOfEra + era * 400 + (month <= 1 ? 1 : 0),
    month,
    day: dayOfYear - Math.floor((153 * marchMonth + 2) / 5) + 1,
  }
}

function arithmeticLocalTime(time: number, shape: { offsetMs: number; zoneName: string }): string {
  const { weekdays, months } = englishNames()
  const local = time + shape.offsetMs
  const days = Math.floor(local / DAY)
  const inDay = local - days * DAY
  const { year, month, day } = civilDate(days)
  const hour = Math.floor(inDay / HOUR)
  const minute = Math.floor((inDay - hour * HOUR) / MINUTE)
  const weekday = weekdays[(((days + 4) % 7) + 7) % 7]
  return `${weekday} ${day} ${months[month]} ${year}, ${pad2(hour)}:${pad2(minute)} ${shape.zoneName}`
}

/** The zone a value names, or UTC (labelled as such) for anything Intl does not know, never the machine's. */
function resolveTimeZone(timeZone: unknown): string {
  return typeof timeZone === 'string' && timeZone !== '' && isValidTimeZone(timeZone) ? timeZone : 'UTC'
}

/** `seconds` must be finite; instants Date cannot hold throw Intl's RangeError, as they always have. */
export function localTimeOf(seconds: number, timeZone: unknown): string {
  const zone = resolveTimeZone(timeZone)
  // Same instant as `new Date(seconds * 1000)`, which truncates to the millisecond.
  const time = Math.trunc(seconds * 1000) + 0
  if (time >= FAST_FROM && time < FAST_UNTIL) {
    const shape = hourShape(zone, Math.floor(time / HOUR))
    if (shape) return arithmeticLocalTime(time, shape)
  }
  return exactLocalTime(new Date(seconds * 1000), zone)
}

/** Hours cached across all zones, for tests and benchmarks checking that memory stays flat. */
export function cachedLocalTimeHours(): number {
  return cachedHours
}
