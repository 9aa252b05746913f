import { normalisePhone, type CountryCode } from '../phone/normalise.js'
import type { CallRecord } from '../domain/call-record.js'

export type Scalar = string | number | boolean

/** Tag and team names are compared the way Intercom and Aircall treat them: case- and edge-space-insensitively. */
export function sameName(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase()
}

export function includesName(haystack: readonly string[], needle: string): boolean {
  return haystack.some((entry) => sameName(entry, needle))
}

export function intersectsNames(haystack: readonly string[], needles: readonly string[]): boolean {
  return needles.some((needle) => includesName(haystack, needle))
}

/**
 * A configured value against a contact attribute. Config files are YAML/JSON typed by hand, so "gold" matches
 * "Gold", 3 matches "3" and true matches "true"; null and undefined match nothing.
 */
export function valueMatches(actual: unknown, expected: Scalar): boolean {
  if (actual === null || actual === undefined) return false
  if (typeof actual === 'string' && typeof expected === 'string') return sameName(actual, expected)
  if (typeof actual === typeof expected) return actual === expected
  if (typeof actual === 'string' || typeof actual === 'number' || typeof actual === 'boolean') {
    return sameName(String(actual), String(expected))
  }
  return false
}

export function valueIn(actual: unknown, list: readonly Scalar[]): boolean {
  return list.some((expected) => valueMatches(actual, expected))
}

export function isAnonymousCaller(call: CallRecord): boolean {
  return normalisePhone(call.rawDigits).kind === 'anonymous'
}

/** The caller's country from their number, read with the line's country for national formats, else the line's. */
export function callerCountry(call: CallRecord): string | null {
  const lineCountry = call.line.country && /^[A-Z]{2}$/.test(call.line.country) ? call.line.country : null
  const phone = normalisePhone(call.rawDigits, (lineCountry ?? undefined) as CountryCode | undefined)
  if (phone.kind === 'valid' && phone.country) return phone.country
  return lineCountry
}
