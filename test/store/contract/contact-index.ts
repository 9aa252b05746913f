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

/** What `iterate()` yields, whether the index walks its rows at once (SQLite) or page by page (PostgreSQL). */
const collect = async <T>(items: Iterable<T> | AsyncIterable<T>): Promise<T[]> => {
  const all: T[] = []
  for await (const item of items) all.push(item)
  return all
}

/** The phone → contact index: every lookup the resolver, dedupe and the contact follower make. */
export function describeContactIndexContract(makeStore: MakeStore): void {
  describe('contact index', () => {
    const open = useStores(makeStore)

    test('a contact is found by each of its readings, with that reading; get has all of them, strongest first', async () => {
      const { contacts } = await open()
      // "0470 12 34 56": Belgian under the contact's location, French under the workspace default.
      await contacts.upsert([
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
      expect(await contacts.findByPhone('+33470123456')).toMatchObject([
        { contactId: 'c1', readings: [{ e164: '+33470123456', derivation: 'default-country' }] },
      ])
      expect(await contacts.findByPhone('+32470123456')).toMatchObject([
        { contactId: 'c1', readings: [{ e164: '+32470123456', derivation: 'contact-country' }] },
      ])
      // Not spelled with its own country code: no international lookup finds it.
      expect(await contacts.findSpelledInternationally('+32470123456')).toEqual([])
      expect(await contacts.get('c1')).toMatchObject({
        contactId: 'c1',
        name: 'Ada',
        country: 'BE',
        phoneTail: '70123456',
        readings: [
          { e164: '+32470123456', derivation: 'contact-country' },
          { e164: '+33470123456', derivation: 'default-country' },
        ],
      })
      expect(await contacts.get('nobody')).toBeUndefined()
    })

    test('a phone spelled with its country code is found internationally, in contact id order', async () => {
      const { contacts } = await open()
      const spelled = (id: string) =>
        contact(id, {
          phoneRaw: '+33 6 12 34 56 78',
          phoneE164: '+33612345678',
          readings: [{ e164: '+33612345678', derivation: 'international' }],
        })
      await contacts.upsert([spelled('c2'), spelled('c1')])
      const found = await contacts.findSpelledInternationally('+33612345678')
      expect(ids(found)).toEqual(['c1', 'c2'])
      expect(found[0]?.readings).toEqual([{ e164: '+33612345678', derivation: 'international' }])
      expect(ids(await contacts.findByPhone('+33612345678'))).toEqual(['c1', 'c2'])
    })

    test('a writer that gives no readings means phoneE164, international when the raw phone has a "+"', async () => {
      const { contacts } = await open()
      await contacts.upsert([
        contact('plus', { phoneRaw: ' +33612345678', phoneE164: '+33612345678' }),
        contact('national', { phoneRaw: '06 12 34 56 79', phoneE164: '+33612345679' }),
      ])
      expect(ids(await contacts.findSpelledInternationally('+33612345678'))).toEqual(['plus'])
      expect(await contacts.findByPhone('+33612345679')).toMatchObject([
        { contactId: 'national', readings: [{ e164: '+33612345679', derivation: 'default-country' }] },
      ])
      expect(await contacts.findSpelledInternationally('+33612345679')).toEqual([])
    })

    test('national spellings are found by the tail of the number; emails trimmed and in any case', async () => {
      const { contacts } = await open()
      await contacts.upsert([
        contact('c1', { phoneRaw: '0470 12 34 56', phoneTail: '70123456', email: ' Ada@Example.com ' }),
        contact('c2', { phoneRaw: '470123456', phoneTail: '70123456', email: 'bob@example.com' }),
      ])
      expect(ids(await contacts.findByPhoneTail('70123456'))).toEqual(['c1', 'c2'])
      expect(await contacts.findByPhoneTail('00000000')).toEqual([])
      expect(ids(await contacts.findByEmail('ADA@example.com'))).toEqual(['c1'])
      expect(ids(await contacts.findByEmail('  ada@EXAMPLE.com'))).toEqual(['c1'])
      expect((await contacts.get('c1'))?.email).toBe('ada@example.com')
      expect(await contacts.findByEmail('nobody@example.com')).toEqual([])
    })

    test('an upsert replaces the contact whole: an edited phone keeps none of its old readings', async () => {
      const { contacts } = await open()
      const before = contact('c1', {
        phoneRaw: '+33612345678',
        phoneE164: '+33612345678',
        email: 'ada@example.com',
        emailRaw: 'Ada@Example.com',
      })
      await contacts.upsert([before])
      await contacts.upsert([{ ...before, phoneRaw: '+33700000000', phoneE164: '+33700000000', email: null }])
      expect(await contacts.findByPhone('+33612345678')).toEqual([])
      expect(await contacts.findSpelledInternationally('+33612345678')).toEqual([])
      expect(ids(await contacts.findByPhone('+33700000000'))).toEqual(['c1'])
      expect(await contacts.findByEmail('ada@example.com')).toEqual([])
      expect(await contacts.get('c1')).toMatchObject({ emailRaw: 'Ada@Example.com', phoneE164: '+33700000000' })
    })

    test('what a search showed never downgrades what a refresh listed', async () => {
      const { contacts } = await open()
      await contacts.upsert([contact('c1', { origin: 'refresh' }), contact('c2', { origin: 'created' })])
      await contacts.upsert([contact('c1', { origin: 'search', name: 'seen' }), contact('c2', { origin: 'search' })])
      expect(await contacts.get('c1')).toMatchObject({ origin: 'refresh', name: 'seen' })
      expect((await contacts.get('c2'))?.origin).toBe('search')
      await contacts.upsert([contact('c1', { origin: 'created' })])
      expect((await contacts.get('c1'))?.origin).toBe('created')
    })

    test('remove forgets contacts and their readings; iterate walks the rest in id order', async () => {
      const store = await open()
      const { contacts } = store
      await contacts.upsert(
        ['c3', 'c1', 'c2'].map((id, n) => contact(id, { phoneRaw: `+3361234567${n}`, phoneE164: `+3361234567${n}` })),
      )
      expect((await store.counts()).contacts).toBe(3)
      await contacts.remove(['c3', 'unknown'])
      expect(await contacts.findByPhone('+33612345670')).toEqual([])
      expect(ids(await collect(contacts.iterate()))).toEqual(['c1', 'c2'])
      await contacts.remove([])
      await contacts.upsert([])
      expect((await store.counts()).contacts).toBe(2)
    })

    test('best-effort entries are found at once through the store, and by others once committed', async () => {
      const a = await open()
      const b = await open()
      await a.contacts.upsert([contact('c1', { phoneRaw: '+33612345678', phoneE164: '+33612345678' })])
      // The same contact moves to another number: the old number stops finding it at once.
      await a.contacts.upsert(
        [contact('c1', { phoneRaw: '+33698765432', phoneE164: '+33698765432', origin: 'search' })],
        {
          bestEffort: true,
        },
      )
      expect(await a.contacts.findByPhone('+33612345678')).toEqual([])
      expect(ids(await a.contacts.findSpelledInternationally('+33698765432'))).toEqual(['c1'])
      await a.contacts.upsert([contact('c2', { email: 'c2@example.com', origin: 'created' })], { bestEffort: true })
      expect(ids(await a.contacts.findByEmail('c2@example.com'))).toEqual(['c2'])
      expect(ids(await collect(a.contacts.iterate()))).toEqual(['c1', 'c2'])
      await moments()
      expect(ids(await b.contacts.findByEmail('c2@example.com'))).toEqual(['c2'])
      await a.contacts.upsert([contact('c3')], { bestEffort: true })
      await a.contacts.remove(['c3'])
      expect(await a.contacts.get('c3')).toBeUndefined()
      await a.contacts.upsert([contact('c4')], { bestEffort: true })
      await a.close()
      expect(await b.contacts.get('c4')).toMatchObject({ contactId: 'c4' })
    })
  })
}
