import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { MIGRATIONS } from '../migrations.js'
import { openFailureProblem, StoreError, storeFileError, writeAccessProblem } from '../store-file-errors.js'
import { LATEST_SCHEMA } from './connection.js'

export interface DatabaseOptions {
  readonly: boolean
  /** How long a statement waits for another connection's write lock before failing with SQLITE_BUSY. */
  busyTimeoutMs: number
  /** Open this serialized database in memory instead of the file at `path` (which is then never touched). */
  image?: Buffer
  /** False: this connection never checkpoints the WAL (see SqliteStoreOptions.walAutoCheckpoint). */
  walAutoCheckpoint: boolean
}

/**
 * Makes the directory and, only when there is no file yet, the file itself, 0600 before SQLite opens it: the store
 * holds contact data and must not be world-readable. An existing file keeps its mode, whoever set it, and is
 * refused if this process cannot write it.
 */
const prepareWritableFile = (path: string): void => {
  try {
    mkdirSync(dirname(path), { recursive: true })
  } catch (error) {
    throw new StoreError(`cannot create the state store ${path}: ${(error as Error).message}`, path)
  }
  let created = false
  try {
    closeSync(openSync(path, 'wx', 0o600))
    created = true
  } catch (error) {
    // EEXIST: the file was there (or another process made it first), so it is not ours to chmod.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      const problem = openFailureProblem(path, error)
      if (problem) throw storeFileError(path, problem)
      throw new StoreError(`cannot create the state store ${path}: ${(error as Error).message}`, path)
    }
  }
  if (created) {
    // The umask may have taken bits from 0600; the file is ours, so it gets exactly 0600.
    chmodSync(path, 0o600)
    return
  }
  const problem = writeAccessProblem(path)
  if (problem) throw storeFileError(path, problem)
}

/** SQLite's quick_check lines, empty when the file is sound. */
export const integrityProblemsOf = (db: Database.Database): string[] => {
  try {
    const rows = db.pragma('quick_check(20)') as Array<{ quick_check: string }>
    return rows.map((row) => row.quick_check).filter((text) => text !== 'ok')
  } catch (error) {
    // Damage bad enough stops the check itself ("database disk image is malformed").
    return [(error as Error).message]
  }
}

const storedVersion = (db: Database.Database): number => {
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_version').get() as { version: number | null }
  return row.version ?? 0
}

const refuseNewer = (current: number): void => {
  if (current > LATEST_SCHEMA) {
    throw new Error(`the store was written by a newer version (schema ${current}, this build knows ${LATEST_SCHEMA})`)
  }
}

const hasVersionTable = (db: Database.Database): boolean =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get() !== undefined

const checkVersion = (db: Database.Database): void => {
  if (!hasVersionTable(db)) throw new Error('it holds no aircall-intercom schema')
  refuseNewer(storedVersion(db))
}

/**
 * The version is read again under the write lock (BEGIN IMMEDIATE) before anything is applied: processes opening a
 * new file together (two backfills started at once) would otherwise all read version 0, and all but the first fail
 * on the tables it made. A store already at this build's version is only read, without the lock.
 */
const migrate = (db: Database.Database): void => {
  if (hasVersionTable(db) && storedVersion(db) >= LATEST_SCHEMA) {
    refuseNewer(storedVersion(db))
    return
  }
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)')
    const current = storedVersion(db)
    refuseNewer(current)
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue
      db.exec(migration.sql)
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(migration.version)
    }
  }).immediate()
}

/**
 * Opens the store's database in WAL mode, migrated (or, read-only, checked): readers (`status`, `events list`)
 * never block the listener's writes, and a commit is durable once the call returns, which is what "ack after
 * commit" relies on. Every failure is a StoreError naming the file and what is wrong with it.
 */
export const openDatabase = (path: string, options: DatabaseOptions): Database.Database => {
  const { readonly, image } = options
  if (path !== ':memory:' && !readonly && image === undefined) prepareWritableFile(path)
  let db: Database.Database | null = null
  try {
    db = new Database(image ?? path, { readonly, fileMustExist: readonly, timeout: options.busyTimeoutMs })
    // Read before anything is written: a file that is not a store, or is damaged, fails here unchanged.
    db.prepare('SELECT COUNT(*) FROM sqlite_master').get()
    if (readonly) {
      // A reader changes nothing: no journal mode, no migration, no chmod (`status` on a read-only file works).
      checkVersion(db)
    } else {
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      db.pragma('foreign_keys = ON')
      migrate(db)
    }
    db.pragma('cache_size = -16000')
    if (!options.walAutoCheckpoint) db.pragma('wal_autocheckpoint = 0')
    return db
  } catch (error) {
    const problem = openFailureProblem(path, error)
    if (problem?.kind === 'damaged' && db) {
      // quick_check names the damage better than the statement that tripped over it, when it can run at all.
      const found = integrityProblemsOf(db)
      if (found.length > 0) problem.problems = found
    }
    db?.close()
    if (problem) throw storeFileError(path, problem)
    throw new StoreError(`cannot open the state store ${path}: ${(error as Error).message}`, path)
  }
}
