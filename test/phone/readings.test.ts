import { describe, expect, it } from 'vitest'
import {
  nationalSpellings,
  normalisePhone,
  plausibleReadings,
  type CountryCode,
  type PlausibleReading,
  type ReadingCountries,
} from '../../src/phone/index.js'

type ReadingCase = [
  rule: string,
  raw: string,
  countries: ReadingCountries,
  readings: PlausibleReading[],
  source: string,
]

const cases: ReadingCase[] = [
  [
    '"+" has exactly its own reading',
    '+33 4 70 12 34 56',
    { contact: 'BE', own: 'BE', default: 'US' },
    [{ e164: '+33470123456', country: 'FR', derivation: 'international' }],
    'ITU-T E.123',
  ],
  [
    '"00" has exactly its own reading',
    '0032 470 12 34 56',
    { contact: 'FR', default: 'FR' },
    [{ e164: '+32470123456', country: 'BE', derivation: 'international' }],
    'ITU-T E.164 (00)',
  ],
  [
    '"011" read under a NANP default is international',
    '011 44 20 7946 0123',
    { contact: 'GB', default: 'US' },
    [{ e164: '+442079460123', country: 'GB', derivation: 'international' }],
    'NANPA (011)',
  ],
  [
    '"011" is national under Japan and international under the US: each where it is valid',
    '011-222-3333',
    { contact: 'JP', default: 'US' },
    [{ e164: '+81112223333', country: 'JP', derivation: 'contact-country' }],
    'MIC Japan; NANPA',
  ],
  [
    'a national spelling reads once per country where it is valid',
    '0470 12 34 56',
    { contact: 'BE', default: 'FR' },
    [
      { e164: '+32470123456', country: 'BE', derivation: 'contact-country' },
      { e164: '+33470123456', country: 'FR', derivation: 'default-country' },
    ],
    'BIPT; ARCEP',
  ],
  [
    'the caller’s country reads a stored national spelling',
    '0470 12 34 56',
    { own: 'BE', default: 'US' },
    [{ e164: '+32470123456', country: 'BE', derivation: 'caller-country' }],
    'BIPT',
  ],
  [
    'Spanish digits under France are also a French mobile',
    '695825775',
    { contact: 'ES', default: 'FR' },
    [
      { e164: '+34695825775', country: 'ES', derivation: 'contact-country' },
      { e164: '+33695825775', country: 'FR', derivation: 'default-country' },
    ],
    'CNMC; ARCEP',
  ],
  [
    'US and Mexico City readings of the same ten digits',
    '55 1234 5670',
    { contact: 'MX', own: 'US' },
    [
      { e164: '+525512345670', country: 'MX', derivation: 'contact-country' },
      { e164: '+15512345670', country: 'US', derivation: 'caller-country' },
    ],
    'IFT; NANPA',
  ],
  [
    'the same country given twice reads once, the most informative derivation kept',
    '06 12 34 56 78',
    { contact: 'FR', own: 'FR', default: 'FR' },
    [{ e164: '+33612345678', country: 'FR', derivation: 'contact-country' }],
    'ARCEP',
  ],
  [
    'a country where the spelling is invalid adds nothing',
    '06 12 34 56 78',
    { contact: 'FR', default: 'US' },
    [{ e164: '+33612345678', country: 'FR', derivation: 'contact-country' }],
    'ARCEP; NANPA',
  ],
  [
    'a country code without "+" is the country’s own reading',
    '33612345678',
    { contact: 'FR' },
    [{ e164: '+33612345678', country: 'FR', derivation: 'contact-country' }],
    'ARCEP',
  ],
  [
    'the country’s own international prefix is international',
    '0011 61 2 5550 1234',
    { contact: 'AU', default: 'US' },
    [{ e164: '+61255501234', country: 'AU', derivation: 'international' }],
    'ACMA (0011)',
  ],
  [
    '"00" that is also a national number where the country numbers so (Japan 0037)',
    '0037251234567',
    { contact: 'JP' },
    [
      { e164: '+37251234567', country: 'EE', derivation: 'international' },
      { e164: '+810037251234567', country: 'JP', derivation: 'contact-country' },
    ],
    'MIC Japan (0037 freephone); ITU-T E.164',
  ],
  [
    'Mexico’s legacy mobile 1 maps to today’s number',
    '+52 1 55 1234 5678',
    { default: 'US' },
    [{ e164: '+525512345678', country: 'MX', derivation: 'international' }],
    'IFT 2019',
  ],
  [
    'no country: only a prefix can say which number',
    '0044 20 7946 0123',
    {},
    [{ e164: '+442079460123', country: 'GB', derivation: 'international' }],
    'ITU-T E.164 (00)',
  ],
  ['no country, national digits: nothing', '020 7946 0123', {}, [], 'Ofcom'],
  ['anonymous: nothing', 'anonymous', { contact: 'US', default: 'US' }, [], 'Aircall raw_digits'],
  ['invalid everywhere: nothing', '12', { contact: 'FR', own: 'US', default: 'GB' }, [], 'ITU-T E.164'],
  [
    'non-geographic numbers have no country',
    '+800 1234 5678',
    {},
    [{ e164: '+80012345678', derivation: 'international' }],
    'ITU-T E.164 (+800)',
  ],
]

