import {
  getCountryCallingCode,
  ParseError,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js/max'

import { cleanPhone } from './clean.js'
import { hasItuPrefix, internationalDigits, internationalPrefixLength, nationalDigits } from './dialling.js'

export type { CountryCode }

export type InvalidPhoneReason = 'too-short' | 'too-long' | 'not-a-number' | 'invalid-country-code' | 'invalid'

export type ValidPhone = {
  kind: 'valid'
  /** Without the extension: E.164 is the identity key, an extension only routes inside a switchboard. */
  e164: string
  extension?: string
  /** Absent for non-geographic numbers (+800, +882 …). */
  country?: CountryCode
  national: string
  international: string
}

export type AnonymousPhone = { kind: 'anonymous' }

export type InvalidPhone = { kind: 'invalid'; reason: InvalidPhoneReason; input: string }

export type PhoneClassification = ValidPhone | AnonymousPhone | InvalidPhone

// Carriers and Aircall hide the caller with words, and Twilio (which Aircall runs on) with keypad spellings
// of those words (ANONYMOUS, RESTRICTED, BLOCKED, UNKNOWN). None may ever become a contact's identity.
const ANONYMOUS_WORDS = new Set([
  '',
  '+',
  'anonymous',
  'unknown',
  'private',
  'restricted',
  'withheld',
  'blocked',
  'hidden',
  'unavailable',
  'no caller id',
  '+266696687',
  '+7378742833',
  '+2562533',
  '+8656696',
])

const REASON_BY_CODE: Record<string, InvalidPhoneReason> = {
  TOO_SHORT: 'too-short',
  TOO_SHORT_AFTER_IDD: 'too-short',
  TOO_LONG: 'too-long',
  NOT_A_NUMBER: 'not-a-number',
  INVALID_COUNTRY: 'invalid-country-code',
  INVALID_LENGTH: 'invalid',
}

type Attempt = { ok: true; phone: PhoneNumber } | { ok: false; reason: InvalidPhoneReason }

function attempt(text: string, defaultCountry: CountryCode | undefined): Attempt {
  let phone: PhoneNumber
  try {
    phone = parsePhoneNumberWithError(text, defaultCountry)
  } catch (error) {
    if (error instanceof ParseError) return { ok: false, reason: REASON_BY_CODE[error.message] ?? 'invalid' }
    throw error
  }
  if (phone.isValid()) return { ok: true, phone }
  const lengthProblem = validatePhoneNumberLength(text, defaultCountry)
  return { ok: false, reason: (lengthProblem && REASON_BY_CODE[lengthProblem]) ?? 'invalid' }
}

function describe(phone: PhoneNumber, extension: string | undefined): ValidPhone {
  // Formats are taken from a copy without the extension so `national` and `international` are pure numbers.
  const bare = phone.ext ? parsePhoneNumberWithError(phone.number) : phone
  const result: ValidPhone = {
    kind: 'valid',
    e164: phone.number,
    national: bare.formatNational(),
    international: bare.formatInternational(),
  }
  const ext = extension ?? phone.ext
  if (ext) result.extension = ext
  const country = phone.country ?? bare.country
  if (country) result.country = country
  return result
}

/** One valid way to read a spelling under one country; `international` when a prefix said which country. */
export type CountryReading = { readonly phone: ValidPhone; readonly international: boolean }

/** Everything a spelling says under one country: its readings and, when there are none, why. */
export type Readout = { readonly classification: PhoneClassification; readonly readings: readonly CountryReading[] }

/**
 * Classifies a phone string as a valid number (with its E.164 identity), an anonymous caller, or an invalid
 * input. Only numbers libphonenumber's full metadata calls valid are accepted: a wrong match is worse than none.
 * A spelling with two valid readings under the country (JP 0037… freephone or +372 Estonia) is invalid.
 */
export function normalisePhone(input: string, defaultCountry?: CountryCode): PhoneClassification {
  return readPhone(input, defaultCountry).classification
}

/** The memoised readout of `input` under `country`, which `normalisePhone` and `plausibleReadings` share. */
export function readPhone(input: string, country: CountryCode | undefined): Readout {
  // A number written with "+" reads the same whatever the default country, so its readings share one entry.
  const key = input.trimStart().startsWith('+') ? input : `${country ?? ''}|${input}`
  const known = memo.get(key)
  if (known) return known
  const result = classify(input, country)
  remember(key, result)
  // The E.164 form is read next (the note, the index, searches): it classifies the same, extension aside.
  const { classification } = result
  if (classification.kind === 'valid' && classification.extension === undefined && !memo.has(classification.e164)) {
    remember(classification.e164, freeze([{ phone: classification, international: true }], classification))
  }
  return result
}

function remember(key: string, result: Readout): void {
  if (memo.size >= MEMO_SIZE) {
    const oldest = memo.keys().next()
    if (!oldest.done) memo.delete(oldest.value)
  }
  memo.set(key, result)
}

// libphonenumber's parse and validation cost ~0.1 ms per number, and the same caller's number is read several
// times per call (matching, summary, note) and again for every call from that caller. Results are frozen.
const MEMO_SIZE = 20_000
const memo = new Map<string, Readout>()

const ANONYMOUS: Readout = Object.freeze({ classification: Object.freeze({ kind: 'anonymous' }), readings: [] })

function freeze(readings: CountryReading[], classification: PhoneClassification): Readout {
  return Object.freeze({ classification: Object.freeze(classification), readings: Object.freeze(readings) })
}

function isAnonymous(text: string): boolean {
  return ANONYMOUS_WORDS.has(text.toLowerCase().replace(/\s+/g, ' '))
}

function classify(input: string, country: CountryCode | undefined): Readout {
  const trimmed = input.trim()
  if (isAnonymous(trimmed)) return ANONYMOUS
  const cleaned = cleanPhone(trimmed)
  if (cleaned.text !== trimmed && isAnonymous(cleaned.text)) return ANONYMOUS

  let read = readCleaned(cleaned.text, country, cleaned.extension)
  // A vanity word longer than the number is dialled only as far as the number goes ("1-800-MATTRESS").
  for (let drop = 1; read.readings.length === 0 && drop <= (cleaned.vanityDigits ?? 0); drop++) {
    const shorter = readCleaned(withoutLastDigits(cleaned.text, drop), country, cleaned.extension)
    if (shorter.readings.length > 0) read = shorter
  }

  const [only, ...others] = read.readings
  if (only && others.length === 0) return freeze(read.readings, only.phone)
  // Two valid readings that disagree: neither is trusted as the identity, both stay plausible.
  if (only) return freeze(read.readings, { kind: 'invalid', reason: 'invalid', input })
  return freeze([], { kind: 'invalid', reason: read.reason, input })
}

// The number inside a cleaned text: from its first "+" or digit to its last digit. Labels around it ("Mobile:",
// "(home)") are skipped; a text whose core is not plain digits and separators goes to libphonenumber whole.
const CORE = /[+\d](?:.*\d)?/
const PLAIN_CORE = /^\+?[\d\s().\-/]*$/

type Draft = { phone: ValidPhone; international: boolean }
type Read = { readings: Draft[]; reason: InvalidPhoneReason }

function readCleaned(text: string, country: CountryCode | undefined, extension: string | undefined): Read {
  const core = CORE.exec(text)?.[0]
  if (core === undefined || !PLAIN_CORE.test(core)) {
    const whole = attempt(text, country)
    if (!whole.ok) return { readings: [], reason: whole.reason }
    const international = text.includes('+') || isAbroad(whole.phone, country)
    return { readings: [{ phone: describe(whole.phone, extension), international }], reason: 'invalid' }
  }

  const digits = core.replace(/\D/g, '')
  const readings: Draft[] = []
  const add = (phone: PhoneNumber, international: boolean): void => {
    const same = readings.find((reading) => reading.phone.e164 === phone.number)
    if (!same) readings.push({ phone: describe(phone, extension), international })
    else if (international) same.international = true
  }

  if (core.startsWith('+')) {
    const abroad = attempt(`+${internationalDigits(digits)}`, undefined)
    if (abroad.ok) add(abroad.phone, true)
    return { readings, reason: abroad.ok ? 'invalid' : abroad.reason }
  }

  let reason: InvalidPhoneReason | undefined
  const prefix = country ? internationalPrefixLength(digits, country) : 0
  for (const length of prefix > 0 ? [prefix, 2] : [2]) {
    if (length === 2 && !hasItuPrefix(digits)) continue
    const abroad = attempt(`+${internationalDigits(digits.slice(length))}`, undefined)
    if (abroad.ok) add(abroad.phone, true)
    else reason ??= abroad.reason
  }

  // National digits under the country; libphonenumber also reads the country's own international prefix and
  // a country code typed without "+" ("33612345678" in France) here. Without a country, national digits say
  // nothing (a US and an Australian reader disagree), and libphonenumber's refusal is the reason.
  if (country || !hasItuPrefix(digits)) {
    const national = attempt(country ? nationalDigits(digits, country) : digits, country)
    if (national.ok) add(national.phone, isAbroad(national.phone, country))
    else reason = national.reason
  }
  return { readings, reason: reason ?? 'invalid' }
}

/** A reading under a country that landed in another country code came through an international prefix. */
function isAbroad(phone: PhoneNumber, country: CountryCode | undefined): boolean {
  return country === undefined || phone.countryCallingCode !== getCountryCallingCode(country)
}

function withoutLastDigits(text: string, count: number): string {
  let end = text.length
  for (let left = count; end > 0 && left > 0; end--)
    if (text.charCodeAt(end - 1) >= 48 && text.charCodeAt(end - 1) <= 57) left--
  return text.slice(0, end)
}

/** The E.164 identity of a phone string, or null when it is anonymous or invalid. */
export function toE164(input: string, defaultCountry?: CountryCode): string | null {
  const result = normalisePhone(input, defaultCountry)
  return result.kind === 'valid' ? result.e164 : null
}
