import fc from 'fast-check'
import { getCountries, getExampleNumber, parsePhoneNumberWithError, type PhoneNumber } from 'libphonenumber-js/max'
import examples from 'libphonenumber-js/mobile/examples'
import { describe, expect, it } from 'vitest'
import {
  describePhoneVariants,
  normalisePhone,
  type CountryCode,
  type PhoneClassification,
} from '../../src/phone/index.js'

const countries = getCountries().filter((country) => getExampleNumber(country, examples)?.isValid())

type Generated = { country: CountryCode; phone: PhoneNumber }

// Start from each country's example and rewrite its tail, keeping only numbers the metadata still calls valid,
// so runs cover many real numbering plans rather than one number per country.
const validNumber: fc.Arbitrary<Generated> = fc
  .tuple(
    fc.constantFrom(...countries),
    fc.integer({ min: 0, max: 4 }),
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 4, maxLength: 4 }),
  )
  .map(([country, tail, digits]): Generated | null => {
    const example = getExampleNumber(country, examples)
    if (!example) return null
    const nsn = example.nationalNumber
    const mutated = nsn.slice(0, nsn.length - tail) + digits.slice(0, tail).join('')
    try {
      const phone = parsePhoneNumberWithError(`+${example.countryCallingCode}${mutated}`)
      return phone.isValid() ? { country: phone.country ?? country, phone } : null
    } catch {
      return null
    }
  })
  .filter((generated): generated is Generated => generated !== null)

const separator = fc.constantFrom(' ', '-', '.', '', ' - ', '  ')

type Formatting = { text: string; defaultCountry: CountryCode | undefined }

function regroup(groups: string[], sep: string, parenthesiseFirst: boolean): string {
  const [first, ...rest] = groups
  if (first === undefined) return ''
  return [parenthesiseFirst && rest.length > 0 ? `(${first})` : first, ...rest].join(sep)
}

/** Any way a person or system might write the number, with the default country a reader would need. */
function formattings({ country, phone }: Generated): fc.Arbitrary<Formatting> {
  const groups = phone.formatInternational().split(' ').slice(1)
  const international = fc
    .record({
      prefix: fc.constantFrom('+', '00', '+ '),
      sep: separator,
      parens: fc.boolean(),
      defaultCountry: fc.option(fc.constantFrom(...countries), { nil: undefined }),
    })
    .map(({ prefix, sep, parens, defaultCountry }) => ({
      text: `${prefix}${phone.countryCallingCode}${sep === '' ? '' : ' '}${regroup(groups, sep, parens)}`,
      // "+" needs no default; "00" must read the same whatever default country the caller configured.
      defaultCountry,
    }))
  const nationalGroups = phone
    .formatNational()
    .replace(/[()]/g, '')
    .split(/[\s-]+/)
    .filter((group) => group.length > 0)
  const national = fc
    .record({ sep: separator, parens: fc.boolean() })
    .map(({ sep, parens }) => ({ text: regroup(nationalGroups, sep, parens), defaultCountry: country }))
  return fc.oneof(international, national)
}

const withFormatting = validNumber.chain((generated) =>
  fc.tuple(fc.constant(generated), formattings(generated), fc.constantFrom('', ' ', '\t')),
)

// Countries that dial abroad with plain "00" and have no national numbers starting with it.
const plainIddCountries = new Set<CountryCode>([
  'FR',
  'DE',
  'GB',
  'ES',
  'IT',
  'NL',
  'BE',
  'CH',
  'SE',
  'IE',
  'PL',
  'ZA',
  'IN',
  'MX',
])

/** A "00" string read under a country whose own numbering also uses 00 may legitimately be refused. */
function mayBeAmbiguous(text: string, defaultCountry: CountryCode | undefined): boolean {
  return text.startsWith('00') && defaultCountry !== undefined && !plainIddCountries.has(defaultCountry)
}

/** Refusing is allowed; reading it as some other number never is. */
function sameOrRefused(e164: string, result: PhoneClassification): Partial<PhoneClassification> {
  return result.kind === 'valid' ? { kind: 'valid', e164 } : { kind: 'invalid' }
}

