/**
 * Table-level copies between the two backends of the state store, each all or nothing and read from one
 * consistent view of its source:
 *
 * - `postgresSnapshot`: an in-memory SQLite store holding every row of a PostgreSQL store, for dry runs, which
 *   then decide exactly as a real run would and write nothing to the database;
 * - `copyState`: `state migrate`, an SQLite file into a PostgreSQL schema (or back), verified before it commits.
 *
 * Rows move as they are stored (ids, times, owners, leases, dead letters), not through the repositories, whose
 * writes would stamp new times and ids. Large stores move a page at a time (tables.ts): no table is ever held
 * whole in memory.
 */
import { existsSync, rmSync } from 'node:fs'
import type Database from 'better-sqlite3'
import { UserError } from '../errors.js'
import type { AsyncStateStore } from './async-store.js'
import type { StateLocation } from './location.js'
import { openPostgresStore } from './postgres/open.js'
import { quoteSchema } from './postgres/migrations.js'
import { PgStateStore } from './postgres/state-store.js'
import { asyncSqliteStore } from './sqlite/async-store.js'
import { openDatabase } from './sqlite/database.js'
import { StoreError } from './store-file-errors.js'
import { SqliteStateStore } from './sqlite/state-store.js'
import {
  beginPgSnapshot,
  connectPg,
  type PgEnd,
  pgClear,
  pgCopyError,
  pgCounts,
  pgEventIds,
  pgInsert,
  pgLocks,
  pgLockTables,
  pgPages,
  pgSetLastEventId,
  pgStorePresent,
} from './transfer/postgres-side.js'
import {
  sqliteClear,
  sqliteCounts,
  sqliteEventIds,
  sqliteInsert,
  sqliteLocks,
  sqlitePages,
  sqliteSetLastEventId,
} from './transfer/sqlite-side.js'
import {
  type EventIds,
  HISTORY_TABLES,
  type StoredLock,
  TABLES,
  type TableCounts,
  type TableName,
  type TableSpec,
  zeroCounts,
} from './transfer/tables.js'

export { HISTORY_TABLES, TABLES, type EventIds, type StoredLock, type TableCounts, type TableName }

export type PostgresStateLocation = Extract<StateLocation, { kind: 'postgres' }>
export type SqliteStateLocation = Extract<StateLocation, { kind: 'sqlite' }>

const BUSY_TIMEOUT_MS = 5_000

/**
 * BEGIN IMMEDIATE: the file's write lock, waited for as long as the busy timeout. A process that keeps it longer
 * is writing the store right now (a backfill, a listener between its lock's renewals): that is said by name.
 */
const holdWriteLock = (db: Database.Database, path: string): void => {
  try {
    db.exec('BEGIN IMMEDIATE')
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error
    throw new StoreError(
      `${path} is being written by another process, which held it for ${BUSY_TIMEOUT_MS / 1000} s`,
      path,
      'stop whatever runs on this store (listen, sync, a backfill), then run state migrate again',
    )
  }
}

const shown = (location: StateLocation): string => (location.kind === 'sqlite' ? location.path : location.display)

/** Why a copy was refused or undone; `code` is the `--json` error code. */
export class StateTransferError extends UserError {
  constructor(
    message: string,
    hint: string,
    exitCode: 1 | 2,
    errorCode: 'state_missing' | 'same_backend' | 'target_not_empty' | 'verification_failed',
    /** verification_failed: each difference found. */
    readonly problems: readonly string[] = [],
  ) {
    super(message, hint, exitCode, errorCode)
    this.name = 'StateTransferError'
  }
}

const describeCounts = (counts: TableCounts): string =>
  TABLES.filter((t) => counts[t.name] > 0)
    .map((t) => `${t.name} ${counts[t.name]}`)
    .join(', ')

const nonEmpty = (counts: TableCounts): boolean => TABLES.some((t) => counts[t.name] > 0)

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL → SQLite

