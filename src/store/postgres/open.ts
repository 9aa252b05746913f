import { AsyncLocalStorage } from 'node:async_hooks'
import pg from 'pg'
import type { AsyncStateStore } from '../async-store.js'
import { isOwnerGone, newStepOwner } from '../step-owner.js'
import { postgresOpenError } from './errors.js'
import { migrate } from './migrations.js'
import { PgStateStore } from './state-store.js'
import { parsePostgresUrl } from './url.js'
import { heedConnectionLoss } from './context.js'

export interface PostgresStoreOptions {
  /** The schema the tables live in (else the URL's `?schema=`, else `public`): several stores share a database. */
  schema?: string
  now?: () => number
  /** The owner `ledger.begin` claims steps as (one per process; see step-owner.ts). */
  owner?: string
  /** Whether a claim's owner is known to be dead (its lease is then not waited out). */
  isOwnerGone?: (owner: string) => boolean
  /** The most connections the store holds open at once. */
  poolSize?: number
  /** How long to wait for a connection (a new one, or a free one of a full pool) before failing. */
  connectTimeoutMs?: number
}

/** Small: every replica and every cron run holds a pool, and the server's max_connections is shared by all. */
const DEFAULT_POOL_SIZE = 10
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
const INT8_OID = 20

/**
 * Counts and times in milliseconds are `bigint` columns, which the driver reads as strings lest a value pass 2^53;
 * none of ours comes near, so this store's pool reads them as numbers (other pools of the process are untouched).
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: (oid: number, format?: 'text' | 'binary'): ((value: string) => unknown) =>
    oid === INT8_OID && format !== 'binary'
      ? Number
      : (pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown),
}

/**
 * Opens the PostgreSQL store at `url`: a pool, the schema migrated (or refused when a newer build wrote it), the
 * repositories over the pool. Every failure to connect or migrate is a PostgresStoreError naming the redacted URL.
 */
export const openPostgresStore = async (url: string, options: PostgresStoreOptions = {}): Promise<AsyncStateStore> => {
  const location = parsePostgresUrl(url, { schema: options.schema })
  const pool = new pg.Pool({
    connectionString: location.connectionString,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    application_name: 'aircall-intercom',
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    types,
  })
  // An idle client whose connection drops (a server restart, a failover) is reported here and dropped from the
  // pool, which connects anew for the next statement; unhandled, the event would end the process.
  pool.on('error', () => undefined)
  try {
    const client = await pool.connect()
    const unheed = heedConnectionLoss(client)
    let failed = false
    try {
      await migrate(client, location.schema, location.display)
    } catch (error) {
      failed = true
      throw error
    } finally {
      unheed()
      client.release(failed)
    }
  } catch (error) {
    await pool.end().catch(() => undefined)
    throw postgresOpenError(location.display, location.schema, error)
  }
  return new PgStateStore({
    pool,
    transactions: new AsyncLocalStorage(),
    schema: location.schema,
    path: location.display,
    now: options.now ?? Date.now,
    owner: options.owner ?? newStepOwner(),
    isOwnerGone: options.isOwnerGone ?? isOwnerGone,
  })
}

/**
 * Whether the schema at `url` holds a store (its migrations table), asked on one short connection that creates
 * nothing. The database itself being unreachable is the same PostgresStoreError opening would raise.
 */
export const postgresStoreExists = async (url: string, schema?: string): Promise<boolean> => {
  const location = parsePostgresUrl(url, { schema })
  const client = new pg.Client({
    connectionString: location.connectionString,
    application_name: 'aircall-intercom',
    connectionTimeoutMillis: DEFAULT_CONNECT_TIMEOUT_MS,
  })
  client.on('error', () => undefined)
  try {
    await client.connect()
    const { rows } = await client.query<{ present: boolean }>(
      `select to_regclass(quote_ident($1) || '.schema_migrations') is not null as present`,
      [location.schema],
    )
    return rows[0]?.present === true
  } catch (error) {
    throw postgresOpenError(location.display, location.schema, error)
  } finally {
    await client.end().catch(() => undefined)
  }
}
