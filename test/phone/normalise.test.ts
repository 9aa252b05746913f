import { describe, expect, it, vi } from 'vitest'
import { normalisePhone, toE164, type CountryCode, type InvalidPhoneReason } from '../../src/phone/index.js'

type ValidCase = [input: string, defaultCountry: CountryCode | undefined, e164: string, country: CountryCode]

const validCases: ValidCase[] = [
  // US: Aircall's raw_digits style, national, dots, dashes, missing +, 00 and 011 prefixes.
  ['+1 617-610-5413', undefined, '+16176105413', 'US'],
  ['+1 (617) 610-5413', undefined, '+16176105413', 'US'],
  ['(617) 610-5413', 'US', '+16176105413', 'US'],
  ['617.610.5413', 'US', '+16176105413', 'US'],
  ['1-617-610-5413', 'US', '+16176105413', 'US'],
  ['16176105413', 'US', '+16176105413', 'US'],
  ['001 617 610 5413', undefined, '+16176105413', 'US'],
  ['  +16176105413  ', undefined, '+16176105413', 'US'],
  ['011 44 20 7946 0958', 'US', '+442079460958', 'GB'],
  // GB: trunk 0, "(0)" in international form, 00 prefix with and without a default country.
  ['+44 20 7946 0958', undefined, '+442079460958', 'GB'],
  ['020 7946 0958', 'GB', '+442079460958', 'GB'],
  ['+44 (0)20 7946 0958', undefined, '+442079460958', 'GB'],
  ['0044 20 7946 0958', undefined, '+442079460958', 'GB'],
  ['0044 20 7946 0958', 'US', '+442079460958', 'GB'],
  ['0037251234567', undefined, '+37251234567', 'EE'],
  ['0037251234567', 'FR', '+37251234567', 'EE'],
  ['447400123456', 'GB', '+447400123456', 'GB'],
  // FR
  ['+33 1 76 11 11 11', undefined, '+33176111111', 'FR'],
  ['06 12 34 56 78', 'FR', '+33612345678', 'FR'],
  ['06.12.34.56.78', 'FR', '+33612345678', 'FR'],
  ['06-12-34-56-78', 'FR', '+33612345678', 'FR'],
  ['0033 6 12 34 56 78', undefined, '+33612345678', 'FR'],
  ['+33 (0)6 12 34 56 78', undefined, '+33612345678', 'FR'],
  ['33612345678', 'FR', '+33612345678', 'FR'],
  // DE
  ['+49 30 901820', undefined, '+4930901820', 'DE'],
  ['030 901820', 'DE', '+4930901820', 'DE'],
  ['0151 23456789', 'DE', '+4915123456789', 'DE'],
  ['+49 (0)151 234 567 89', undefined, '+4915123456789', 'DE'],
  // ES
  ['+34 612 34 56 78', undefined, '+34612345678', 'ES'],
  ['612 345 678', 'ES', '+34612345678', 'ES'],
  ['0034 91 123 45 67', undefined, '+34911234567', 'ES'],
  // IT keeps its leading 0 in the international form.
  ['+39 06 4567 8901', undefined, '+390645678901', 'IT'],
  ['06 4567 8901', 'IT', '+390645678901', 'IT'],
  ['+39 312 345 6789', undefined, '+393123456789', 'IT'],
  // NL
  ['+31 6 12345678', undefined, '+31612345678', 'NL'],
  ['06-12345678', 'NL', '+31612345678', 'NL'],
  ['020 123 4567', 'NL', '+31201234567', 'NL'],
  // BE
  ['+32 2 555 12 12', undefined, '+3225551212', 'BE'],
  ['0470 12 34 56', 'BE', '+32470123456', 'BE'],
  // AU: 0011 is Australia's international prefix.
  ['+61 2 9876 5432', undefined, '+61298765432', 'AU'],
  ['(02) 9876 5432', 'AU', '+61298765432', 'AU'],
  ['0412 345 678', 'AU', '+61412345678', 'AU'],
  ['0011 61 412 345 678', 'AU', '+61412345678', 'AU'],
  // BR
  ['+55 11 91234-5678', undefined, '+5511912345678', 'BR'],
  ['(11) 91234-5678', 'BR', '+5511912345678', 'BR'],
  // IN
  ['+91 98765 43210', undefined, '+919876543210', 'IN'],
  ['098765 43210', 'IN', '+919876543210', 'IN'],
  ['9876543210', 'IN', '+919876543210', 'IN'],
  // JP: 010 is Japan's international prefix.
  ['+81 3-1234-5678', undefined, '+81312345678', 'JP'],
  ['03-1234-5678', 'JP', '+81312345678', 'JP'],
  ['090-1234-5678', 'JP', '+819012345678', 'JP'],
  ['010 81 3 1234 5678', 'JP', '+81312345678', 'JP'],
  // SG has no trunk prefix.
  ['+65 6123 4567', undefined, '+6561234567', 'SG'],
  ['9123 4567', 'SG', '+6591234567', 'SG'],
  // ZA
  ['+27 21 123 4567', undefined, '+27211234567', 'ZA'],
  ['082 123 4567', 'ZA', '+27821234567', 'ZA'],
  // MX
  ['+52 55 1234 5678', undefined, '+525512345678', 'MX'],
  ['55 1234 5678', 'MX', '+525512345678', 'MX'],
  // CA shares +1 with the US: the area code decides the country, whatever the default.
  ['+1 416-555-0199', undefined, '+14165550199', 'CA'],
  ['(416) 555-0199', 'CA', '+14165550199', 'CA'],
  ['(416) 555-0199', 'US', '+14165550199', 'CA'],
  // A few more
  ['044 668 18 00', 'CH', '+41446681800', 'CH'],
  ['+46 8 123 456 78', undefined, '+46812345678', 'SE'],
  ['+353 1 234 5678', undefined, '+35312345678', 'IE'],
  ['+48 12 345 67 89', undefined, '+48123456789', 'PL'],
]

