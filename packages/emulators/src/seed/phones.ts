/**
 * Caller numbers for the seed world: valid numbers in several countries and the mixed ways people
 * type them into Intercom ("06 12 34 56 78", "+1 (415) 555-0100", "0044 20 7946 0018", E.164).
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import type { Rng } from '../common/prng.js'

export type CallerCountry = 'FR' | 'US' | 'GB' | 'DE' | 'ES'

const COUNTRY_WEIGHTS: Array<[CallerCountry, number]> = [
  ['FR', 0.4],
  ['US', 0.25],
  ['GB', 0.15],
  ['DE', 0.1],
  ['ES', 0.1],
]

const US_AREAS = ['415', '646', '617', '312', '206', '512']

function digits(rng: Rng, n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) s += String(rng.int(0, 9))
  return s
}

function candidate(rng: Rng, country: CallerCountry): string {
  switch (country) {
    case 'FR':
      // 06 39, 06 9x and 07 0x–07 2x are not mainland mobile ranges (the full metadata rejects them).
      return rng.chance(0.7)
        ? `+336${rng.pick(['0', '1', '2', '4', '5', '6', '7', '8'])}${digits(rng, 7)}`
        : `+337${rng.int(3, 9)}${digits(rng, 7)}`
    case 'US':
      return `+1${rng.pick(US_AREAS)}${rng.int(2, 9)}${digits(rng, 6)}`
    case 'GB':
      return rng.chance(0.5) ? `+44207${digits(rng, 7)}` : `+447400${digits(rng, 6)}`
    case 'DE':
      return `+4930${rng.int(1, 9)}${digits(rng, 7)}`
    case 'ES':
      return `+346${digits(rng, 8)}`
  }
}

export function pickCountry(rng: Rng): CallerCountry {
  let r = rng.next()
  for (const [c, w] of COUNTRY_WEIGHTS) {
    if (r < w) return c
    r -= w
  }
  return 'FR'
}

export interface CallerNumber {
  e164: string
  country: CallerCountry
}

/**
 * `count` distinct E.164 numbers. The ranges above are all valid per libphonenumber (a test checks
 * it), so no per-number validation here: it dominated the cost of 100k-call worlds.
 */
export function generateCallerNumbers(rng: Rng, count: number): CallerNumber[] {
  const out = new Map<string, CallerCountry>()
  while (out.size < count) {
    const country = pickCountry(rng)
    const e164 = candidate(rng, country)
    if (!out.has(e164)) out.set(e164, country)
  }
  return [...out].map(([e164, country]) => ({ e164, country }))
}

/** One of the ways a human would have typed this number into a CRM. */
export function mixedFormat(rng: Rng, e164: string, variant?: number): string {
  const parsed = parsePhoneNumberFromString(e164)
  if (!parsed) return e164
  const intl = parsed.formatInternational()
  const cc = parsed.countryCallingCode
  const national = parsed.nationalNumber
  const options: string[] = [e164, intl, `00${intl.slice(1)}`]
  if (parsed.country === 'FR') options.push(parsed.formatNational(), `0033${national}`)
  if (cc === '1') options.push(`+1 (${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`)
  if (parsed.country === 'GB') options.push(`00${intl.slice(1)}`)
  const i = variant === undefined ? rng.int(0, options.length - 1) : variant % options.length
  return options[i] as string
}

/** Two different written forms of the same number (for planted duplicates). */
export function twoFormats(rng: Rng, e164: string): [string, string] {
  const a = mixedFormat(rng, e164)
  for (let i = 0; i < 8; i++) {
    const b = mixedFormat(rng, e164, i)
    if (b !== a) return [a, b]
  }
  return [a, e164]
}

/** Too short to be any real number; these must be reported, never guessed. */
export const INVALID_RAW_DIGITS = ['+33 6 12', '12345', '+1 555']
