import { getCountries, isSupportedCountry } from 'libphonenumber-js'

import type { IntercomContact } from '../intercom/schemas.js'
import { cleanPhone, normalisePhone, plausibleReadings, type CountryCode } from '../phone/index.js'
import type { ContactReading, IndexedContact, StoredDerivation } from '../store/state-store.js'
import type { ContactCandidate } from './tie-break.js'

/** A configured ISO code libphonenumber knows, or undefined (the schema only checks the shape). */
export function countryOf(code: string | null | undefined): CountryCode | undefined {
  return code && isSupportedCountry(code) ? code : undefined
}

const fold = (name: string): string =>
  name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '')

// Intercom's location names come from IP geolocation, not from CLDR: the older or everyday names it may send.
const NAME_ALIASES: Record<string, CountryCode> = {
  usa: 'US',
  unitedstatesofamerica: 'US',
  uk: 'GB',
  greatbritain: 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  northernireland: 'GB',
  czechrepublic: 'CZ',
  republicofkorea: 'KR',
  korearepublicof: 'KR',
  korea: 'KR',
  ivorycoast: 'CI',
  macedonia: 'MK',
  hongkong: 'HK',
  macau: 'MO',
  macao: 'MO',
  turkey: 'TR',
  myanmar: 'MM',
  burma: 'MM',
  swaziland: 'SZ',
  russianfederation: 'RU',
  vietnam: 'VN',
  vietnamsocialistrepublicof: 'VN',
  democraticrepublicofthecongo: 'CD',
  republicofthecongo: 'CG',
  thenetherlands: 'NL',
  holland: 'NL',
  palestine: 'PS',
  capeverde: 'CV',
}

let countriesByName: Map<string, CountryCode> | null = null

function countryByName(name: string): CountryCode | undefined {
  if (!countriesByName) {
    countriesByName = new Map(Object.entries(NAME_ALIASES))
    const names = new Intl.DisplayNames(['en'], { type: 'region' })
    for (const code of getCountries()) {
      const display = names.of(code)
      if (display) countriesByName.set(fold(display), code)
    }
  }
  return countriesByName.get(fold(name))
}

/**
 * The ISO country of the contact's Intercom `location` (2.16 documents `location.country` as a name, "Ireland";
 * an ISO code is taken as such). Undefined when Intercom does not know where the contact is.
 */
export function locationCountryOf(contact: IntercomContact): CountryCode | undefined {
  const location: unknown = contact.location
  if (typeof location !== 'object' || location === null) return undefined
  const { country, country_code: code } = location as { country?: unknown; country_code?: unknown }
  if (typeof code === 'string' && countryOf(code.toUpperCase())) return code.toUpperCase() as CountryCode
  if (typeof country !== 'string' || country.trim() === '') return undefined
  return countryOf(country.trim().toUpperCase()) ?? countryByName(country)
}

const RANK: Record<StoredDerivation, number> = { international: 0, 'contact-country': 1, 'default-country': 2 }

/**
 * Every plausible reading of a phone typed into Intercom, strongest first: as spelled when it carries its own
 * country code, else under the contact's location country and under the workspace default. Intercom's
 * `formatted_phone` (2.16) only stands in when we read nothing: it is Intercom's own reading of a national
 * spelling, made with a country it does not tell.
 */
export function storedReadings(
  raw: string | null | undefined,
  formatted: string | null | undefined,
  contactCountry: CountryCode | undefined,
  defaultCountry: CountryCode | undefined,
): ContactReading[] {
  const readings: ContactReading[] = []
  if (raw && raw.trim() !== '') {
    for (const reading of plausibleReadings(raw, { contact: contactCountry, default: defaultCountry })) {
      // A caller's country is no property of the contact: it is applied at lookup, never stored.
      if (reading.derivation === 'caller-country') continue
      if (!readings.some((known) => known.e164 === reading.e164)) {
        readings.push({ e164: reading.e164, derivation: reading.derivation })
      }
    }
  }
  if (readings.length === 0 && formatted && formatted.trim() !== '') {
    const theirs = normalisePhone(formatted)
    if (theirs.kind === 'valid') readings.push({ e164: theirs.e164, derivation: 'default-country' })
  }
  return readings.sort((a, b) => RANK[a.derivation] - RANK[b.derivation])
}

/** How many trailing digits find a stored phone for a caller: few collide among a million numbers. */
export const TAIL_DIGITS = 7

/** The tail a caller's number is looked up by. */
export function tailOfE164(e164: string): string | null {
  const digits = e164.replace(/\D/g, '')
  return digits.length >= TAIL_DIGITS ? digits.slice(-TAIL_DIGITS) : null
}

/**
 * The tail of a stored phone: from its own number when it is spelled internationally, else from the digits
 * src/phone's cleaning leaves (Unicode digits, vanity letters and extension words done) rather than from a
 * national reading, which may have cut them ("1-800-FLOWERS" read as a French number): so a spelling the
 * default country reads wrongly or not at all (a Spanish number in a US workspace) is still found for a caller
 * of its own country, and read under that country.
 */
export function storedPhoneTail(raw: string | null | undefined, readings: readonly ContactReading[]): string | null {
  const own = readings.find((reading) => reading.derivation === 'international')
  if (own) return tailOfE164(own.e164)
  if (!raw) return null
  const cleaned = cleanPhone(raw)
  let digits = cleaned.text.replace(/\D/g, '')
  // A vanity word may spell past its number ("1-800-MATTRESS"): a NANP number is 11 digits with its 1.
  if (cleaned.vanityDigits && digits.startsWith('1') && digits.length > 11) digits = digits.slice(0, 11)
  return digits.length >= TAIL_DIGITS ? digits.slice(-TAIL_DIGITS) : null
}

/** The E.164 identity of a phone a person typed into Intercom: its strongest reading. */
export function storedPhoneE164(
  raw: string | null | undefined,
  formatted: string | null | undefined,
  defaultCountry: CountryCode | undefined,
  contactCountry?: CountryCode,
): string | null {
  return storedReadings(raw, formatted, contactCountry, defaultCountry)[0]?.e164 ?? null
}

export function roleOf(role: string): 'user' | 'lead' {
  return role === 'user' ? 'user' : 'lead'
}

/**
 * An Intercom contact as the local index keeps it: under the readings of its own phone, never under the number
 * of a caller it was matched to.
 */
export function indexEntryOf(
  contact: IntercomContact,
  origin: IndexedContact['origin'],
  defaultCountry: CountryCode | undefined,
  indexedAt: number,
): IndexedContact {
  const createdAt = contact.created_at ?? Math.floor(indexedAt / 1000)
  const country = locationCountryOf(contact)
  const readings = storedReadings(contact.phone, contact.formatted_phone, country, defaultCountry)
  return {
    contactId: contact.id,
    role: roleOf(contact.role),
    name: contact.name ?? null,
    email: contact.email ? contact.email.trim().toLowerCase() : null,
    emailRaw: contact.email ?? null,
    phoneRaw: contact.phone ?? null,
    phoneE164: readings[0]?.e164 ?? null,
    readings,
    country: country ?? null,
    phoneTail: storedPhoneTail(contact.phone, readings),
    createdAt,
    updatedAt: contact.updated_at ?? createdAt,
    lastSeenAt: contact.last_seen_at ?? null,
    origin,
    indexedAt,
  }
}

export function candidateOf(entry: IndexedContact): ContactCandidate {
  return {
    id: entry.contactId,
    role: entry.role,
    email: entry.emailRaw ?? entry.email,
    phone: entry.phoneRaw,
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
    lastSeenAt: entry.lastSeenAt,
  }
}