/** Every row of `tables` from the open snapshot into `db` (in the caller's transaction); rows stored per table. */
const fillFromPostgres = async (
  end: PgEnd,
  db: Database.Database,
  tables: readonly TableSpec[],
): Promise<TableCounts> => {
  const copied = zeroCounts()
  for (const spec of tables) {
    try {
      for await (const page of pgPages(end, spec)) copied[spec.name] += sqliteInsert(db, spec, page)
    } catch (error) {
      throw pgCopyError(end.display, end.schema, `reading ${spec.name} from`, error)
    }
  }
  return copied
}

/**
 * An in-memory SQLite store holding a copy of every row of the PostgreSQL store at `location` (its locks
 * included), read in one REPEATABLE READ, READ ONLY transaction: a dry run decides with everything stored and
 * keeps what it learns on the way in memory. Nothing is written to the database, not even a migration: a schema
 * that holds no store yet gives an empty store, and an older one is read as it is. The events' next id is the
 * database's, so an event a dry run enqueues gets the id a real run would.
 *
 * The copy is built in an SQLite database of its own and handed to the store as its image (the store's
 * connection is its own), so for a moment the store is in memory twice, as `openStoreSnapshot` does for a file.
 */
export const postgresSnapshot = async (
  location: PostgresStateLocation,
  options: { now?: () => number; owner?: string },
): Promise<AsyncStateStore> => {
  const db = openDatabase(':memory:', { readonly: false, busyTimeoutMs: 0, walAutoCheckpoint: true })
  let image: Buffer
  try {
    const end = await connectPg(location.url, location.schema)
    try {
      if (await pgStorePresent(end)) {
        await beginPgSnapshot(end)
        db.exec('BEGIN')
        await fillFromPostgres(end, db, TABLES)
        sqliteSetLastEventId(db, (await pgEventIds(end.client, end.q)).nextId - 1)
        db.exec('COMMIT')
        await end.client.query('commit')
      }
    } catch (error) {
      throw pgCopyError(location.display, location.schema, 'reading the state of', error)
    } finally {
      await end.client.end().catch(() => undefined)
    }
    image = db.serialize()
  } finally {
    db.close()
  }
  // An in-memory database's header already says "rollback journal"; set as openStoreSnapshot does, to be sure.
  image[18] = 1
  image[19] = 1
  return asyncSqliteStore(
    new SqliteStateStore(location.display, {
      image,
      ...(options.now ? { now: options.now } : {}),
      ...(options.owner ? { owner: options.owner } : {}),
    }),
  )
}

// ---------------------------------------------------------------------------------------------------------------
// state migrate

export interface CopyOptions {
  /** Replace what the target holds (in the copy's transaction) instead of refusing a target that is not empty. */
  force?: boolean
  /**
   * Called with each side's locks inside the copy's transactions, before any row moves (the source first): throw
   * to refuse, e.g. while a listener holds the source. Expired locks are passed too: the caller decides.
   */
  checkLocks?: (side: 'source' | 'target', locks: readonly StoredLock[], location: StateLocation) => void
}

export interface CopyResult {
  /** Rows copied per table, in copy order (`locks` is never copied: see HISTORY_TABLES). */
  tables: Array<{ table: TableName; rows: number }>
  /** What the target held and `force` replaced; null when it held nothing. */
  replaced: TableCounts | null
  /** The target's event ids after the copy: the next event enqueued there gets `nextId`. */
  events: EventIds
  /** Locks the source held, left behind (a live one is for `checkLocks` to refuse). */
  locksLeft: number
}

const tableRows = (counts: TableCounts): CopyResult['tables'] =>
  HISTORY_TABLES.map((t) => ({ table: t.name, rows: counts[t.name] }))

/**
 * The checks a copy must pass before it commits: every table holds in the target as many rows as in the source
 * and as were written, the highest event id is the same, and the target's next id is not below the source's.
 */
