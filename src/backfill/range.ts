import { UserError } from '../errors.js'

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }

/** Seconds in "30m", "2h", "1d", "1w" (or a bare number of seconds); null when unreadable. */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+)\s*([smhdw]?)\s*$/i.exec(text)
  if (!match) return null
  return Number(match[1]) * (UNIT_S[(match[2] ?? '').toLowerCase() || 's'] ?? 1)
}

/**
 * UNIX seconds from "2026-06-01" (UTC midnight), an ISO date-time, a UNIX timestamp, or an age such as
 * "90d" (that long before now).
 */
export function parseInstant(text: string, nowMs: number, flag: string): number {
  const value = text.trim()
  const age = /^\d+\s*[smhdw]$/i.test(value) ? parseDuration(value) : null
  if (age !== null) return Math.floor(nowMs / 1000) - age
  if (/^\d{9,10}$/.test(value)) return Number(value)
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) {
    throw new UserError(
      `${flag} "${text}" is not a date`,
      `use a date such as 2026-06-01 (UTC), a date-time such as 2026-06-01T08:00:00Z, or an age such as 90d`,
    )
  }
  return Math.floor(ms / 1000)
}

export interface Range {
  /** Exclusive, UNIX seconds. */
  since: number
  /** Inclusive, UNIX seconds. */
  until: number
}

export function parseRange(input: { since?: string; until?: string }, nowMs: number, defaultSince: string): Range {
  const since = parseInstant(input.since ?? defaultSince, nowMs, '--since')
  const until = input.until === undefined ? Math.floor(nowMs / 1000) : parseInstant(input.until, nowMs, '--until')
  if (!(since < until)) {
    throw new UserError(`--since must be before --until`, `got since ${iso(since)} and until ${iso(until)}`)
  }
  return { since, until }
}

export const iso = (seconds: number): string => new Date(seconds * 1000).toISOString()
