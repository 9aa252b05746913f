import type { AsyncContactIndex } from '../async-store.js'
import {
  byReadingStrength,
  type ContactReading,
  type IndexedContact,
  indexedEmail,
  readingsToStore,
  type StoredDerivation,
} from '../contact-index.js'
import type { PgRepositoryContext, PgTables } from './context.js'

/**
 * Contact ids sort as SQLite sorts them (by byte, the "C" collation) whatever the database's collation, which is
 * also what iterate()'s keyset pages rely on. A contact's readings go with it: deleting the contact deletes them.
 */
export const contactIndexTables: PgTables = {
  since: 1,
  sql: (schema) => `
    CREATE TABLE ${schema}.contacts (
      contact_id text COLLATE "C" PRIMARY KEY,
      role text NOT NULL,
      name text,
      email text,
      email_raw text,
      phone_raw text,
      phone_e164 text,
      phone_derivation text,
      country text,
      phone_tail text,
      created_at bigint NOT NULL,
      updated_at bigint NOT NULL,
      last_seen_at bigint,
      origin text NOT NULL,
      indexed_at bigint NOT NULL
    );
    CREATE INDEX contacts_email ON ${schema}.contacts (email);
    CREATE INDEX contacts_phone_tail ON ${schema}.contacts (phone_tail);
    CREATE INDEX contacts_phone_international ON ${schema}.contacts (phone_e164)
      WHERE phone_derivation = 'international';
    CREATE TABLE ${schema}.contact_readings (
      contact_id text COLLATE "C" NOT NULL REFERENCES ${schema}.contacts (contact_id) ON DELETE CASCADE,
      e164 text NOT NULL,
      derivation text NOT NULL CHECK (derivation IN ('international','contact-country','default-country')),
      PRIMARY KEY (contact_id, e164)
    );
    CREATE INDEX contact_readings_e164 ON ${schema}.contact_readings (e164, contact_id);
  `,
}

interface ContactRow {
  contact_id: string
  role: 'user' | 'lead'
  name: string | null
  email: string | null
  email_raw: string | null
  phone_raw: string | null
  phone_e164: string | null
  /** bigint columns: a string unless the pool parses int8. */
  created_at: string | number
  updated_at: string | number
  last_seen_at: string | number | null
  origin: IndexedContact['origin']
  indexed_at: string | number
  country: string | null
  phone_tail: string | null
}

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
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
  lastSeenAt: row.last_seen_at === null ? null : Number(row.last_seen_at),
  origin: row.origin,
  indexedAt: Number(row.indexed_at),
  country: row.country,
  phoneTail: row.phone_tail,
})

/** Rows of one contact, one per reading (or one with none), folded into the contact with its readings. */
function withReadings(rows: ContactReadingRow[]): IndexedContact | undefined {
  const first = rows[0]
  if (!first) return undefined
  const readings: ContactReading[] = []
  for (const row of rows) {
    if (row.reading_e164 !== null && row.reading_derivation !== null) {
      readings.push({ e164: row.reading_e164, derivation: row.reading_derivation })
    }
  }
  readings.sort(byReadingStrength)
  return { ...toContact(first), readings }
}

/** Rows per page of iterate(): enough to amortise a round trip, few enough to hold. */
const PAGE_SIZE = 1_000

/**
 * Every write is one statement: an upsert of a thousand contacts is one round trip, its readings included. A
 * best-effort upsert is written like any other (PostgreSQL commits it before answering, so there is nothing to
 * group and nothing a later read could miss).
 */
export class PgContactIndex implements AsyncContactIndex {
  private readonly contacts: string
  private readonly readings: string

  constructor(private readonly ctx: PgRepositoryContext) {
    this.contacts = `${ctx.schema}.contacts`
    this.readings = `${ctx.schema}.contact_readings`
  }

