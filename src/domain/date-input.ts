import { UserError } from '../errors.js'
import { parseDuration } from './duration.js'

const DAY_MS = 86_400_000
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/i

/**
 * UNIX milliseconds from the forms every command accepts for a date flag: an ISO date ("2026-06-01", UTC; as
 * the `end` of a range it includes that whole day), an ISO date-time (UTC unless it names a zone), a UNIX
 * timestamp in seconds, or an age such as "90d" (that long before now). Anything else is refused, never guessed.
 */
export function parseDateInput(flag: string, text: string, nowMs: number, bound: 'start' | 'end'): number {
  const value = text.trim()
  if (/^\d+\s*[smhdw]$/i.test(value)) return nowMs - (parseDuration(value) ?? 0)
  if (/^\d{9,10}$/.test(value)) return Number(value) * 1000
  const date = DATE_ONLY.exec(value)
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])]
    const ms = Date.UTC(year, month - 1, day)
    const check = new Date(ms)
    if (check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day) {
      return bound === 'end' ? ms + DAY_MS : ms
    }
  } else if (DATE_TIME.test(value)) {
    const normalised = value.replace(' ', 'T')
    const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(normalised) ? normalised : `${normalised}Z`)
    if (Number.isFinite(ms)) return ms
  }
  throw new UserError(
    `${flag} "${text}" is not a date`,
    `use a date such as 2026-06-01 (UTC), a date-time such as 2026-06-01T08:00:00Z, or an age such as 90d`,
  )
}
