import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cleanPhone, type CleanedPhone } from '../../src/phone/index.js'

type Rule = [rule: string, raw: string, cleaned: CleanedPhone, source: string]

const rules: Rule[] = [
  // Plain spellings are returned as they are (trimmed): the fast path.
  ['plain international', '+1 617-555-0123', { text: '+1 617-555-0123' }, 'Aircall raw_digits (aircall-api.md §4)'],
  ['plain, padded', '  06 12 34 56 78  ', { text: '06 12 34 56 78' }, 'ITU-T E.123 (grouping by spaces)'],
  [
    '(0) is left to the reader',
    '+44 (0)20 7946 0123',
    { text: '+44 (0)20 7946 0123' },
    'ITU-T E.123 (trunk prefix not part of the international number)',
  ],

  // Unicode forms → ASCII.
  ['full-width digits', '０６ １２ ３４ ５６ ７８', { text: '06 12 34 56 78' }, 'Unicode NFKC (UAX #15)'],
  ['full-width plus', '＋３３ ６ １２', { text: '+33 6 12' }, 'Unicode NFKC (UAX #15)'],
  ['mathematical digits', '𝟎𝟔 𝟏𝟐', { text: '06 12' }, 'Unicode NFKC (UAX #15)'],
  ['Arabic-Indic digits', '٠٥٠١٢٣٤٥٦٧', { text: '0501234567' }, 'Unicode Nd, U+0660–0669'],
  ['Extended Arabic-Indic digits', '۰۵۰ ۱۲۳', { text: '050 123' }, 'Unicode Nd, U+06F0–06F9'],
  ['Devanagari digits', '९८७६५ ४३२१०', { text: '98765 43210' }, 'Unicode Nd, U+0966–096F'],
  ['Bengali digits', '০১২', { text: '012' }, 'Unicode Nd, U+09E6–09EF'],
  ['Thai digits', '๐๒ ๑๒๓', { text: '02 123' }, 'Unicode Nd, U+0E50–0E59'],

  // Invisible characters and spacing.
  ['left-to-right / right-to-left marks', '\u200e+33 6\u200f', { text: '+33 6' }, 'Unicode Cf (UAX #9 bidi marks)'],
  ['bidi isolates', '\u2066+33 6\u2069', { text: '+33 6' }, 'Unicode Cf (UAX #9 isolates)'],
  ['bidi embedding', '\u202a+1 617\u202c', { text: '+1 617' }, 'Unicode Cf (UAX #9 embeddings)'],
  ['zero-width space', '06\u200b12', { text: '0612' }, 'Unicode Cf, U+200B'],
  ['byte order mark', '\ufeff06 12', { text: '06 12' }, 'Unicode Cf, U+FEFF'],
  ['soft hyphen', '06\u00ad12', { text: '0612' }, 'Unicode Cf, U+00AD'],
  ['no-break space', '06\u00a012', { text: '06 12' }, 'Unicode Zs, U+00A0'],
  ['narrow no-break space', '06\u202f12', { text: '06 12' }, 'Unicode Zs, U+202F (French typography)'],
  ['tab and newline', '06\t12\n34', { text: '06 12 34' }, 'Unicode Cc'],
  ['dashes and minus', '06‐12‑34–56—78−90', { text: '06-12-34-56-78-90' }, 'Unicode Pd and U+2212'],

  // tel: URIs.
  ['tel URI', 'tel:+1-617-555-0123', { text: '+1-617-555-0123' }, 'RFC 3966 §3'],
  ['tel URI, any case', 'TEL:+33612345678', { text: '+33612345678' }, 'RFC 3966 §3 (scheme is case-insensitive)'],
  ['tel URI, stray //', 'tel://+33612345678', { text: '+33612345678' }, 'RFC 3966 §3 (common misspelling)'],
  ['tel ext parameter', 'tel:+1-617-555-0123;ext=42', { text: '+1-617-555-0123', extension: '42' }, 'RFC 3966 §5.3'],
  [
    'tel global phone-context',
    'tel:0612345678;phone-context=+33',
    { text: '+33 0612345678' },
    'RFC 3966 §5.1.5 (global number digits prefix)',
  ],
  ['tel domain phone-context', 'tel:7042;phone-context=example.com', { text: '7042' }, 'RFC 3966 §5.1.5 (domain)'],

  // Brazil's carrier placeholder.
  [
    '0xx carrier placeholder',
    '(0xx11) 3456-7890',
    { text: '(011) 3456-7890' },
    'Anatel, Regulamento de Numeração (CSP)',
  ],
  ['0XX carrier placeholder', '0XX11 3456-7890', { text: '011 3456-7890' }, 'Anatel, Regulamento de Numeração (CSP)'],

  // Vanity letters.
  ['vanity', '1-800-FLOWERS', { text: '1-800-3569377', vanityDigits: 7 }, 'ITU-T E.161 keypad'],
  ['vanity, Q and Z', '1-800-QUIZ', { text: '1-800-7849', vanityDigits: 4 }, 'ITU-T E.161 (Q on 7, Z on 9)'],
  ['vanity, letters between digits', '1-800-GO-FEDEX', { text: '1-800-46-33339', vanityDigits: 7 }, 'ITU-T E.161'],
  ['vanity longer than the number', '1-800-MATTRESS', { text: '1-800-62887377', vanityDigits: 8 }, 'ITU-T E.161'],
  ['lowercase words are labels', '06 12 (home)', { text: '06 12 (home)' }, 'not E.161: a label'],
  ['words before the digits are labels', 'MOBILE 06 12', { text: 'MOBILE 06 12' }, 'not E.161: a label'],

  // Extensions.
  ['ext', '617 ext 42', { text: '617', extension: '42' }, 'English'],
  ['ext.', '617 ext. 42', { text: '617', extension: '42' }, 'English'],
  ['ext run on', '617 ext42', { text: '617', extension: '42' }, 'English'],
  ['extn', '617 extn 42', { text: '617', extension: '42' }, 'English'],
  ['extension', '617 extension 42', { text: '617', extension: '42' }, 'English'],
  ['x', '617 x42', { text: '617', extension: '42' }, 'English (NANP usage)'],
  ['#', '617 #42', { text: '617', extension: '42' }, 'IVR convention'],
  [';ext= without tel:', '617;ext=42', { text: '617', extension: '42' }, 'RFC 3966 §5.3 (ext parameter)'],
  ['in parentheses', '617 (ext. 42)', { text: '617', extension: '42' }, 'English'],
  ['poste', '617 poste 42', { text: '617', extension: '42' }, 'French (France, Belgium, Québec)'],
  ['Durchwahl', '617 Durchwahl 42', { text: '617', extension: '42' }, 'German'],
  ['DW', '617 DW 42', { text: '617', extension: '42' }, 'German (Durchwahl)'],
  ['App.', '617 App. 42', { text: '617', extension: '42' }, 'German (Apparat)'],
  ['int.', '617 int. 42', { text: '617', extension: '42' }, 'Italian / Spanish (interno)'],
  ['interno', '617 interno 42', { text: '617', extension: '42' }, 'Italian / Spanish (Argentina)'],
  ['anexo', '617 anexo 42', { text: '617', extension: '42' }, 'Spanish (Chile, Peru)'],
  ['ramal', '617 ramal 42', { text: '617', extension: '42' }, 'Portuguese (Brazil)'],
  ['toestel', '617 toestel 42', { text: '617', extension: '42' }, 'Dutch'],
  ['tst.', '617 tst. 42', { text: '617', extension: '42' }, 'Dutch (toestel)'],
  ['wewn.', '617 wewn. 42', { text: '617', extension: '42' }, 'Polish (wewnętrzny)'],
  ['ankn.', '617 ankn. 42', { text: '617', extension: '42' }, 'Swedish (anknytning)'],
  ['dahili', '617 dahili 42', { text: '617', extension: '42' }, 'Turkish'],
  ['доб.', '617 доб. 42', { text: '617', extension: '42' }, 'Russian (добавочный)'],
  ['内線', '617 内線 42', { text: '617', extension: '42' }, 'Japanese'],
  ['內線', '617 內線42', { text: '617', extension: '42' }, 'Chinese (traditional)'],
  ['分机', '617 分机 42', { text: '617', extension: '42' }, 'Chinese (simplified)'],
  ['转', '617 转 42', { text: '617', extension: '42' }, 'Chinese'],
  ['내선', '617 내선 42', { text: '617', extension: '42' }, 'Korean'],
  ['full-width ext', '617 ｅｘｔ．４２', { text: '617', extension: '42' }, 'Unicode NFKC, then English'],
  [
    'dial-string pause',
    '617,,42',
    { text: '617', extension: '42' },
    'Android PhoneNumberUtils dial strings (PAUSE ",")',
  ],
  ['dial-string wait', '617;42', { text: '617', extension: '42' }, 'Android PhoneNumberUtils dial strings (WAIT ";")'],
  ['a word ending in x is no extension', 'fax 42', { text: 'fax 42' }, 'English'],
  ['an extension word needs digits', '617 ext', { text: '617 ext' }, 'English'],
]

