/**
 * TEMPORARY: stands in for `plausibleReadings` and `nationalSpellings` from src/phone until they land there, with
 * the signature agreed for them. Deleted once src/phone exports them.
 */
import { parsePhoneNumberWithError } from 'libphonenumber-js/max'

import { describePhoneVariants, normalisePhone, type CountryCode } from '../phone/index.js'

export type ReadingDerivation = 'international' | 'contact-country' | 'caller-country' | 'default-country'

export interface PlausibleReading {
  e164: string
  country: CountryCode
  derivation: ReadingDerivation
}

const INTERNATIONAL = /^\s*(\+|00|011)/

export function plausibleReadings(
  raw: string,
  countries: { own?: CountryCode; contact?: CountryCode; default?: CountryCode },
): PlausibleReading[] {
  if (INTERNATIONAL.test(raw)) {
    const phone = normalisePhone(raw.trim().replace(/^011/, '+'))
    return phone.kind === 'valid' && phone.country
      ? [{ e164: phone.e164, country: phone.country, derivation: 'international' }]
      : []
  }
  const readings: PlausibleReading[] = []
  const tries: Array<[CountryCode | undefined, ReadingDerivation]> = [
    [countries.own, 'caller-country'],
    [countries.contact, 'contact-country'],
    [countries.default, 'default-country'],
  ]
  for (const [country, derivation] of tries) {
    if (!country) continue
    const phone = normalisePhone(raw, country)
    if (phone.kind !== 'valid' || readings.some((r) => r.e164 === phone.e164)) continue
    readings.push({ e164: phone.e164, country: phone.country ?? country, derivation })
  }
  return readings
}

export function nationalSpellings(e164: string): string[] {
  const variants = describePhoneVariants(e164).filter((v) => v.format === 'national' || v.format === 'national-digits')
  const spellings = variants.map((v) => v.value)
  try {
    const nsn = parsePhoneNumberWithError(e164).nationalNumber
    spellings.push(nsn)
  } catch {
    // not a number: no spellings
  }
  return [...new Set(spellings)]
}