const verify = (
  source: TableCounts,
  written: TableCounts,
  target: TableCounts,
  sourceIds: EventIds,
  targetIds: EventIds,
): string[] => {
  const problems: string[] = []
  for (const { name } of HISTORY_TABLES) {
    if (target[name] !== source[name] || written[name] !== source[name]) {
      problems.push(
        `${name}: ${source[name]} rows in the source, ${written[name]} written, ${target[name]} in the target`,
      )
    }
  }
  if (targetIds.maxId !== sourceIds.maxId) {
    problems.push(
      `events: the highest id is ${sourceIds.maxId ?? 'none'} in the source, ${targetIds.maxId ?? 'none'} in the target`,
    )
  }
  if (targetIds.nextId < sourceIds.nextId) {
    problems.push(
      `events: the next id would be ${targetIds.nextId} in the target, below the source's ${sourceIds.nextId}`,
    )
  }
  return problems
}

const verificationError = (to: StateLocation, problems: string[]): StateTransferError =>
  new StateTransferError(
    `the copy into ${shown(to)} did not verify, so nothing was committed there:\n${problems.join('\n')}`,
    'nothing changed on either store; a target that drops or adds rows (a trigger, a rule) cannot hold the state',
    1,
    'verification_failed',
    problems,
  )

const notEmptyError = (to: StateLocation, held: TableCounts): StateTransferError =>
  new StateTransferError(
    `${shown(to)} already holds state (${describeCounts(held)}): state migrate copies into an empty store`,
    'pass --force to replace what it holds with the copy, or name another store (a new database, or ?schema=)',
    1,
    'target_not_empty',
  )

const missingError = (from: StateLocation): StateTransferError =>
  new StateTransferError(
    `there is no state store at ${shown(from)}: nothing to migrate`,
    'name the store to copy with --state (or the configuration), as the other commands find it',
    2,
    'state_missing',
  )

/** SQLite file → PostgreSQL schema. */
const sqliteToPostgres = async (
  from: SqliteStateLocation,
  to: PostgresStateLocation,
  options: CopyOptions,
): Promise<CopyResult> => {
  if (!existsSync(from.path)) throw missingError(from)
  // Opened as every command opens it: migrated to this build's schema, so its columns are the ones copied.
  const source = openDatabase(from.path, { readonly: false, busyTimeoutMs: BUSY_TIMEOUT_MS, walAutoCheckpoint: true })
  try {
    // Opened (and migrated) before the source is held, so a slow server does not hold the file's writers up.
    const target = await openPostgresStore(to.url, { schema: to.schema })
    try {
      // The file's write lock for the whole copy: one consistent read, and nothing written to the old store while
      // it is copied is left behind (a writer that turns up waits, or fails with SQLITE_BUSY, instead).
      holdWriteLock(source, from.path)
      try {
        const locks = sqliteLocks(source)
        options.checkLocks?.('source', locks, from)
        const counts = sqliteCounts(source, HISTORY_TABLES)
        const ids = sqliteEventIds(source)
        const q = quoteSchema(to.schema)
        return await target.transaction(async (tx) => {
          if (!(tx instanceof PgStateStore)) throw new Error('openPostgresStore did not open a PgStateStore')
          const { db } = tx
          let doing = 'preparing'
          try {
            await pgLockTables(db, q, TABLES)
            options.checkLocks?.('target', await pgLocks(db, q), to)
            const held = await pgCounts(db, q, TABLES)
            if (nonEmpty(held) && !options.force) throw notEmptyError(to, held)
            if (nonEmpty(held)) await pgClear(db, q, TABLES)
            const written = zeroCounts()
            for (const spec of HISTORY_TABLES) {
              doing = `copying ${spec.name} into`
              for (const page of sqlitePages(source, spec)) written[spec.name] += await pgInsert(db, q, spec, page)
            }
            doing = 'verifying the copy in'
            await pgSetLastEventId(db, q, ids.nextId - 1)
            const targetIds = await pgEventIds(db, q)
            const problems = verify(counts, written, await pgCounts(db, q, HISTORY_TABLES), ids, targetIds)
            if (problems.length > 0) throw verificationError(to, problems)
            return {
              tables: tableRows(written),
              replaced: nonEmpty(held) ? held : null,
              events: targetIds,
              locksLeft: locks.length,
            }
          } catch (error) {
            throw pgCopyError(to.display, to.schema, doing, error)
          }
        })
      } finally {
        // Only read: nothing to commit.
        source.exec('ROLLBACK')
      }
    } finally {
      await target.close()
    }
  } finally {
    source.close()
  }
}

