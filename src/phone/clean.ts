/**
 * The writing conventions around a phone number, removed before any numbering plan is consulted: Unicode
 * forms, invisible characters, `tel:` URIs, extension words, Brazil's carrier placeholder and vanity letters.
 * Country-independent and pure; what depends on a country (international and trunk prefixes) is in dialling.ts.
 */

export type CleanedPhone = {
  /**
   * ASCII digits, `+` and separators. A character no rule recognises is left in place, so the reader refuses
   * the text rather than reading the digits around it as a number nobody wrote.
   */
  text: string
  /** The digits after an extension word, `;ext=`, `#` or a dial-string pause. */
  extension?: string
  /** How many trailing digits came from vanity letters: a word may be longer than the number it spells. */
  vanityDigits?: number
}

// Codes for the characters of an already-plain spelling: digits, space, + - . ( ) /. Most stored phones and
// every Aircall raw_digits are plain, so they skip the Unicode passes and the regular expressions below.
const PLAIN = new Uint8Array(128)
for (const char of '0123456789 +-.()/') PLAIN[char.charCodeAt(0)] = 1

function isPlain(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i)
    if (code >= 128 || PLAIN[code] !== 1) return false
  }
  return true
}

// Format characters (Unicode Cf) draw nothing: bidi marks and isolates that right-to-left UIs wrap around
// numbers, zero-width spaces and joiners, the BOM, soft hyphens, word joiners.
const INVISIBLE = /\p{Cf}/gu
// Controls (tabs, newlines), every space separator (NBSP, the narrow NBSP of French typography, the
// ideographic space) and line/paragraph separators are plain spaces to a reader.
const SPACING = /[\p{Cc}\p{Zs}\p{Zl}\p{Zp}]/gu
// Every dash (Unicode Pd: hyphen, non-breaking hyphen, en and em dashes, wave dash) and the minus sign.
const DASH = /[\p{Pd}\u2212]/gu
const NON_ASCII_DIGIT = /(?![0-9])\p{Nd}/gu
const DECIMAL_DIGIT = /^\p{Nd}$/u

/**
 * The value of a Unicode decimal digit. Unicode encodes each script's digits 0–9 as one contiguous run
 * (stability policy for Numeric_Type=Decimal), so the value is the distance from the start of the run.
 */
function decimalValue(char: string): string {
  const code = char.codePointAt(0) ?? 0
  let start = code
  while (start > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start--
  return String((code - start) % 10)
}

/** RFC 3966: `tel:` number, then `;name=value` parameters. Separators in the number are visual only. */
function fromTelUri(text: string): { number: string; extension?: string; context?: string } | null {
  if (!/^tel:/i.test(text)) return null
  const [number = '', ...parameters] = text.slice(4).replace(/^\/\//, '').split(';')
  const result: { number: string; extension?: string; context?: string } = { number }
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=')
    const key = name.trim().toLowerCase()
    if (key === 'ext' && /^\d+$/.test(value.replace(/[-.()\s]/g, ''))) result.extension = value.replace(/\D/g, '')
    // A context starting with "+" is the global prefix the local number completes (§5.1.5); a domain name
    // says nothing a numbering plan can use.
    if (key === 'phone-context' && value.trim().startsWith('+')) result.context = value.trim()
  }
  return result
}

// Words that introduce an extension, in the languages contacts are typed in. Each needs digits after it and
// nothing after those digits, and must follow a space, digit or separator ("fax 12" is not "x 12").
const EXTENSION_WORDS = [
  ['extension', 'extn', 'ext', 'x', '#'], // English; "#" is how IVRs and libphonenumber write it
  ['poste'], // French (France, Belgium, Québec, Switzerland)
  ['durchwahl', 'dw', 'apparat', 'app'], // German
  ['interno', 'int', 'anexo'], // Spanish and Italian (interno, int.); Chile and Peru (anexo)
  ['ramal'], // Portuguese (Brazil)
  ['toestel', 'tst'], // Dutch
  ['wewnętrzny', 'wewn', 'wew'], // Polish
  ['anknytning', 'ankn'], // Swedish
  ['dahili'], // Turkish
  ['добавочный', 'доб'], // Russian
  ['内線', '內線'], // Japanese; traditional Chinese
  ['分机', '分機', '转', '轉'], // Chinese
  ['내선'], // Korean
].flat()
const EXTENSION = new RegExp(
  `(?:^|(?<=[\\s\\d().\\-/;,]))(?:${EXTENSION_WORDS.join('|')})\\s*[.:=]?\\s*(\\d{1,10})\\s*\\)?\\s*$`,
  'iu',
)
// A dial string's pause (",") or wait (";") before the digits a switchboard's menu takes.
const DIAL_PAUSE = /(?<=\d[\s)]*)[,;]+\s*(\d{1,10})\s*$/
const TRAILING_SEPARATORS = /[\s,;:.\-/(]+$/

// Anatel: long-distance calls are dialled 0 + carrier selection code + area code; address books write the
// carrier as a literal "xx" ("(0xx11) 3456-7890") because the caller chooses it.
const CARRIER_PLACEHOLDER = /^(\(?\s*0)\s*xx/i

// ITU-T E.161 keypad: ABC 2, DEF 3, GHI 4, JKL 5, MNO 6, PQRS 7, TUV 8, WXYZ 9.
const KEYPAD = '22233344455566677778889999'
// Vanity numbers are printed in capitals after a dialling prefix ("1-800-FLOWERS", "0800 FLOWERS"). Lowercase
// words and words before the digits are labels ("Mobile: 06 …", "(home)"), which the reader skips.
const VANITY = /^\+?[\s./-]*\d[\s./-]*\d[\d\s./-]*[A-Z][A-Z\d\s.-]*$/

function fromVanity(text: string): { text: string; vanityDigits: number } {
  let out = ''
  let trailing = 0
  for (const char of text) {
    const code = char.charCodeAt(0)
    if (code >= 65 && code <= 90) {
      out += KEYPAD[code - 65] ?? ''
      trailing++
    } else {
      if (code >= 48 && code <= 57) trailing = 0
      out += char
    }
  }
  return { text: out, vanityDigits: trailing }
}

/** Removes everything around the number that is a writing convention rather than a digit to dial. */
export function cleanPhone(raw: string): CleanedPhone {
  if (isPlain(raw)) return { text: raw.trim() }

  let text = raw
    .normalize('NFKC') // full-width digits, "＋", "（", compatibility forms → ASCII
    .replace(INVISIBLE, '')
    .replace(SPACING, ' ')
    .replace(DASH, '-')
    .replace(NON_ASCII_DIGIT, decimalValue)
    .trim()
  let extension: string | undefined

  const tel = fromTelUri(text)
  if (tel) {
    text = tel.context ? `${tel.context} ${tel.number.trim()}` : tel.number.trim()
    extension = tel.extension
  }

  text = text.replace(CARRIER_PLACEHOLDER, '$1')

  if (extension === undefined) {
    const found = EXTENSION.exec(text) ?? DIAL_PAUSE.exec(text)
    if (found?.[1] !== undefined) {
      extension = found[1]
      text = text.slice(0, found.index).replace(TRAILING_SEPARATORS, '')
    }
  }

  const result: CleanedPhone = { text }
  if (VANITY.test(text)) {
    const vanity = fromVanity(text)
    result.text = vanity.text
    if (vanity.vanityDigits > 0) result.vanityDigits = vanity.vanityDigits
  }
  if (extension !== undefined) result.extension = extension
  return result
}
