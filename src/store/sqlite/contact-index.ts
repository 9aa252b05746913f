import {
  byReadingStrength,
  type ContactIndex,
  type ContactUpsertOptions,
  type IndexedContact,
  indexedEmail,
  readingsToStore,
  type StoredDerivation,
} from '../contact-index.js'
import type { SqliteConnection } from './connection.js'

interface ContactRow {
  contact_id: string
  role: 'user' | 'lead'
  name: string | null
  email: string | null
  email_raw: string | null
  phone_raw: string | null
  phone_e164: string | null
  created_at: number
  updated_at: number
  last_seen_at: number | null
  origin: IndexedContact['origin']
  indexed_at: number
  country: string | null
  phone_tail: string | null
}

/** A contact row with one of its readings (null for a contact without any), as the contact lookups join them. */
interface ContactReadingRow extends ContactRow {
  reading_e164: string | null
  reading_derivation: StoredDerivation | null
}

const toContact = (row: ContactRow): IndexedContact => ({
  contactId: row.contact_id,
  role: row.role,
  name: row.name,
  email: row.email,
  emailRaw: row.email_raw,
  phoneRaw: row.phone_raw,
  phoneE164: row.phone_e164,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  lastSeenAt: row.last_seen_at,
  origin: row.origin,
  indexedAt: row.indexed_at,
  country: row.country,
  phoneTail: row.phone_tail,
})

/** Rows ordered by contact id, one per reading, folded into contacts with their readings strongest first. */
function contactsWithReadings(rows: ContactReadingRow[]): IndexedContact[] {
  const contacts: IndexedContact[] = []
  let current: IndexedContact | null = null
  for (const row of rows) {
    if (current?.contactId !== row.contact_id) {
      current = { ...toContact(row), readings: [] }
      contacts.push(current)
    }
    if (row.reading_e164 !== null && row.reading_derivation !== null) {
      current.readings?.push({ e164: row.reading_e164, derivation: row.reading_derivation })
    }
  }
  for (const contact of contacts) {
    if (contact.readings && contact.readings.length > 1) {
      contact.readings.sort(byReadingStrength)
    }
  }
  return contacts
}

/** The grouped-writes key of every queued contact upsert (ledger keys are `call:…`, `contact:…:create`, …). */
const CONTACTS_KEY = 'contacts-index'

export class SqliteContactIndex implements ContactIndex {
  constructor(private readonly c: SqliteConnection) {}

  upsert(contacts: readonly IndexedContact[], options: ContactUpsertOptions = {}): void {
    if (contacts.length === 0) return
    // Best effort joins the next group of writes: one commit for every lookup of an event-loop turn.
    if (options.bestEffort) this.c.deferred(CONTACTS_KEY, () => this.write(contacts))
    else this.c.transaction(() => this.write(contacts))
  }

  private write(contacts: readonly IndexedContact[]): void {
    const upsert = this.c.sql(
      `INSERT INTO contacts (contact_id, role, name, email, phone_raw, phone_e164, created_at, updated_at, last_seen_at, origin, indexed_at, country, phone_tail, phone_derivation, email_raw)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(contact_id) DO UPDATE SET role = excluded.role, name = excluded.name, email = excluded.email,
         phone_raw = excluded.phone_raw, phone_e164 = excluded.phone_e164, created_at = excluded.created_at,
         updated_at = excluded.updated_at, last_seen_at = excluded.last_seen_at,
         origin = CASE WHEN excluded.origin = 'search' AND contacts.origin = 'refresh' THEN 'refresh' ELSE excluded.origin END,
         indexed_at = excluded.indexed_at, country = excluded.country, phone_tail = excluded.phone_tail,
         phone_derivation = excluded.phone_derivation, email_raw = excluded.email_raw`,
    )
    const forget = this.c.sql('DELETE FROM contact_readings WHERE contact_id = ?')
    // The first reading of an E.164 is the strongest: a weaker derivation of the same number adds nothing.
    const read = this.c.sql('INSERT OR IGNORE INTO contact_readings (contact_id, e164, derivation) VALUES (?, ?, ?)')
    for (const contact of contacts) {
      const readings = readingsToStore(contact)
      const strongest = readings.find((reading) => reading.e164 === contact.phoneE164)
      // Positional parameters: no object spread and no lookup by name for each of up to 100,000s of rows.
      upsert.run(
        contact.contactId,
        contact.role,
        contact.name,
        contact.email === null || contact.email === undefined ? null : indexedEmail(contact.email),
        contact.phoneRaw,
        contact.phoneE164,
        contact.createdAt,
        contact.updatedAt,
        contact.lastSeenAt,
        contact.origin,
        contact.indexedAt,
        contact.country ?? null,
        contact.phoneTail ?? null,
        strongest?.derivation ?? null,
        contact.emailRaw ?? null,
      )
      // A contact's readings are replaced whole: a phone edited in Intercom must not keep its old readings.
      forget.run(contact.contactId)
      for (const reading of readings) read.run(contact.contactId, reading.e164, reading.derivation)
    }
  }