describe('cleanPhone', () => {
  it.each(rules)('%s: %j', (_, raw, cleaned) => {
    expect(cleanPhone(raw)).toEqual(cleaned)
  })

  it('returns plain ASCII spellings untouched apart from trimming', () => {
    for (const raw of ['+16175550123', '(617) 555-0123', '030/901820', '06.12.34.56.78']) {
      expect(cleanPhone(raw)).toEqual({ text: raw })
    }
  })

  // Zeros of every decimal-digit script (Unicode Nd), each the first of ten consecutive code points.
  const zeros = [0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xe50, 0xed0]
  const scripts = zeros.concat([0xf20, 0x1040, 0x17e0, 0x1810, 0xff10, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6])

  it('reads the digits of every Unicode script as ASCII', () => {
    fc.assert(
      fc.property(fc.constantFrom(...scripts), fc.stringMatching(/^[0-9]{1,15}$/), (zero, digits) => {
        const written = [...digits].map((digit) => String.fromCodePoint(zero + Number(digit))).join('')
        expect(cleanPhone(written).text).toBe(digits)
      }),
      { numRuns: 500 },
    )
  })

  it('never throws and leaves no invisible character', () => {
    fc.assert(
      fc.property(fc.fullUnicodeString({ maxLength: 30 }), (raw) => {
        expect(cleanPhone(raw).text).not.toMatch(/\p{Cf}/u)
      }),
      { numRuns: 2000 },
    )
  })
})
