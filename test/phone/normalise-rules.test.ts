import { describe, expect, it } from 'vitest'
import { normalisePhone, type CountryCode } from '../../src/phone/index.js'

type Rule = [
  rule: string,
  raw: string,
  country: CountryCode | undefined,
  e164: string | null,
  extension: string | undefined,
  source: string,
]

// Every normalisation rule, end to end: the spelling, the country it is read in, and what it must become.
const rules: Rule[] = [
  // International prefixes.
  ['"+" needs no country', '+33 1 99 00 12 34', undefined, '+33199001234', undefined, 'ITU-T E.123'],
  ['"+" ignores the country', '+33 1 99 00 12 34', 'US', '+33199001234', undefined, 'ITU-T E.123'],
  ['"00" with no country', '0033 1 99 00 12 34', undefined, '+33199001234', undefined, 'ITU-T E.164 (00)'],
  ['"00" from a NANP country', '0033 1 99 00 12 34', 'US', '+33199001234', undefined, 'ITU-T E.164 (00)'],
  ['"011" from the US', '011 33 1 99 00 12 34', 'US', '+33199001234', undefined, 'NANPA (011)'],
  ['"011" from Canada', '011 44 20 7946 0123', 'CA', '+442079460123', undefined, 'NANPA (011)'],
  ['"011" from Jamaica (NANP)', '011 44 20 7946 0123', 'JM', '+442079460123', undefined, 'NANPA (011)'],
  ['"011" is Sapporo in Japan', '011-222-3333', 'JP', '+81112223333', undefined, 'MIC Japan (011 area code)'],
  ['"011" is Buenos Aires', '011 3456-7890', 'AR', '+541134567890', undefined, 'ENACOM (0 + 11)'],
  ['"011" means nothing alone', '011 44 20 7946 0123', undefined, null, undefined, 'NANPA: 011 only from NANP'],
  ['"0011" from Australia', '0011 61 2 5550 1234', 'AU', '+61255501234', undefined, 'ACMA (0011)'],
  ['"010" from Japan', '010 81 3 1234 5678', 'JP', '+81312345678', undefined, 'MIC Japan (010)'],
  ['"8~10" from Russia', '8 10 33 1 99 00 12 34', 'RU', '+33199001234', undefined, 'Rossvyaz (8~10)'],
  ['"00 + carrier" from Brazil', '00 21 1 617 555 0123', 'BR', '+16175550123', undefined, 'Anatel (00 + CSP)'],
  ['country code without "+"', '33612345678', 'FR', '+33612345678', undefined, 'ARCEP (33 + NSN)'],
  ['"(+34)"', '(+34) 91 123 45 67', 'ES', '+34911234567', undefined, 'CNMC'],

  // "(0)" and trunk prefixes.
  ['(0) after +44', '+44 (0)20 7946 0123', undefined, '+442079460123', undefined, 'ITU-T E.123; Ofcom'],
  ['(0) spaced', '+49 (0) 30 901820', undefined, '+4930901820', undefined, 'ITU-T E.123; BNetzA'],
  ['(0) after 00', '00 33 (0)6 12 34 56 78', 'DE', '+33612345678', undefined, 'ITU-T E.123; ARCEP'],
  ['trunk 0 typed after +33', '+33 06 12 34 56 78', undefined, '+33612345678', undefined, 'ARCEP'],
  ['(0) is part of an Italian number', '+39 (0)6 4567 8901', undefined, '+390645678901', undefined, 'AGCOM'],
  ['trunk 0', '020 7946 0123', 'GB', '+442079460123', undefined, 'Ofcom'],
  ['trunk 0 left out', '6 12 34 56 78', 'FR', '+33612345678', undefined, 'ARCEP'],
  ['NANP toll prefix 1', '1-617-555-0123', 'US', '+16175550123', undefined, 'NANPA'],
  ['Russian trunk 8', '8 (495) 123-45-67', 'RU', '+74951234567', undefined, 'Rossvyaz'],
  ['Argentine 0 + area + 15', '011 15-2345-6789', 'AR', '+5491123456789', undefined, 'ENACOM'],

  // Mexico.
  ['+52 1 (Aircall)', '+52 1 55 1234 5678', undefined, '+525512345678', undefined, 'IFT 2019 (mobile 1 retired)'],
  ['+521 in E.164 form', '+5215512345678', 'US', '+525512345678', undefined, 'IFT 2019'],
  ['00 52 1', '00 52 1 998 123 4567', 'FR', '+529981234567', undefined, 'IFT 2019'],
  ['011 52 1', '011 52 1 33 1234 5678', 'US', '+523312345678', undefined, 'IFT 2019; NANPA'],
  ['044 local mobile', '044 55 1234 5678', 'MX', '+525512345678', undefined, 'IFT 2019 (044 retired)'],
  ['045 long-distance mobile', '045 81 1234 5678', 'MX', '+528112345678', undefined, 'IFT 2019 (045 retired)'],
  ['01 long distance', '01 (55) 1234-5678', 'MX', '+525512345678', undefined, 'IFT 2019 (01 retired)'],
  ['52 1 without "+"', '52 1 55 1234 5678', 'MX', '+525512345678', undefined, 'IFT 2019'],
  ['mobile 1 without 52', '1 55 1234 5678', 'MX', '+525512345678', undefined, 'IFT 2019'],
  ['044 means nothing in the US', '044 55 1234 5678', 'US', null, undefined, 'NANPA'],
  ['+52 1 with nine digits', '+52 1 55 1234 567', undefined, null, undefined, 'IFT (10-digit numbers)'],

  // Brazil's carrier selection codes.
  ['0 + CSP + area', '0 21 11 91234-5678', 'BR', '+5511912345678', undefined, 'Anatel (CSP 21)'],
  ['0 + CSP + area, fixed', '0 41 11 3456-7890', 'BR', '+551134567890', undefined, 'Anatel (CSP 41)'],
  ['0xx placeholder', '(0xx11) 3456-7890', 'BR', '+551134567890', undefined, 'Anatel'],
  ['trunk 0 + area, no CSP', '(011) 91234-5678', 'BR', '+5511912345678', undefined, 'Anatel'],

  // Vanity letters.
  ['vanity', '1-800-FLOWERS', 'US', '+18003569377', undefined, 'ITU-T E.161'],
  ['vanity with +1', '+1 800 FLOWERS', undefined, '+18003569377', undefined, 'ITU-T E.161'],
  ['vanity longer than the number', '1-800-MATTRESS', 'US', '+18006288737', undefined, 'ITU-T E.161; NANPA'],
  ['vanity too short', '1-800-FLOW', 'US', null, undefined, 'ITU-T E.161; NANPA'],

  // Extensions.
  ['ext', '+1 617-555-0123 ext. 42', undefined, '+16175550123', '42', 'English'],
  ['poste', '(514) 555-0142 poste 12', 'CA', '+15145550142', '12', 'French'],
  ['Durchwahl', '030 901820 Durchwahl 12', 'DE', '+4930901820', '12', 'German'],
  ['DW', '030 901820 DW 12', 'DE', '+4930901820', '12', 'German'],
  ['int.', '02 1234 5678 int. 45', 'IT', '+390212345678', '45', 'Italian'],
  ['interno', '011 4321-5678 interno 7', 'AR', '+541143215678', '7', 'Spanish (Argentina)'],
  ['ramal', '(11) 3456-7890 ramal 123', 'BR', '+551134567890', '123', 'Portuguese'],
  ['toestel', '020 123 4567 toestel 12', 'NL', '+31201234567', '12', 'Dutch'],
  ['wewn.', '22 123 45 67 wewn. 123', 'PL', '+48221234567', '123', 'Polish'],
  ['доб.', '+7 495 123-45-67 доб. 123', undefined, '+74951234567', '123', 'Russian'],
  ['内線', '03-1234-5678 内線 123', 'JP', '+81312345678', '123', 'Japanese'],
  ['转', '010-12345678 转 123', 'CN', '+861012345678', '123', 'Chinese'],
  ['tel ;ext=', 'tel:+1-617-555-0123;ext=42', undefined, '+16175550123', '42', 'RFC 3966 §5.3'],
  ['dial-string pause', '617-555-0123,,42', 'US', '+16175550123', '42', 'Android PhoneNumberUtils'],

  // Unicode and invisible characters.
  ['full-width', '０６ １２ ３４ ５６ ７８', 'FR', '+33612345678', undefined, 'Unicode NFKC'],
  [
    'full-width plus and parentheses',
    '＋８１ （３） １２３４－５６７８',
    undefined,
    '+81312345678',
    undefined,
    'Unicode NFKC',
  ],
  ['Arabic-Indic', '٠٥٠١٢٣٤٥٦٧', 'SA', '+966501234567', undefined, 'Unicode Nd'],
  ['Devanagari', '+९१ ९८७६५ ४३२१०', undefined, '+919876543210', undefined, 'Unicode Nd'],
  ['bidi marks', '\u200f+966 50 123 4567\u200e', undefined, '+966501234567', undefined, 'Unicode Cf'],
  ['zero-width spaces', '06\u200b12\u200b34\u200b56\u200b78', 'FR', '+33612345678', undefined, 'Unicode Cf'],
  ['narrow no-break spaces', '06\u202f12\u202f34\u202f56\u202f78', 'FR', '+33612345678', undefined, 'Unicode Zs'],

  // tel: URIs.
  ['tel URI', 'tel:+33-6-12-34-56-78', 'US', '+33612345678', undefined, 'RFC 3966 §5.1.4'],
  [
    'tel local number + context',
    'tel:0612345678;phone-context=+33',
    'US',
    '+33612345678',
    undefined,
    'RFC 3966 §5.1.5',
  ],
  [
    'tel local number, domain context',
    'tel:0612345678;phone-context=example.com',
    'FR',
    '+33612345678',
    undefined,
    'RFC 3966 §5.1.5',
  ],

  // Labels around the number stay readable (libphonenumber skips them).
  ['label before', 'Mobile: 06 12 34 56 78', 'FR', '+33612345678', undefined, 'address-book labels'],
  ['label after', '06 12 34 56 78 (home)', 'FR', '+33612345678', undefined, 'address-book labels'],
]

describe('normalisePhone: every rule, with its source', () => {
  it.each(rules)('%s: %j under %s → %s', (_, raw, country, e164, extension) => {
    const result = normalisePhone(raw, country)
    if (e164 === null) {
      expect(result.kind).toBe('invalid')
      return
    }
    expect(result).toMatchObject({ kind: 'valid', e164 })
    if (result.kind === 'valid') expect(result.extension).toBe(extension)
  })

  it('keeps the libphonenumber reason when a spelling fails', () => {
    expect(normalisePhone('+33 6 12 34')).toMatchObject({ kind: 'invalid', reason: 'too-short' })
    expect(normalisePhone('06 12 34 56 78 9', 'FR')).toMatchObject({ kind: 'invalid', reason: 'too-long' })
  })

  it('treats invisible-only and anonymous words wrapped in marks as anonymous', () => {
    expect(normalisePhone('\u200b')).toEqual({ kind: 'anonymous' })
    expect(normalisePhone('\u200eanonymous\u200f', 'US')).toEqual({ kind: 'anonymous' })
  })
})
