import { describe, expect, test } from 'vitest'
import type { IndexedContact } from '../../../src/store/state-store.js'
import { type MakeStore, moments, useStores } from './harness.js'

const contact = (contactId: string, fields: Partial<IndexedContact> = {}): IndexedContact => ({
  contactId,
  role: 'user',
  name: null,
  email: null,
  phoneRaw: null,
  phoneE164: null,
  createdAt: 1,
  updatedAt: 2,
  lastSeenAt: null,
  origin: 'refresh',
  indexedAt: 3,
  ...fields,
})

const ids = (contacts: IndexedContact[]): string[] => contacts.map((c) => c.contactId)

/** The phone → contact index: every lookup the resolver, dedupe and the contact follower make. */
export function describeContactIndexContract(makeStore: MakeStore): void {
  describe('contact index', () => {
    const open = useStores(makeStore)

    test('a contact is found by each of its readings, with that reading; get has all of them, strongest first', async () => {
      const { contacts } = await open()
      // "0470 12 34 56": Belgian under the contact's location, French under the workspace default.
      contacts.upsert([
        contact('c1', {
          name: 'Ada',
          phoneRaw: '0470 12 34 56',
          phoneE164: '+32470123456',
          country: 'BE',
          phoneTail: '70123456',
          readings: [
            { e164: '+33470123456', derivation: 'default-country' },
            { e164: '+32470123456', derivation: 'contact-country' },
          ],
        }),
      ])
      expect(contacts.findByPhone('+33470123456')).toMatchObject([
        { contactId: 'c1', readings: [{ e164: '+33470123456', derivation: 'default-country' }] },
      ])
      expect(contacts.findByPhone('+32470123456')).toMatchObject([
        { contactId: 'c1', readings: [{ e164: '+32470123456', derivation: 'contact-country' }] },
      ])
      // Not spelled with its own country code: no international lookup finds it.
      expect(contacts.findSpelledInternationally('+32470123456')).toEqual([])
      expect(contacts.get('c1')).toMatchObject({
        contactId: 'c1',
        name: 'Ada',
        country: 'BE',
        phoneTail: '70123456',
        readings: [
          { e164: '+32470123456', derivation: 'contact-country' },
          { e164: '+33470123456', derivation: 'default-country' },
        ],
      })
      expect(contacts.get('nobody')).toBeUndefined()
    })

    test('a phone spelled with its country code is found internationally, in contact id order', async () => {
      const { contacts } = await open()
      const spelled = (id: string) =>
        contact(id, {
          phoneRaw: '+33 6 12 34 56 78',
          phoneE164: '+33612345678',
          readings: [{ e164: '+33612345678', derivation: 'international' }],
        })
      contacts.upsert([spelled('c2'), spelled('c1')])
      const found = contacts.findSpelledInternationally('+33612345678')
      expect(ids(found)).toEqual(['c1', 'c2'])
      expect(found[0]?.readings).toEqual([{ e164: '+33612345678', derivation: 'international' }])
      expect(ids(contacts.findByPhone('+33612345678'))).toEqual(['c1', 'c2'])
    })

    test('a writer that gives no readings means phoneE164, international when the raw phone has a "+"', async () => {
      const { contacts } = await open()
      contacts.upsert([
        contact('plus', { phoneRaw: ' +33612345678', phoneE164: '+33612345678' }),
        contact('national', { phoneRaw: '06 12 34 56 79', phoneE164: '+33612345679' }),
      ])
      expect(ids(contacts.findSpelledInternationally('+33612345678'))).toEqual(['plus'])
      expect(contacts.findByPhone('+33612345679')).toMatchObject([
        { contactId: 'national', readings: [{ e164: '+33612345679', derivation: 'default-country' }] },
      ])
      expect(contacts.findSpelledInternationally('+33612345679')).toEqual([])
    })

    test('national spellings are found by the tail of the number; emails trimmed and in any case', async () => {
      const { contacts } = await open()
      contacts.upsert([
        contact('c1', { phoneRaw: '0470 12 34 56', phoneTail: '70123456', email: ' Ada@Example.com ' }),
        contact('c2', { phoneRaw: '470123456', phoneTail: '70123456', email: 'bob@example.com' }),
      ])
      expect(ids(contacts.findByPhoneTail('70123456'))).toEqual(['c1', 'c2'])
      expect(contacts.findByPhoneTail('00000000')).toEqual([])
      expect(ids(contacts.findByEmail('ADA@example.com'))).toEqual(['c1'])
      expect(ids(contacts.findByEmail('  ada@EXAMPLE.com'))).toEqual(['c1'])
      expect(contacts.get('c1')?.email).toBe('ada@example.com')
      expect(contacts.findByEmail('nobody@example.com')).toEqual([])
    })

    test('an upsert replaces the contact whole: an edited phone keeps none of its old readings', async () => {
      const { contacts } = await open()
      const before = contact('c1', {
        phoneRaw: '+33612345678',
        phoneE164: '+33612345678',
        email: 'ada@example.com',
        emailRaw: 'Ada@Example.com',
      })
      contacts.upsert([before])
      contacts.upsert([{ ...before, phoneRaw: '+33700000000', phoneE164: '+33700000000', email: null }])
      expect(contacts.findByPhone('+33612345678')).toEqual([])
      expect(contacts.findSpelledInternationally('+33612345678')).toEqual([])
      expect(ids(contacts.findByPhone('+33700000000'))).toEqual(['c1'])
      expect(contacts.findByEmail('ada@example.com')).toEqual([])
      expect(contacts.get('c1')).toMatchObject({ emailRaw: 'Ada@Example.com', phoneE164: '+33700000000' })
    })

    test('what a search showed never downgrades what a refresh listed', async () => {
      const { contacts } = await open()
      contacts.upsert([contact('c1', { origin: 'refresh' }), contact('c2', { origin: 'created' })])
      contacts.upsert([contact('c1', { origin: 'search', name: 'seen' }), contact('c2', { origin: 'search' })])
      expect(contacts.get('c1')).toMatchObject({ origin: 'refresh', name: 'seen' })
      expect(contacts.get('c2')?.origin).toBe('search')
      contacts.upsert([contact('c1', { origin: 'created' })])
      expect(contacts.get('c1')?.origin).toBe('created')
    })

    test('remove forgets contacts and their readings; iterate walks the rest in id order', async () => {
      const store = await open()
      const { contacts } = store
      contacts.upsert(
        ['c3', 'c1', 'c2'].map((id, n) => contact(id, { phoneRaw: `+3361234567${n}`, phoneE164: `+3361234567${n}` })),
      )
      expect(store.counts().contacts).toBe(3)
      contacts.remove(['c3', 'unknown'])
      expect(contacts.findByPhone('+33612345670')).toEqual([])
      expect(ids([...contacts.iterate()])).toEqual(['c1', 'c2'])
      contacts.remove([])
      contacts.upsert([])
      expect(store.counts().contacts).toBe(2)
    })

    test('best-effort entries are found at once through the store, and by others once committed', async () => {
      const a = await open()
      const b = await open()
      a.contacts.upsert([contact('c1', { phoneRaw: '+33612345678', phoneE164: '+33612345678' })])
      // The same contact moves to another number: the old number stops finding it at once.
      a.contacts.upsert([contact('c1', { phoneRaw: '+33698765432', phoneE164: '+33698765432', origin: 'search' })], {
        bestEffort: true,
      })
      expect(a.contacts.findByPhone('+33612345678')).toEqual([])
      expect(ids(a.contacts.findSpelledInternationally('+33698765432'))).toEqual(['c1'])
      a.contacts.upsert([contact('c2', { email: 'c2@example.com', origin: 'created' })], { bestEffort: true })
      expect(ids(a.contacts.findByEmail('c2@example.com'))).toEqual(['c2'])
      expect(ids([...a.contacts.iterate()])).toEqual(['c1', 'c2'])
      await moments()
      expect(ids(b.contacts.findByEmail('c2@example.com'))).toEqual(['c2'])
      a.contacts.upsert([contact('c3')], { bestEffort: true })
      a.contacts.remove(['c3'])
      expect(a.contacts.get('c3')).toBeUndefined()
      a.contacts.upsert([contact('c4')], { bestEffort: true })
      a.close()
      expect(b.contacts.get('c4')).toMatchObject({ contactId: 'c4' })
    })
  })
}
