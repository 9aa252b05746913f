import { describe, expect, it } from 'vitest'
import { internationalDigits, internationalPrefixLength, nationalDigits } from '../../src/phone/dialling.js'
import type { CountryCode } from '../../src/phone/index.js'

describe('internationalPrefixLength', () => {
  it.each([
    ['011442079460123', 'US', 3, 'NANPA: 011'],
    ['011442079460123', 'CA', 3, 'NANPA: 011'],
    ['011', 'US', 0, 'nothing after the prefix'],
    ['0112223333', 'JP', 0, 'MIC Japan: 010, so 011 is Sapporo'],
    ['01081312345678', 'JP', 3, 'MIC Japan: 010'],
    ['001161255501234', 'AU', 4, 'ACMA: 0011'],
    ['00442079460123', 'GB', 2, 'Ofcom: 00'],
    ['002116175550123', 'BR', 4, 'Anatel: 00 + CSP 21'],
    ['81033199001234', 'RU', 3, 'Rossvyaz: 8~10'],
    ['0612345678', 'FR', 0, 'ARCEP: national'],
  ] as Array<[string, CountryCode, number, string]>)('%s under %s → %d (%s)', (digits, country, length) => {
    expect(internationalPrefixLength(digits, country)).toBe(length)
  })
})

describe('internationalDigits', () => {
  it.each([
    ['5215512345678', '525512345678', 'IFT 2019: +52 1 + 10 digits is today’s +52 + 10 digits'],
    ['525512345678', '525512345678', 'IFT: already today’s number'],
    ['521551234567', '521551234567', 'IFT: nine digits after the 1 is not the legacy form'],
    ['16175550123', '16175550123', 'NANPA: untouched'],
  ])('%s → %s (%s)', (digits, expected) => {
    expect(internationalDigits(digits)).toBe(expected)
  })
})

describe('nationalDigits', () => {
  it.each([
    ['0445512345678', 'MX', '5512345678', 'IFT 2019: 044 retired'],
    ['0455512345678', 'MX', '5512345678', 'IFT 2019: 045 retired'],
    ['015512345678', 'MX', '5512345678', 'IFT 2019: 01 retired'],
    ['15512345678', 'MX', '5512345678', 'IFT 2019: mobile 1 without +52'],
    ['5215512345678', 'MX', '525512345678', 'IFT 2019: 52 1 without +'],
    ['5512345678', 'MX', '5512345678', 'IFT: already today’s number'],
    ['044551234567', 'MX', '044551234567', 'IFT: 044 + nine digits is not the legacy form'],
    ['0445512345678', 'US', '0445512345678', 'only Mexico retired these prefixes'],
    ['15512345678', 'US', '15512345678', 'NANPA: 1 is the toll prefix'],
  ] as Array<[string, CountryCode, string, string]>)('%s under %s → %s (%s)', (digits, country, expected) => {
    expect(nationalDigits(digits, country)).toBe(expected)
  })
})
