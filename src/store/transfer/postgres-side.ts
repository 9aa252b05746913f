/**
 * The PostgreSQL end of a copy: a read in one snapshot (REPEATABLE READ, READ ONLY: nothing is written), each
 * table walked by a cursor a page at a time; and writes of whole pages as one statement (`unnest` of one array
 * per column), inside the caller's transaction.
 */
import pg from 'pg'
import { UserError } from '../../errors.js'
import { PostgresStoreError, newerSchemaError, postgresOpenError } from '../postgres/errors.js'
import type { PgQueryable } from '../postgres/context.js'
import { LATEST_PG_SCHEMA, quoteSchema } from '../postgres/migrations.js'
import { parsePostgresUrl } from '../postgres/url.js'
import {
  type ColumnType,
  type EventIds,
  type Row,
  type StoredLock,
  type TableCounts,
  type TableSpec,
  zeroCounts,
} from './tables.js'

const INT8_OID = 20
const CONNECT_TIMEOUT_MS = 10_000
/** How long the copy waits for another session's hold on a target table before saying the store is in use. */
const LOCK_TIMEOUT = '10s'

/** bigint read as a number, as the store's own pool reads it (open.ts): no value of ours comes near 2^53. */
const types: pg.CustomTypesConfig = {
  getTypeParser: (oid: number, format?: 'text' | 'binary'): ((value: string) => unknown) =>
    oid === INT8_OID && format !== 'binary'
      ? Number
      : (pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown),
}

export interface PgEnd {
  client: pg.Client
  /** The schema, quoted. */
  q: string
  schema: string
  /** The redacted URL. */
  display: string
}

/** One connection of its own (no pool: a copy reads on one snapshot); failing to connect is a PostgresStoreError. */
export const connectPg = async (url: string, schema: string): Promise<PgEnd> => {
  const location = parsePostgresUrl(url, { schema })
  const client = new pg.Client({
    connectionString: location.connectionString,
    application_name: 'aircall-intercom',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    types,
  })
  client.on('error', () => undefined)
  try {
    await client.connect()
  } catch (error) {
    await client.end().catch(() => undefined)
    throw postgresOpenError(location.display, location.schema, error)
  }
  return { client, q: quoteSchema(location.schema), schema: location.schema, display: location.display }
}

/** Whether the schema holds a store (its migrations table), asked without creating anything. */
export const pgStorePresent = async (end: PgEnd): Promise<boolean> => {
  const { rows } = await end.client.query<{ present: boolean }>(
    `select to_regclass(quote_ident($1) || '.schema_migrations') is not null as present`,
    [end.schema],
  )
  return rows[0]?.present === true
}

/**
 * Opens the snapshot every read of the copy shares. A schema written by a newer build is refused; an older one is
 * read as it is (every table copied exists since version 1), never migrated: the read writes nothing.
 */
export const beginPgSnapshot = async (end: PgEnd): Promise<void> => {
  await end.client.query('begin isolation level repeatable read read only')
  const { rows } = await end.client.query<{ version: number | null }>(
    `select max(version) as version from ${end.q}.schema_migrations`,
  )
  const current = rows[0]?.version ?? 0
  if (current > LATEST_PG_SCHEMA) throw newerSchemaError(end.display, end.schema, current, LATEST_PG_SCHEMA)
}

/** JSON documents travel as their text, the form SQLite keeps them in. */
const selected = ([name, type]: readonly [string, ColumnType]): string =>
  type === 'json' || type === 'jsonb' ? `${name}::text as ${name}` : name

/** The table's rows in key order, `spec.page` at a time, through a cursor of the open snapshot. */
export async function* pgPages(end: PgEnd, spec: TableSpec): AsyncGenerator<Row[]> {
  const cursor = `transfer_${spec.name}`
  await end.client.query(
    `declare ${cursor} no scroll cursor for
       select ${spec.columns.map(selected).join(', ')} from ${end.q}.${spec.name} order by ${spec.key.join(', ')}`,
  )
  try {
    for (;;) {
      const { rows } = await end.client.query<Row>({
        text: `fetch forward ${spec.page} from ${cursor}`,
        rowMode: 'array',
      })
      if (rows.length > 0) yield rows
      if (rows.length < spec.page) return
    }
  } finally {
    await end.client.query(`close ${cursor}`).catch(() => undefined)
  }
}

const ARRAY_TYPES: Record<ColumnType, string> = {
  text: 'text[]',
  integer: 'integer[]',
  bigint: 'bigint[]',
  double: 'double precision[]',
  json: 'text[]',
  jsonb: 'text[]',
}