describe('normalisePhone: valid numbers', () => {
  it.each(validCases)('%j (default %s) → %s in %s', (input, defaultCountry, e164, country) => {
    const result = normalisePhone(input, defaultCountry)
    expect(result).toMatchObject({ kind: 'valid', e164, country })
    expect(result).not.toHaveProperty('extension')
  })

  it('fills national and international display forms', () => {
    expect(normalisePhone('+1 617-610-5413')).toEqual({
      kind: 'valid',
      e164: '+16176105413',
      country: 'US',
      national: '(617) 610-5413',
      international: '+1 617 610 5413',
    })
  })

  it('leaves country out for non-geographic numbers', () => {
    const result = normalisePhone('+800 1234 5678')
    expect(result).toMatchObject({ kind: 'valid', e164: '+80012345678' })
    expect(result).not.toHaveProperty('country')
  })
})

describe('normalisePhone: extensions are kept apart from the E.164', () => {
  it.each([
    ['+1 617-610-5413 ext. 123', undefined, '+16176105413', '123'],
    ['+1 617-610-5413 ext 123', undefined, '+16176105413', '123'],
    ['+1 617-610-5413 x123', undefined, '+16176105413', '123'],
    ['+1 617 610 5413 extension 55', undefined, '+16176105413', '55'],
    ['tel:+1-617-610-5413;ext=123', undefined, '+16176105413', '123'],
    ['+44 20 7946 0958 #22', undefined, '+442079460958', '22'],
    ['020 7946 0958 ext 7', 'GB', '+442079460958', '7'],
  ] as const)('%j → %s ext %s', (input, defaultCountry, e164, extension) => {
    const result = normalisePhone(input, defaultCountry)
    expect(result).toMatchObject({ kind: 'valid', e164, extension })
    if (result.kind !== 'valid') return
    expect(result.national).not.toMatch(/ext|x|#/i)
    expect(result.international).not.toMatch(/ext|x|#/i)
  })
})

describe('normalisePhone: anonymous callers', () => {
  it.each([
    'anonymous',
    'Anonymous',
    ' ANONYMOUS ',
    '',
    '   ',
    'unknown',
    'private',
    'Restricted',
    'withheld',
    '+',
    '+266696687',
  ])('%j is anonymous', (input) => {
    expect(normalisePhone(input, 'US')).toEqual({ kind: 'anonymous' })
    expect(toE164(input, 'US')).toBeNull()
  })
})

describe('normalisePhone: invalid input is reported, never guessed', () => {
  it.each([
    ['+1 617', undefined, 'too-short'],
    ['12', 'US', 'too-short'],
    ['0', undefined, 'too-short'],
    ['+1 617 610 5413 99999', undefined, 'too-long'],
    ['+33 6 12 34 56 78 90', undefined, 'too-long'],
    ['hello', undefined, 'not-a-number'],
    ['+44 20 7946 0958 / +44 20 7946 0959', undefined, 'not-a-number'],
    ['+999 123456', undefined, 'invalid-country-code'],
    // National digits with no country to read them in: a US reader and an AU reader would disagree.
    ['6176105413', undefined, 'invalid-country-code'],
    // Possible length, but 555 is not an assigned US area code.
    ['+1 555 555 5555', undefined, 'invalid'],
    ['+44 20 7946 095', undefined, 'invalid'],
    // Two valid readings: JP 0037 freephone or Estonia; KR carrier prefix 001 + NZ or 00 + Turks and Caicos.
    ['0037251234567', 'JP', 'invalid'],
    ['001 649 231 1234', 'KR', 'invalid'],
  ] as [string, CountryCode | undefined, InvalidPhoneReason][])(
    '%j (default %s) → %s',
    (input, defaultCountry, reason) => {
      expect(normalisePhone(input, defaultCountry)).toEqual({ kind: 'invalid', reason, input })
      expect(toE164(input, defaultCountry)).toBeNull()
    },
  )
})

describe('the E.164 reading remembered with a raw number', () => {
  it('is the reading a fresh classification of the E.164 string gives', async () => {
    const { getCountries, getExampleNumber } = await import('libphonenumber-js/max')
    const examples = (await import('libphonenumber-js/mobile/examples')).default
    // Two module instances, two memos: `seeded` reads each raw form first, `fresh` sees only the E.164 string.
    vi.resetModules()
    const seeded = await import('../../src/phone/normalise.js')
    vi.resetModules()
    const fresh = await import('../../src/phone/normalise.js')
    expect(fresh).not.toBe(seeded)
    let checked = 0
    for (const country of getCountries()) {
      const example = getExampleNumber(country, examples)
      if (!example) continue
      for (const defaultCountry of [country, 'US', 'GB', 'CA', undefined] as Array<CountryCode | undefined>) {
        for (const raw of [example.formatNational(), example.formatInternational(), `00${example.number.slice(1)}`]) {
          const reading = seeded.normalisePhone(raw, defaultCountry)
          if (reading.kind !== 'valid') continue
          expect(seeded.normalisePhone(reading.e164), `${raw} read with ${defaultCountry ?? 'no country'}`).toEqual(
            fresh.normalisePhone(reading.e164),
          )
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(1000)
  })
})
