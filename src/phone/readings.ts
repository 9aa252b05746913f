import type { CountryCode } from 'libphonenumber-js/max'

import { readPhone } from './normalise.js'

/**
 * Why a stored phone is read as a number: its own prefix ("+", "00", the country's international prefix)
 * said so, or a national spelling was read under the contact's country, the caller's, or the workspace default.
 */
export type ReadingDerivation = 'international' | 'contact-country' | 'caller-country' | 'default-country'

export type PlausibleReading = {
  e164: string
  /** Absent for non-geographic numbers (+800, +882 …). */
  country?: CountryCode
  derivation: ReadingDerivation
}

export type ReadingCountries = {
  /** The caller's country (from the caller's E.164), when reading a stored phone to compare with a caller. */
  own?: CountryCode
  /** The contact's own country (Intercom's `location.country`). */
  contact?: CountryCode
  /** The workspace's configured default country. */
  default?: CountryCode
}

// Most informative first: a prefix the writer typed beats any country we assume, and the contact's own country
// beats the caller's, which beats a workspace-wide default.
const PRECEDENCE: Record<ReadingDerivation, number> = {
  international: 0,
  'contact-country': 1,
  'caller-country': 2,
  'default-country': 3,
}

/**
 * Every number a stored phone can plausibly be, each with how it was derived. A spelling with "+" has one
 * reading; one with an international prefix ("00", or "011" under a NANP country) reads as its own number, and
 * also as a national number only where a given country's plan makes it one too (Japan's 0037 freephone). A
 * national spelling has one reading per given country where it is valid. Deduplicated by E.164, keeping the
 * most informative derivation; ordered by it. Anonymous and unreadable spellings have none.
 */
export function plausibleReadings(raw: string, countries: ReadingCountries): PlausibleReading[] {
  const readers: Array<[CountryCode | undefined, ReadingDerivation]> = []
  if (raw.trimStart().startsWith('+')) readers.push([undefined, 'international'])
  else {
    if (countries.contact) readers.push([countries.contact, 'contact-country'])
    if (countries.own) readers.push([countries.own, 'caller-country'])
    if (countries.default) readers.push([countries.default, 'default-country'])
    if (readers.length === 0) readers.push([undefined, 'international'])
  }

  const found = new Map<string, PlausibleReading>()
  const read = new Set<CountryCode | undefined>()
  for (const [country, derivation] of readers) {
    if (read.has(country)) continue
    read.add(country)
    for (const { phone, international } of readPhone(raw, country).readings) {
      const reading: PlausibleReading = { e164: phone.e164, derivation: international ? 'international' : derivation }
      if (phone.country) reading.country = phone.country
      const known = found.get(phone.e164)
      if (!known || PRECEDENCE[reading.derivation] < PRECEDENCE[known.derivation]) found.set(phone.e164, reading)
    }
  }
  return [...found.values()].sort((a, b) => PRECEDENCE[a.derivation] - PRECEDENCE[b.derivation])
}