describe('plausibleReadings', () => {
  it.each(cases)('%s: %j', (_, raw, countries, readings) => {
    expect(plausibleReadings(raw, countries)).toEqual(readings)
  })

  it('agrees with normalisePhone when a single country gives a single reading', () => {
    for (const [, raw, countries, readings] of cases) {
      const country = countries.contact ?? countries.own ?? countries.default
      if (readings.length !== 1 || (countries.default && countries.default !== country)) continue
      expect(normalisePhone(raw, country)).toMatchObject({ kind: 'valid', e164: readings[0]!.e164 })
    }
  })
})

type SpellingCase = [e164: string, includes: string[], source: string]

const spellings: SpellingCase[] = [
  [
    '+16175550123',
    [
      '(617) 555-0123',
      '617-555-0123',
      '617.555.0123',
      '6175550123',
      '1-617-555-0123',
      '1 (617) 555-0123',
      '16175550123',
    ],
    'NANPA (toll prefix 1)',
  ],
  [
    '+442079460123',
    ['020 7946 0123', '02079460123', '(020) 7946 0123', '20 7946 0123', '2079460123'],
    'Ofcom (trunk 0)',
  ],
  [
    '+33612345678',
    ['06 12 34 56 78', '06.12.34.56.78', '06-12-34-56-78', '0612345678', '612345678'],
    'ARCEP (trunk 0)',
  ],
  ['+74951234567', ['8 (495) 123-45-67', '84951234567', '(495) 123-45-67', '4951234567'], 'Rossvyaz (trunk 8)'],
  ['+390645678901', ['06 4567 8901', '0645678901'], 'AGCOM (0 is part of the number)'],
  ['+34911234567', ['911 23 45 67', '911234567'], 'CNMC (no trunk prefix)'],
  ['+5491123456789', ['011 15-2345-6789', '11 15 2345 6789'], 'ENACOM (0 + area + 15)'],
  ['+525512345678', ['55 1234 5678', '5512345678', '044 55 1234 5678', '045 55 1234 5678', '01 55 1234 5678'], 'IFT'],
]

describe('nationalSpellings', () => {
  it.each(spellings)('%s includes %j', (e164, includes) => {
    const found = nationalSpellings(e164)
    // The plan's own national format comes first.
    expect(normalisePhone(e164)).toMatchObject({ national: found[0] })
    for (const spelling of includes) expect(found).toContain(spelling)
    expect(new Set(found).size).toBe(found.length)
  })

  it('leaves out parentheses around an area code without its trunk prefix', () => {
    expect(nationalSpellings('+442079460123')).not.toContain('(20) 7946 0123')
    expect(nationalSpellings('+33612345678')).not.toContain('(6) 12 34 56 78')
  })

  it.each([
    '+16175550123',
    '+14165550123',
    '+442079460123',
    '+33612345678',
    '+32470123456',
    '+4930901820',
    '+74951234567',
    '+390645678901',
    '+5491123456789',
    '+525512345678',
    '+5511912345678',
    '+81312345678',
    '+919876543210',
    '+61491570006',
    '+6561234567',
  ])('every spelling of %s reads back to it under its own country', (e164) => {
    const own = normalisePhone(e164)
    if (own.kind !== 'valid') throw new Error(`not valid: ${e164}`)
    const country: CountryCode | undefined = own.country
    const found = nationalSpellings(e164)
    expect(found.length).toBeGreaterThan(3)
    for (const spelling of found) expect(normalisePhone(spelling, country), spelling).toMatchObject({ e164 })
  })

  it.each(['+80012345678', '+1 555 555 5555', 'nonsense', ''])('yields nothing for %j', (input) => {
    expect(nationalSpellings(input)).toEqual([])
  })
})
