import { parseDateInput } from '../domain/date-input.js'
import { UserError } from '../errors.js'

/** UNIX seconds for a date flag (see `parseDateInput`): a date given as `--until` includes that whole day. */
export function parseInstant(text: string, nowMs: number, flag: string, bound: 'start' | 'end' = 'start'): number {
  return Math.floor(parseDateInput(flag, text, nowMs, bound) / 1000)
}

export interface Range {
  /** Exclusive, UNIX seconds. */
  since: number
  /** Inclusive, UNIX seconds. */
  until: number
}

export function parseRange(input: { since?: string; until?: string }, nowMs: number, defaultSince: string): Range {
  const since = parseInstant(input.since ?? defaultSince, nowMs, '--since')
  const until =
    input.until === undefined ? Math.floor(nowMs / 1000) : parseInstant(input.until, nowMs, '--until', 'end')
  if (!(since < until)) {
    throw new UserError(`--since must be before --until`, `got since ${iso(since)} and until ${iso(until)}`)
  }
  return { since, until }
}

export const iso = (seconds: number): string => new Date(seconds * 1000).toISOString()