describe('phone properties', () => {
  it('every formatting of a valid number normalises to the same E.164', () => {
    fc.assert(
      fc.property(withFormatting, ([{ phone }, { text, defaultCountry }, pad]) => {
        const result = normalisePhone(`${pad}${text}${pad}`, defaultCountry)
        if (mayBeAmbiguous(text, defaultCountry)) expect(result).toMatchObject(sameOrRefused(phone.number, result))
        else expect(result).toMatchObject({ kind: 'valid', e164: phone.number })
      }),
      { numRuns: 2000 },
    )
  })

  it('an appended extension is split off and the E.164 is unchanged', () => {
    fc.assert(
      fc.property(
        withFormatting,
        fc.constantFrom(' ext. ', ' ext ', ' x', ';ext='),
        fc.integer({ min: 1, max: 99999 }),
        ([{ phone }, { text, defaultCountry }], marker, extension) => {
          const result = normalisePhone(`${text}${marker}${extension}`, defaultCountry)
          if (mayBeAmbiguous(text, defaultCountry)) expect(result).toMatchObject(sameOrRefused(phone.number, result))
          else expect(result).toMatchObject({ kind: 'valid', e164: phone.number, extension: String(extension) })
        },
      ),
      { numRuns: 500 },
    )
  })

  it('every search variant reads back to the same E.164', () => {
    fc.assert(
      fc.property(validNumber, fc.constantFrom(...countries), ({ country, phone }, otherCountry) => {
        const variants = describePhoneVariants(phone.number)
        expect(variants[0]).toEqual({ format: 'e164', value: phone.number, readsBack: 'self' })
        for (const variant of variants) {
          if (variant.readsBack === 'country') {
            expect(normalisePhone(variant.value, country)).toMatchObject({ e164: phone.number })
          } else {
            // Self-reading variants must not depend on the configured default country.
            const text = variant.readsBack === 'ambiguous' ? `+${variant.value}` : variant.value
            expect(normalisePhone(text)).toMatchObject({ e164: phone.number })
            const underOther = normalisePhone(text, otherCountry)
            if (mayBeAmbiguous(text, otherCountry))
              expect(underOther).toMatchObject(sameOrRefused(phone.number, underOther))
            else expect(underOther).toMatchObject({ e164: phone.number })
          }
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('"00" reads as international without a default and under every plain-00 country', () => {
    fc.assert(
      fc.property(validNumber, fc.constantFrom(undefined, ...plainIddCountries), ({ phone }, defaultCountry) => {
        const text = `00 ${phone.formatInternational().slice(1)}`
        expect(normalisePhone(text, defaultCountry)).toMatchObject({ kind: 'valid', e164: phone.number })
      }),
      { numRuns: 1000 },
    )
  })

  it('normalisation is idempotent', () => {
    fc.assert(
      fc.property(withFormatting, ([, { text, defaultCountry }]) => {
        const once = normalisePhone(text, defaultCountry)
        if (once.kind !== 'valid' && mayBeAmbiguous(text, defaultCountry)) return
        if (once.kind !== 'valid') throw new Error(`expected valid: ${text}`)
        for (const again of [once.e164, once.international]) {
          expect(normalisePhone(again)).toEqual(once)
        }
        expect(normalisePhone(once.national, once.country)).toEqual(once)
      }),
      { numRuns: 1000 },
    )
  })

  it('never throws and only ever returns a well-formed E.164', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.stringMatching(/^[+0-9 ()\-.x]{0,25}$/)),
        fc.option(fc.constantFrom(...countries), { nil: undefined }),
        (input, defaultCountry) => {
          const result = normalisePhone(input, defaultCountry)
          if (result.kind === 'valid') expect(result.e164).toMatch(/^\+[1-9]\d{4,14}$/)
          if (result.kind === 'invalid') expect(result.input).toBe(input)
        },
      ),
      { numRuns: 2000 },
    )
  })
})
