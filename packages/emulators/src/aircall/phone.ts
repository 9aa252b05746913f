/**
 * Phone formatting the way Aircall shows numbers (`raw_digits`, `number.digits`): international with
 * spaces, and dashes for NANP ("+1 617-610-5413"). Matching normalises both sides to E.164 first.
 * Results are cached because listing 100k calls would otherwise re-parse the same few thousand numbers.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js'

const formatCache = new Map<string, string>()
const e164Cache = new Map<string, string | null>()

/** E.164 → Aircall display form. Unparseable input is returned unchanged (Aircall shows what it got). */
export function formatAircallDigits(e164: string): string {
  const cached = formatCache.get(e164)
  if (cached !== undefined) return cached
  const parsed = parsePhoneNumberFromString(e164)
  let out = e164
  if (parsed) {
    out = parsed.formatInternational()
    if (parsed.countryCallingCode === '1') {
      const n = parsed.nationalNumber
      if (n.length === 10) out = `+1 ${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`
    }
  }
  formatCache.set(e164, out)
  return out
}

/**
 * Any written form → E.164, or null. Without a leading "+" or "00" there is no safe country to assume,
 * so only international forms normalise; that mirrors how the API treats `phone_number` filters.
 */
export function toE164(input: string): string | null {
  const cached = e164Cache.get(input)
  if (cached !== undefined) return cached
  let s = input.trim().replace(/[\s().-]/g, '')
  if (s.startsWith('00')) s = `+${s.slice(2)}`
  let out: string | null = null
  if (s.startsWith('+')) {
    const parsed = parsePhoneNumberFromString(s)
    out = parsed && parsed.isPossible() ? parsed.number : null
  }
  if (e164Cache.size > 200_000) e164Cache.clear()
  e164Cache.set(input, out)
  return out
}

export function countryOf(e164: string): string | null {
  const parsed = parsePhoneNumberFromString(e164)
  return parsed?.country ?? null
}