  async upsert(contacts: readonly IndexedContact[]): Promise<void> {
    if (contacts.length === 0) return
    // One row per contact, the last given winning as if they were written in turn (ON CONFLICT refuses to touch a
    // row twice in one statement), in contact id order: two upserts that share contacts lock them in one order,
    // so they wait for each other rather than deadlock.
    const byId = new Map<string, IndexedContact>()
    for (const contact of contacts) byId.set(contact.contactId, contact)
    const latest = [...byId.values()].sort((x, y) =>
      x.contactId < y.contactId ? -1 : x.contactId > y.contactId ? 1 : 0,
    )
    const columns: unknown[][] = Array.from({ length: 15 }, () => [])
    const readingIds: string[] = []
    const readingE164s: string[] = []
    const readingDerivations: string[] = []
    for (const contact of latest) {
      // The first reading of an E.164 is the strongest: a weaker derivation of the same number adds nothing.
      const readings = new Map<string, StoredDerivation>()
      for (const reading of readingsToStore(contact)) {
        if (!readings.has(reading.e164)) readings.set(reading.e164, reading.derivation)
      }
      const values = [
        contact.contactId,
        contact.role,
        contact.name,
        contact.email === null ? null : indexedEmail(contact.email),
        contact.emailRaw ?? null,
        contact.phoneRaw,
        contact.phoneE164,
        contact.phoneE164 === null ? null : (readings.get(contact.phoneE164) ?? null),
        contact.country ?? null,
        contact.phoneTail ?? null,
        contact.createdAt,
        contact.updatedAt,
        contact.lastSeenAt,
        contact.origin,
        contact.indexedAt,
      ]
      values.forEach((value, index) => columns[index]?.push(value))
      for (const [e164, derivation] of readings) {
        readingIds.push(contact.contactId)
        readingE164s.push(e164)
        readingDerivations.push(derivation)
      }
    }
    // A contact's readings are replaced whole (a phone edited in Intercom keeps none of its old ones): the readings
    // it no longer has are deleted and the others upserted, so no statement part touches a row another one does.
    await this.ctx.db.query(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
           $8::text[], $9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::bigint[], $14::text[], $15::bigint[])
           AS t(contact_id, role, name, email, email_raw, phone_raw, phone_e164, phone_derivation, country, phone_tail,
             created_at, updated_at, last_seen_at, origin, indexed_at)
       ),
       new_readings AS (
         SELECT * FROM unnest($16::text[], $17::text[], $18::text[]) AS r(contact_id, e164, derivation)
       ),
       upserted AS (
         INSERT INTO ${this.contacts} AS c (contact_id, role, name, email, email_raw, phone_raw, phone_e164,
           phone_derivation, country, phone_tail, created_at, updated_at, last_seen_at, origin, indexed_at)
         SELECT * FROM input
         ON CONFLICT (contact_id) DO UPDATE SET role = excluded.role, name = excluded.name, email = excluded.email,
           email_raw = excluded.email_raw, phone_raw = excluded.phone_raw, phone_e164 = excluded.phone_e164,
           phone_derivation = excluded.phone_derivation, country = excluded.country, phone_tail = excluded.phone_tail,
           created_at = excluded.created_at, updated_at = excluded.updated_at, last_seen_at = excluded.last_seen_at,
           origin = CASE WHEN excluded.origin = 'search' AND c.origin = 'refresh' THEN 'refresh' ELSE excluded.origin END,
           indexed_at = excluded.indexed_at
         RETURNING 1
       ),
       forgotten AS (
         DELETE FROM ${this.readings} old USING input
         WHERE old.contact_id = input.contact_id
           AND NOT EXISTS (SELECT 1 FROM new_readings n WHERE n.contact_id = old.contact_id AND n.e164 = old.e164)
         RETURNING 1
       ),
       read AS (
         INSERT INTO ${this.readings} AS r (contact_id, e164, derivation)
         SELECT contact_id, e164, derivation FROM new_readings
         ON CONFLICT (contact_id, e164) DO UPDATE SET derivation = excluded.derivation
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM upserted) AS contacts`,
      [...columns, readingIds, readingE164s, readingDerivations],
    )
  }

  async remove(contactIds: readonly string[]): Promise<void> {
    if (contactIds.length === 0) return
    await this.ctx.db.query(`DELETE FROM ${this.contacts} WHERE contact_id = ANY($1::text[])`, [[...contactIds]])
  }

  async get(contactId: string): Promise<IndexedContact | undefined> {
    const { rows } = await this.ctx.db.query<ContactReadingRow>(
      `SELECT c.*, r.e164 AS reading_e164, r.derivation AS reading_derivation
       FROM ${this.contacts} c LEFT JOIN ${this.readings} r ON r.contact_id = c.contact_id
       WHERE c.contact_id = $1`,
      [contactId],
    )
    return withReadings(rows)
  }

  async findByPhone(e164: string): Promise<IndexedContact[]> {
    const { rows } = await this.ctx.db.query<ContactRow & { reading_derivation: StoredDerivation }>(
      `SELECT c.*, r.derivation AS reading_derivation
       FROM ${this.readings} r JOIN ${this.contacts} c ON c.contact_id = r.contact_id
       WHERE r.e164 = $1
       ORDER BY r.contact_id`,
      [e164],
    )
    return rows.map((row) => ({ ...toContact(row), readings: [{ e164, derivation: row.reading_derivation }] }))
  }

  async findSpelledInternationally(e164: string): Promise<IndexedContact[]> {
    const { rows } = await this.ctx.db.query<ContactRow>(
      `SELECT * FROM ${this.contacts} WHERE phone_e164 = $1 AND phone_derivation = 'international'
       ORDER BY contact_id`,
      [e164],
    )
    return rows.map((row) => ({ ...toContact(row), readings: [{ e164, derivation: 'international' as const }] }))
  }

  async findByPhoneTail(tail: string): Promise<IndexedContact[]> {
    const { rows } = await this.ctx.db.query<ContactRow>(
      `SELECT * FROM ${this.contacts} WHERE phone_tail = $1 ORDER BY contact_id`,
      [tail],
    )
    return rows.map(toContact)
  }

  async findByEmail(email: string): Promise<IndexedContact[]> {
    // Lower-cased here as the stored address was (JavaScript's case mapping, not the database's).
    const { rows } = await this.ctx.db.query<ContactRow>(
      `SELECT * FROM ${this.contacts} WHERE email = $1 ORDER BY contact_id`,
      [indexedEmail(email)],
    )
    return rows.map(toContact)
  }

  /** Page by page in contact id order, each page starting after the last id of the one before. */
  async *iterate(): AsyncIterableIterator<IndexedContact> {
    const first = `SELECT * FROM ${this.contacts} ORDER BY contact_id LIMIT ${PAGE_SIZE}`
    const next = `SELECT * FROM ${this.contacts} WHERE contact_id > $1 ORDER BY contact_id LIMIT ${PAGE_SIZE}`
    let after: string | null = null
    for (;;) {
      const page: { rows: ContactRow[] } =
        after === null ? await this.ctx.db.query<ContactRow>(first) : await this.ctx.db.query<ContactRow>(next, [after])
      for (const row of page.rows) yield toContact(row)
      const last = page.rows.at(-1)
      if (!last || page.rows.length < PAGE_SIZE) return
      after = last.contact_id
    }
  }
}
