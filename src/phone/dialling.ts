import { Metadata, type CountryCode } from 'libphonenumber-js/max'

/**
 * Dialling rules that depend on the country a number was typed in, applied to the digits of a cleaned
 * spelling: which prefix leaves the country, and the legacy prefixes a plan has retired but people still store.
 */

const metadata = new Metadata()
const iddByCountry = new Map<CountryCode, RegExp | null>()

/** The country's own international prefix (NANP 011, AU 0011, JP 010, RU 8~10, BR 00 + carrier …), anchored. */
function iddPattern(country: CountryCode): RegExp | null {
  let pattern = iddByCountry.get(country)
  if (pattern === undefined) {
    metadata.selectNumberingPlan(country)
    const idd = metadata.numberingPlan?.IDDPrefix()
    pattern = idd ? new RegExp(`^(?:${idd})`) : null
    iddByCountry.set(country, pattern)
  }
  return pattern
}

/**
 * How many leading digits are the country's international prefix, or 0. Digits after the prefix must remain:
 * a bare "011" is Sapporo's area code in Japan and nothing in the US.
 */
export function internationalPrefixLength(digits: string, country: CountryCode): number {
  const match = iddPattern(country)?.exec(digits)
  return match && match[0].length < digits.length ? match[0].length : 0
}

/** "00" is the international prefix ITU-T recommends (E.164) and most countries use; people write it everywhere. */
export function hasItuPrefix(digits: string): boolean {
  return digits.length > 2 && digits.startsWith('00')
}

const MEXICO_MOBILE_ABROAD = /^521\d{10}$/

/**
 * Digits after "+" (or an international prefix) as today's number. Mexico dialled its mobiles from abroad as
 * +52 1 + 10 digits until IFT's 2019 switch to 10-digit dialling (no number starts with 1 since); phones,
 * carriers and Aircall still send it. It is the same subscriber, so it maps, rather than failing as too long.
 */
export function internationalDigits(digits: string): string {
  return MEXICO_MOBILE_ABROAD.test(digits) ? `52${digits.slice(3)}` : digits
}

const MEXICO_MOBILE_LOCAL = /^04[45]\d{10}$/
const MEXICO_LONG_DISTANCE = /^01\d{10}$/
const MEXICO_MOBILE_ONE = /^1\d{10}$/

/**
 * National digits as today's plan reads them. Mexico (IFT, Plan Técnico Fundamental de Numeración, 10-digit
 * dialling from 3 August 2019) retired 044 (local mobile), 045 (long-distance mobile) and 01 (long distance)
 * before the 10 digits, and the mobile "1" written without +52: contacts keep all of them.
 */
export function nationalDigits(digits: string, country: CountryCode): string {
  if (country !== 'MX') return digits
  if (MEXICO_MOBILE_LOCAL.test(digits)) return digits.slice(3)
  if (MEXICO_LONG_DISTANCE.test(digits)) return digits.slice(2)
  if (MEXICO_MOBILE_ONE.test(digits)) return digits.slice(1)
  if (MEXICO_MOBILE_ABROAD.test(digits)) return internationalDigits(digits)
  return digits
}
