import { describe, expect, it } from 'vitest'
import { normalisePhone, plausibleReadings, type CountryCode } from '../../src/phone/index.js'
import { loadPhoneCorpus } from './corpus/index.js'

const corpus = loadPhoneCorpus()
const label = (raw: string): string => JSON.stringify(raw)

describe('phone corpus', () => {
  it('is large and varied enough to mean something', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(300)
    expect(new Set(corpus.map((entry) => entry.country)).size).toBeGreaterThanOrEqual(15)
    expect(corpus.filter((entry) => entry.e164 === null).length).toBeGreaterThanOrEqual(30)
    // Cross-country traps: the same digits typed in two countries are two different numbers.
    const truthsByDigits = new Map<string, Set<string>>()
    for (const { raw, e164 } of corpus) {
      if (e164 === null || raw.includes('+')) continue
      const digits = raw.replace(/\D/g, '')
      truthsByDigits.set(digits, (truthsByDigits.get(digits) ?? new Set()).add(e164))
    }
    const traps = [...truthsByDigits.values()].filter((truths) => truths.size > 1)
    expect(traps.length).toBeGreaterThanOrEqual(8)
  })

  it.each(corpus.map((entry) => [label(entry.raw), entry.country, entry.e164, entry] as const))(
    '%s typed in %s is %s',
    (_, country, e164, { raw }) => {
      const readings = plausibleReadings(raw, { contact: country })
      expect(readings.map((reading) => reading.e164)).toEqual(e164 === null ? [] : [e164])
      for (const reading of readings) expect(['international', 'contact-country']).toContain(reading.derivation)

      const classification = normalisePhone(raw, country)
      if (e164 === null) expect(classification.kind).not.toBe('valid')
      else expect(classification).toMatchObject({ kind: 'valid', e164 })
    },
  )

  it.each(['US', 'FR'] as CountryCode[])(
    'keeps every truth, from the contact country, with %s as default',
    (fallback) => {
      for (const { raw, country, e164 } of corpus) {
        const readings = plausibleReadings(raw, { contact: country, default: fallback })
        if (e164 === null) {
          // Read under the default, an invalid spelling may be someone's number, but never as the contact's.
          expect(
            readings.filter((reading) => reading.derivation !== 'default-country'),
            label(raw),
          ).toEqual([])
          continue
        }
        const truth = readings.find((reading) => reading.e164 === e164)
        expect(truth?.derivation, `${label(raw)} in ${country}`).toMatch(/^(international|contact-country)$/)
        // A spelling with a prefix names its own number: no country adds another reading to it.
        if (truth?.derivation === 'international') expect(readings, label(raw)).toHaveLength(1)
      }
    },
  )
})