/** PostgreSQL schema → SQLite file (created 0600 when absent, and removed again when the copy fails). */
const postgresToSqlite = async (
  from: PostgresStateLocation,
  to: SqliteStateLocation,
  options: CopyOptions,
): Promise<CopyResult> => {
  const end = await connectPg(from.url, from.schema)
  const created = !existsSync(to.path)
  let committed = false
  try {
    if (!(await pgStorePresent(end))) throw missingError(from)
    const target = openDatabase(to.path, { readonly: false, busyTimeoutMs: BUSY_TIMEOUT_MS, walAutoCheckpoint: true })
    try {
      let counts: TableCounts
      let ids: EventIds
      let locks: StoredLock[]
      try {
        await beginPgSnapshot(end)
        locks = await pgLocks(end.client, end.q)
        options.checkLocks?.('source', locks, from)
        counts = await pgCounts(end.client, end.q, HISTORY_TABLES)
        ids = await pgEventIds(end.client, end.q)
      } catch (error) {
        throw pgCopyError(from.display, from.schema, 'reading the state of', error)
      }
      holdWriteLock(target, to.path)
      try {
        options.checkLocks?.('target', sqliteLocks(target), to)
        const held = sqliteCounts(target, TABLES)
        if (nonEmpty(held) && !options.force) throw notEmptyError(to, held)
        if (nonEmpty(held)) sqliteClear(target, TABLES)
        const written = await fillFromPostgres(end, target, HISTORY_TABLES)
        sqliteSetLastEventId(target, ids.nextId - 1)
        const targetIds = sqliteEventIds(target)
        const problems = verify(counts, written, sqliteCounts(target, HISTORY_TABLES), ids, targetIds)
        if (problems.length > 0) throw verificationError(to, problems)
        target.exec('COMMIT')
        committed = true
        return {
          tables: tableRows(written),
          replaced: nonEmpty(held) ? held : null,
          events: targetIds,
          locksLeft: locks.length,
        }
      } finally {
        if (!committed) target.exec('ROLLBACK')
      }
    } finally {
      target.close()
    }
  } finally {
    await end.client.end().catch(() => undefined)
    if (created && !committed) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${to.path}${suffix}`, { force: true })
    }
  }
}

/**
 * Copies the state at `from` into `to`, one backend into the other: the ledger, run checkpoints, call states,
 * the event queue (every status, dead letters included, with their ids; the next id continues above them),
 * the contact index with its readings, and the marks and loop-guard fingerprints. Not the locks (HISTORY_TABLES).
 *
 * One transaction on the target, all or nothing, from one consistent read of the source; a target that holds
 * anything is refused unless `force`, which replaces it in that same transaction. Before committing, every
 * table's rows are counted on both sides; a difference undoes the copy. The source is never changed (an SQLite
 * file is migrated to this build's schema first, as any command would).
 */
export const copyState = async (
  from: StateLocation,
  to: StateLocation,
  options: CopyOptions = {},
): Promise<CopyResult> => {
  if (from.kind === 'sqlite' && to.kind === 'postgres') return sqliteToPostgres(from, to, options)
  if (from.kind === 'postgres' && to.kind === 'sqlite') return postgresToSqlite(from, to, options)
  throw new StateTransferError(
    `${shown(from)} and ${shown(to)} are both ${from.kind === 'sqlite' ? 'SQLite files' : 'PostgreSQL stores'}: ` +
      'state migrate copies between SQLite and PostgreSQL',
    from.kind === 'sqlite'
      ? 'give --to a postgres://user@host:5432/database URL'
      : 'give --to an SQLite file path (or copy the database with pg_dump)',
    2,
    'same_backend',
  )
}
