import { join } from 'node:path'

import { describe, expect, test } from 'vitest'

import type { IntercomContact } from '../../src/intercom/schemas.js'
import {
  indexEntryOf,
  locationCountryOf,
  storedPhoneTail,
  storedReadings,
  tailOfE164,
} from '../../src/matching/index-entry.js'
import { openStateStore } from '../../src/store/sqlite/index.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

const contact = (id: string, phone: string | null, location?: unknown): IntercomContact => ({
  type: 'contact',
  id,
  role: 'lead',
  phone,
  created_at: 1_700_000_000,
  updated_at: 1_700_000_000,
  ...(location === undefined ? {} : { location }),
})

describe('index entries', () => {
  test.each<[unknown, string | undefined]>([
    [{ type: 'location', country: 'Belgium', region: null, city: null }, 'BE'],
    [{ country: 'United States' }, 'US'],
    [{ country: 'United Kingdom' }, 'GB'],
    [{ country: 'Côte d’Ivoire' }, 'CI'],
    [{ country: 'Czech Republic' }, 'CZ'],
    [{ country: 'USA' }, 'US'],
    [{ country: 'fr' }, 'FR'],
    [{ country: 'Atlantis' }, undefined],
    [{ country: null }, undefined],
    [null, undefined],
  ])('location %j is country %s', (location, expected) => {
    expect(locationCountryOf(contact('a', null, location))).toBe(expected)
  })

  test('a stored phone is read with its own country code, its location country and the default, strongest first', () => {
    expect(storedReadings('+32 470 12 34 56', null, 'FR', 'US')).toEqual([
      { e164: '+32470123456', derivation: 'international' },
    ])
    expect(storedReadings('0470 12 34 56', null, 'BE', 'FR')).toEqual([
      { e164: '+32470123456', derivation: 'contact-country' },
      { e164: '+33470123456', derivation: 'default-country' },
    ])
    // Read alike under both countries: one reading, kept with the stronger derivation.
    expect(storedReadings('06 12 34 56 78', null, 'FR', 'FR')).toEqual([
      { e164: '+33612345678', derivation: 'contact-country' },
    ])
    // Intercom's formatted_phone only when we read nothing.
    expect(storedReadings('695 82 57 75', '+34695825775', undefined, 'US')).toEqual([
      { e164: '+34695825775', derivation: 'default-country' },
    ])
    expect(storedReadings('not a phone', null, 'FR', 'FR')).toEqual([])
  })

  test('the tail finds a spelling by its last digits, whatever country reads it', () => {
    expect(tailOfE164('+34695825775')).toBe('5825775')
    expect(storedPhoneTail('695 82 57 75', [])).toBe('5825775')
    expect(storedPhoneTail('０６９５ ８２ ５７ ７５', [])).toBe('5825775')
    // Read as a French number under FR, "1-800-FLOWERS" loses digits: the tail comes from the spelling.
    expect(storedPhoneTail('1-800-FLOWERS', storedReadings('1-800-FLOWERS', null, undefined, 'FR'))).toBe('3569377')
    expect(storedPhoneTail('1-800-MATTRESS', [])).toBe('6288737')
    expect(
      storedPhoneTail('+1 617 555 0123 ext. 45', storedReadings('+1 617 555 0123 ext. 45', null, undefined, 'US')),
    ).toBe('5550123')
    expect(storedPhoneTail('12 34', [])).toBeNull()
  })

  test('the store keeps every reading, replaces them when the phone changes, and a search never downgrades a listing', () => {
    const store = openStateStore(join(tempDir(), 'state.sqlite'))
    const belgian = indexEntryOf(contact('b', '0470 12 34 56', { country: 'Belgium' }), 'refresh', 'FR', 1_000)
    store.contacts.upsert([belgian])
    for (const e164 of ['+32470123456', '+33470123456']) {
      expect(store.contacts.findByPhone(e164).map((c) => [c.contactId, c.readings])).toEqual([
        ['b', [{ e164, derivation: e164.startsWith('+32') ? 'contact-country' : 'default-country' }]],
      ])
    }
    expect(store.contacts.findByPhoneTail('0123456').map((c) => c.contactId)).toEqual(['b'])

    // Seen again through one caller's search: its readings are its own, and it stays a listed entry.
    const edited = indexEntryOf(contact('b', '+32 475 98 76 54', { country: 'Belgium' }), 'search', 'FR', 2_000)
    store.contacts.upsert([edited], { bestEffort: true })
    expect(store.contacts.findByPhone('+32470123456')).toEqual([])
    expect(store.contacts.get('b')).toMatchObject({
      origin: 'refresh',
      readings: [{ e164: '+32475987654', derivation: 'international' }],
    })
    store.contacts.remove(['b'])
    expect(store.contacts.findByPhone('+32475987654')).toEqual([])
    store.close()
  })
})
