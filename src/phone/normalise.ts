import {
  ParseError,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js/max'

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

function describe(phone: PhoneNumber): ValidPhone {
  // Formats are taken from a copy without the extension so `national` and `international` are pure numbers.
  const bare = phone.ext ? parsePhoneNumberWithError(phone.number) : phone
  const result: ValidPhone = {
    kind: 'valid',
    e164: phone.number,
    national: bare.formatNational(),
    international: bare.formatInternational(),
  }
  if (phone.ext) result.extension = phone.ext
  const country = phone.country ?? bare.country
  if (country) result.country = country
  return result
}

/**
 * Classifies a phone string as a valid number (with its E.164 identity), an anonymous caller, or an invalid
 * input. Only numbers libphonenumber's full metadata calls valid are accepted: a wrong match is worse than none.
 */
export function normalisePhone(input: string, defaultCountry?: CountryCode): PhoneClassification {
  // A number written with "+" reads the same whatever the default country, so its readings share one entry.
  const key = input.trimStart().startsWith('+') ? input : `${defaultCountry ?? ''}|${input}`
  const known = memo.get(key)
  if (known) return known
  const result = Object.freeze(classify(input, defaultCountry))
  remember(key, result)
  // The E.164 form is read next (the note, the index, searches): it classifies the same, extension aside.
  if (result.kind === 'valid' && result.extension === undefined && !memo.has(result.e164)) remember(result.e164, result)
  return result
}

function remember(key: string, result: PhoneClassification): void {
  if (memo.size >= MEMO_SIZE) {
    const oldest = memo.keys().next()
    if (!oldest.done) memo.delete(oldest.value)
  }
  memo.set(key, result)
}

// libphonenumber's parse and validation cost ~0.1 ms per number, and the same caller's number is read several
// times per call (matching, summary, note) and again for every call from that caller. Results are frozen.
const MEMO_SIZE = 20_000
const memo = new Map<string, PhoneClassification>()

function classify(input: string, defaultCountry: CountryCode | undefined): PhoneClassification {
  const trimmed = input.trim()
  if (ANONYMOUS_WORDS.has(trimmed.toLowerCase().replace(/\s+/g, ' '))) return { kind: 'anonymous' }

  const first = attempt(trimmed, defaultCountry)

  // "00" is the ITU international prefix and how most of the world writes numbers, but libphonenumber only
  // reads it as such when the default country dials abroad with exactly 00. Elsewhere (US 011, JP 010) or with
  // no default it fails, and in some countries "00…" is a valid number of their own (JP 0037 freephone, KR
  // carrier prefixes 001/002). Both readings are tried; when both are valid and disagree, neither is trusted.
  const idd = /^00[\s.-]*(?=\d)/.exec(trimmed)
  if (idd) {
    const abroad = attempt(`+${trimmed.slice(idd[0].length)}`, undefined)
    if (first.ok && abroad.ok && first.phone.number !== abroad.phone.number) {
      return { kind: 'invalid', reason: 'invalid', input }
    }
    if (abroad.ok && !first.ok) return describe(abroad.phone)
  }

  if (first.ok) return describe(first.phone)
  return { kind: 'invalid', reason: first.reason, input }
}

/** The E.164 identity of a phone string, or null when it is anonymous or invalid. */
export function toE164(input: string, defaultCountry?: CountryCode): string | null {
  const result = normalisePhone(input, defaultCountry)
  return result.kind === 'valid' ? result.e164 : null
}
