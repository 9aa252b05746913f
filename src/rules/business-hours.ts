import type { BusinessHours } from '../config/schema.js'

type Day = BusinessHours['days'][number]

const DAYS: readonly Day[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
const WEEKDAY_INDEX: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 }

export interface LocalTime {
  day: Day
  /** Minutes since local midnight. */
  minutes: number
}

function isZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone })
    return true
  } catch {
    return false
  }
}

function pickZone(timeZone: string | null, fallback: string): string {
  if (timeZone && isZone(timeZone)) return timeZone
  return isZone(fallback) ? fallback : 'UTC'
}

/** Wall-clock day and time of a UNIX instant in an IANA zone; an unknown or missing zone reads as `fallback`. */
export function localTime(unixSeconds: number, timeZone: string | null, fallback = 'UTC'): LocalTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: pickZone(timeZone, fallback),
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(unixSeconds * 1000))
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((part) => part.type === type)?.value ?? ''
  const day = DAYS[WEEKDAY_INDEX[get('weekday')] ?? 0] ?? 'sun'
  return { day, minutes: Number(get('hour')) * 60 + Number(get('minute')) }
}

function toMinutes(hhmm: string): number {
  const [hours = '0', minutes = '0'] = hhmm.split(':')
  return Number(hours) * 60 + Number(minutes)
}

function previousDay(day: Day): Day {
  return DAYS[(DAYS.indexOf(day) + 6) % 7] ?? day
}

/**
 * Whether an instant falls inside business hours in the given zone (the line's), or in `hours.timeZone` when the
 * line has none. Start is inclusive, end exclusive; an end
 * at or before the start is an overnight shift that belongs to the day it starts on.
 */
export function isWithinBusinessHours(unixSeconds: number, timeZone: string | null, hours: BusinessHours): boolean {
  const { day, minutes } = localTime(unixSeconds, timeZone, hours.timeZone)
  const start = toMinutes(hours.start)
  const end = toMinutes(hours.end)
  if (start < end) return hours.days.includes(day) && minutes >= start && minutes < end
  return (hours.days.includes(day) && minutes >= start) || (hours.days.includes(previousDay(day)) && minutes < end)
}
