import { describe, expect, it } from 'vitest'
import { describePhoneVariants, normalisePhone, phoneSearchVariants } from '../../src/phone/index.js'

describe('phoneSearchVariants', () => {
  it.each([
    [
      '+16176105413',
      [
        '+16176105413',
        '+1 617 610 5413',
        '+1 617-610-5413',
        '(617) 610-5413',
        '6176105413',
        '16176105413',
        '0016176105413',
      ],
    ],
    [
      '+442079460958',
      [
        '+442079460958',
        '+44 20 7946 0958',
        '+44 20-7946-0958',
        '020 7946 0958',
        '02079460958',
        '442079460958',
        '00442079460958',
      ],
    ],
    [
      '+33176111111',
      [
        '+33176111111',
        '+33 1 76 11 11 11',
        '+33 1-76-11-11-11',
        '01 76 11 11 11',
        '0176111111',
        '33176111111',
        '0033176111111',
      ],
    ],
    // SG has no trunk prefix, so national digits and national format coincide only in digits.
    [
      '+6561234567',
      ['+6561234567', '+65 6123 4567', '+65 6123-4567', '6123 4567', '61234567', '6561234567', '006561234567'],
    ],
    // Non-geographic: no national forms.
    ['+80012345678', ['+80012345678', '+800 1234 5678', '+800 1234-5678', '80012345678', '0080012345678']],
  ])('%s', (e164, expected) => {
    expect(phoneSearchVariants(e164)).toEqual(expected)
  })

  it('puts E.164 first and never repeats a string', () => {
    for (const e164 of ['+16176105413', '+4930901820', '+81312345678', '+5511912345678', '+27211234567']) {
      const variants = phoneSearchVariants(e164)
      expect(variants[0]).toBe(e164)
      expect(new Set(variants).size).toBe(variants.length)
    }
  })

  it('accepts a formatted valid number and still starts with its E.164', () => {
    expect(phoneSearchVariants('+1 617-610-5413')[0]).toBe('+16176105413')
  })

  it.each(['anonymous', '+1 555 555 5555', '6176105413', 'nonsense', ''])('yields nothing for %j', (input) => {
    expect(phoneSearchVariants(input)).toEqual([])
  })

  it('labels each variant with how it reads back', () => {
    for (const variant of describePhoneVariants('+33612345678')) {
      const text = variant.readsBack === 'ambiguous' ? `+${variant.value}` : variant.value
      const result = normalisePhone(text, variant.readsBack === 'country' ? 'FR' : undefined)
      expect(result).toMatchObject({ kind: 'valid', e164: '+33612345678' })
    }
  })
})
