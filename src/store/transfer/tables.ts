/**
 * The tables a copy between the SQLite and the PostgreSQL store moves, column by column. Both backends hold the
 * same columns (PostgreSQL's `ledger.revision` aside, which starts again at its default), spelled in each one's
 * types: the JSON documents are TEXT in SQLite and json/jsonb in PostgreSQL, the times in milliseconds INTEGER
 * and bigint. An explicit list, not "every table of the schema": a table added later is copied only once it is
 * named here, and PostgreSQL's live API budgets (rate-limit state, not history) never are.
 */

/** How a column is typed in PostgreSQL; in SQLite every one is TEXT, INTEGER or REAL as it has always been. */
export type ColumnType = 'text' | 'integer' | 'bigint' | 'double' | 'json' | 'jsonb'

export type TableName =
  | 'ledger'
  | 'checkpoints'
  | 'call_states'
  | 'events'
  | 'contacts'
  | 'contact_readings'
  | 'fingerprints'
  | 'marks'
  | 'locks'

export interface TableSpec {
  name: TableName
  /** The primary key, in the order rows are read (and so written). */
  key: readonly string[]
  columns: ReadonlyArray<readonly [name: string, type: ColumnType]>
  /** Rows read and written at a time: fewer for tables whose rows carry whole payloads. */
  page: number
}

const PAGE = 5_000

/**
 * Every table of the store, parents before children (contact_readings refers to contacts). `locks` is last: a
 * snapshot copies it, `state migrate` does not (see HISTORY_TABLES).
 */
export const TABLES: readonly TableSpec[] = [
  {
    name: 'ledger',
    key: ['key'],
    columns: [
      ['key', 'text'],
      ['status', 'text'],
      ['external_id', 'text'],
      ['data', 'jsonb'],
      ['attempts', 'integer'],
      ['last_error', 'text'],
      ['created_at', 'bigint'],
      ['updated_at', 'bigint'],
      ['owner', 'text'],
      ['lease_until', 'bigint'],
    ],
    page: PAGE,
  },
  {
    name: 'checkpoints',
    key: ['name'],
    columns: [
      ['name', 'text'],
      ['value', 'json'],
      ['updated_at', 'bigint'],
    ],
    page: PAGE,
  },
  {
    name: 'call_states',
    key: ['call_id'],
    columns: [
      ['call_id', 'text'],
      ['stage', 'integer'],
      ['event', 'text'],
      ['event_at', 'double'],
      ['not_logged', 'text'],
      ['updated_at', 'bigint'],
    ],
    page: PAGE,
  },
  {
    name: 'events',
    key: ['id'],
    columns: [
      ['id', 'bigint'],
      ['source', 'text'],
      ['identity', 'text'],
      ['type', 'text'],
      ['subject', 'text'],
      ['payload', 'text'],
      ['status', 'text'],
      ['attempts', 'integer'],
      ['next_attempt_at', 'bigint'],
      ['lease_until', 'bigint'],
      ['last_error', 'text'],
      ['received_at', 'bigint'],
      ['updated_at', 'bigint'],
      ['outcome', 'jsonb'],
    ],
    // A webhook's payload, or a dead letter's whole call: a few kilobytes each.
    page: 1_000,
  },
  {
    name: 'contacts',
    key: ['contact_id'],
    columns: [
      ['contact_id', 'text'],
      ['role', 'text'],
      ['name', 'text'],
      ['email', 'text'],
      ['email_raw', 'text'],
      ['phone_raw', 'text'],
      ['phone_e164', 'text'],
      ['phone_derivation', 'text'],
      ['country', 'text'],
      ['phone_tail', 'text'],
      ['created_at', 'bigint'],
      ['updated_at', 'bigint'],
      ['last_seen_at', 'bigint'],
      ['origin', 'text'],
      ['indexed_at', 'bigint'],
    ],
    page: PAGE,
  },
  {
    name: 'contact_readings',
    key: ['contact_id', 'e164'],
    columns: [
      ['contact_id', 'text'],
      ['e164', 'text'],
      ['derivation', 'text'],
    ],
    page: PAGE,
  },
  {
    name: 'fingerprints',
    key: ['fingerprint'],
    columns: [
      ['fingerprint', 'text'],
      ['expires_at', 'bigint'],
    ],
    page: PAGE,
  },
  {
    name: 'marks',
    key: ['key'],
    columns: [
      ['key', 'text'],
      ['at', 'bigint'],
    ],
    page: PAGE,
  },
  {
    name: 'locks',
    key: ['name'],
    columns: [
      ['name', 'text'],
      ['owner', 'text'],
      ['expires_at', 'bigint'],
    ],
    page: PAGE,
  },
]

/**
 * What `state migrate` moves: everything but the locks. A lock belongs to a process running on the old store (a
 * listener, a sync); moved, it would make the new store look busy until it expired, while its holder, still on
 * the old store, would never renew or release it there. The migration refuses while one is live instead.
 */
export const HISTORY_TABLES: readonly TableSpec[] = TABLES.filter((table) => table.name !== 'locks')

export const tableSpec = (name: TableName): TableSpec => {
  const spec = TABLES.find((table) => table.name === name)
  if (!spec) throw new Error(`no such table in the transfer: ${name}`)
  return spec
}

/** A row as both drivers hand it over in array mode: the columns' values in the spec's order. */
export type Row = unknown[]

/** Rows per table. */
export type TableCounts = Record<TableName, number>

export const zeroCounts = (): TableCounts => ({
  ledger: 0,
  checkpoints: 0,
  call_states: 0,
  events: 0,
  contacts: 0,
  contact_readings: 0,
  fingerprints: 0,
  marks: 0,
  locks: 0,
})

/** A lock row as either store holds it. */
export interface StoredLock {
  name: string
  owner: string
  expiresAt: number
}

/** Where the event ids stand: the highest stored, and the highest ever handed out (a purged event's included). */
export interface EventIds {
  maxId: number | null
  /** The next id the store will hand out. */
  nextId: number
}