/** A page written as one statement: one array parameter per column, zipped back into rows by `unnest`. */
export const pgInsert = async (db: PgQueryable, q: string, spec: TableSpec, rows: readonly Row[]): Promise<number> => {
  if (rows.length === 0) return 0
  const names = spec.columns.map(([name]) => name)
  const params = spec.columns.map(([, type], i) => `$${i + 1}::${ARRAY_TYPES[type]}`)
  const values = spec.columns.map(([, type], i) => {
    const column = `u.c${i}`
    return type === 'json' || type === 'jsonb' ? `${column}::${type}` : column
  })
  const result = await db.query(
    `insert into ${q}.${spec.name} (${names.join(', ')})
       select ${values.join(', ')} from unnest(${params.join(', ')}) as u(${names.map((_, i) => `c${i}`).join(', ')})`,
    spec.columns.map((_, i) => rows.map((row) => row[i] ?? null)),
  )
  return result.rowCount ?? 0
}

/** Rows per table, as the transaction sees them, in one statement (so one snapshot). */
export const pgCounts = async (db: PgQueryable, q: string, tables: readonly TableSpec[]): Promise<TableCounts> => {
  const counts = zeroCounts()
  if (tables.length === 0) return counts
  const { rows } = await db.query<Record<string, number>>(
    `select ${tables.map((t) => `(select count(*)::integer from ${q}.${t.name}) as ${t.name}`).join(', ')}`,
  )
  const row = rows[0] ?? {}
  for (const spec of tables) counts[spec.name] = row[spec.name] ?? 0
  return counts
}

/** Holds the target's tables for the whole copy: nothing else writes them (or sees them half copied) meanwhile. */
export const pgLockTables = async (db: PgQueryable, q: string, tables: readonly TableSpec[]): Promise<void> => {
  await db.query(`set local lock_timeout = '${LOCK_TIMEOUT}'`)
  await db.query(`lock table ${tables.map((t) => `${q}.${t.name}`).join(', ')} in access exclusive mode`)
}

export const pgClear = async (db: PgQueryable, q: string, tables: readonly TableSpec[]): Promise<void> => {
  await db.query(`truncate ${tables.map((t) => `${q}.${t.name}`).join(', ')}`)
}

/**
 * `events.id` is an identity: the next id is the sequence's. It may be past the highest id stored (purged events,
 * or numbers a failed insert consumed), and is never behind it once a copy set it.
 */
export const pgEventIds = async (db: PgQueryable, q: string): Promise<EventIds> => {
  const { rows } = await db.query<{ max_id: number | null; last_value: number; is_called: boolean }>(
    `select (select max(id) from ${q}.events) as max_id, last_value, is_called from ${q}.events_id_seq`,
  )
  const row = rows[0]
  const maxId = row?.max_id ?? null
  const next = row === undefined ? 1 : row.is_called ? row.last_value + 1 : row.last_value
  return { maxId, nextId: Math.max(next, (maxId ?? 0) + 1) }
}

/** The next id handed out becomes `last + 1`: events enqueued after the copy never reuse a copied (or purged) id. */
export const pgSetLastEventId = async (db: PgQueryable, q: string, last: number): Promise<void> => {
  await db.query('select setval($1::regclass, $2, $3)', [`${q}.events_id_seq`, Math.max(last, 1), last > 0])
}

export const pgLocks = async (db: PgQueryable, q: string): Promise<StoredLock[]> => {
  const { rows } = await db.query<{ name: string; owner: string; expires_at: number }>(
    `select name, owner, expires_at from ${q}.locks order by name`,
  )
  return rows.map((row) => ({ name: row.name, owner: row.owner, expiresAt: Number(row.expires_at) }))
}

interface DriverError {
  code?: unknown
  message?: unknown
}

/**
 * A failure of the copy on the PostgreSQL side, naming the store by its redacted URL; a driver message that names
 * a connection string (which could carry the password) is not repeated.
 */
export const pgCopyError = (display: string, schema: string, doing: string, error: unknown): Error => {
  // Our own refusals (a lock held, a target not empty, a failed verification) and the store's errors pass as they are.
  if (error instanceof UserError) return error
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as DriverError
  // SQLSTATE codes are five characters; anything else (a socket's ECONNRESET, SQLite's own) is not the server's.
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) {
    // Not the server's: a connection that dropped (a socket's code, or the driver's words), or an error of ours.
    const dropped = typeof code === 'string' && /^E[A-Z]+$/.test(code)
    if (dropped || (typeof message === 'string' && /connection terminated|timeout/i.test(message))) {
      return postgresOpenError(display, schema, error)
    }
    return error instanceof Error ? error : new Error(String(error))
  }
  if (code === '55P03') {
    return new PostgresStoreError(
      'failed',
      display,
      `cannot copy the state into ${display}: its tables stayed in use by another session for ${LOCK_TIMEOUT}`,
      'stop whatever runs on that store (listen, sync, a backfill), then run state migrate again',
    )
  }
  const detail = typeof message === 'string' && !message.includes('://') ? message : `error ${code}`
  return new PostgresStoreError('failed', display, `${doing} ${display} failed: ${detail} (SQLSTATE ${code})`)
}