  remove(contactIds: readonly string[]): void {
    const remove = this.c.sql('DELETE FROM contacts WHERE contact_id = ?')
    const forget = this.c.sql('DELETE FROM contact_readings WHERE contact_id = ?')
    this.c.transaction(() => {
      for (const id of contactIds) {
        remove.run(id)
        forget.run(id)
      }
    })
  }

  get(contactId: string): IndexedContact | undefined {
    this.c.readThrough(CONTACTS_KEY)
    const rows = this.c
      .sql(
        `SELECT c.*, a.e164 AS reading_e164, a.derivation AS reading_derivation
         FROM contacts c
         LEFT JOIN contact_readings a ON a.contact_id = c.contact_id
         WHERE c.contact_id = ?`,
      )
      .all(contactId) as ContactReadingRow[]
    return contactsWithReadings(rows)[0]
  }

  findByPhone(e164: string): IndexedContact[] {
    this.c.readThrough(CONTACTS_KEY)
    // The e164 index holds the contact id too (the table's key), so rows come in contact id order with no sort.
    const rows = this.c
      .sql(
        `SELECT c.*, r.derivation AS reading_derivation
         FROM contact_readings r JOIN contacts c ON c.contact_id = r.contact_id
         WHERE r.e164 = ?
         ORDER BY r.contact_id`,
      )
      .all(e164) as Array<ContactRow & { reading_derivation: StoredDerivation }>
    return rows.map((row) => {
      const contact = toContact(row)
      contact.readings = [{ e164, derivation: row.reading_derivation }]
      return contact
    })
  }

  findSpelledInternationally(e164: string): IndexedContact[] {
    this.c.readThrough(CONTACTS_KEY)
    const rows = this.c
      .sql(`SELECT * FROM contacts WHERE phone_e164 = ? AND phone_derivation = 'international'`)
      .all(e164) as ContactRow[]
    // Sorted here: nearly always one row, where SQLite would still build a temporary B-tree for an ORDER BY.
    if (rows.length > 1) rows.sort((x, y) => (x.contact_id < y.contact_id ? -1 : x.contact_id > y.contact_id ? 1 : 0))
    return rows.map((row) => {
      const contact = toContact(row)
      contact.readings = [{ e164, derivation: 'international' }]
      return contact
    })
  }

  findByPhoneTail(tail: string): IndexedContact[] {
    this.c.readThrough(CONTACTS_KEY)
    const rows = this.c.sql('SELECT * FROM contacts WHERE phone_tail = ? ORDER BY contact_id').all(tail) as ContactRow[]
    return rows.map(toContact)
  }

  findByEmail(email: string): IndexedContact[] {
    this.c.readThrough(CONTACTS_KEY)
    const rows = this.c
      .sql('SELECT * FROM contacts WHERE email = ? ORDER BY contact_id')
      .all(indexedEmail(email)) as ContactRow[]
    return rows.map(toContact)
  }

  /** The contacts after `afterId` in id order, at most `limit`: the index read page by page. */
  page(afterId: string | null, limit: number): IndexedContact[] {
    this.c.readThrough(CONTACTS_KEY)
    const rows =
      afterId === null
        ? this.c.sql('SELECT * FROM contacts ORDER BY contact_id LIMIT ?').all(limit)
        : this.c.sql('SELECT * FROM contacts WHERE contact_id > ? ORDER BY contact_id LIMIT ?').all(afterId, limit)
    return (rows as ContactRow[]).map(toContact)
  }

  *iterate(): IterableIterator<IndexedContact> {
    this.c.readThrough(CONTACTS_KEY)
    // A fresh statement: a cached one would be busy if a caller nested another read inside the loop.
    for (const row of this.c.db.prepare('SELECT * FROM contacts ORDER BY contact_id').iterate()) {
      yield toContact(row as ContactRow)
    }
  }
}
