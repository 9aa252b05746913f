import type Database from 'better-sqlite3'
import { MIGRATIONS } from '../migrations.js'
import { GroupedWrites } from './grouped-writes.js'

export const LATEST_SCHEMA = MIGRATIONS.at(-1)?.version ?? 0

export const parseJsonObject = (text: string): Record<string, unknown> => {
  const value: unknown = JSON.parse(text)
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

/**
 * One open database shared by every repository of a store: its prepared statements, its transactions and its
 * grouped writes, so writes through any repository commit in the order they were made.
 */
export class SqliteConnection {
  private readonly statements = new Map<string, Database.Statement>()
  // One wrapper for the life of the store: better-sqlite3 prepares BEGIN/COMMIT for every wrapper it builds.
  private atomic: Database.Transaction<(fn: () => unknown) => unknown> | null = null
  readonly grouped = new GroupedWrites((fn) => this.immediate(fn))

  constructor(
    readonly db: Database.Database,
    readonly now: () => number,
    readonly readonly: boolean,
  ) {}

  /** Prepared once per SQL text: preparing dominated the cost of hot paths such as the listener's enqueue. */
  sql(text: string): Database.Statement {
    let statement = this.statements.get(text)
    if (!statement) {
      statement = this.db.prepare(text)
      this.statements.set(text, statement)
    }
    return statement
  }

  /**
   * BEGIN IMMEDIATE: the write lock is taken up front, waiting (busy timeout) for another connection such as
   * the listener's intake thread. A deferred transaction that reads then writes could instead fail at once
   * with SQLITE_BUSY when the other connection committed in between.
   */
  transaction<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn()
    // Grouped writes were queued first, so they commit first: a checkpoint must not land before the steps it covers.
    this.grouped.flush(true)
    return this.immediate(fn)
  }

  /**
   * Opens a transaction its caller ends with `commit` or `rollback` (the async store's, whose steps are awaited).
   * Queued grouped writes commit first, as for `transaction`.
   */
  begin(): void {
    this.grouped.flush(true)
    this.db.exec('BEGIN IMMEDIATE')
  }

  commit(): void {
    this.db.exec('COMMIT')
  }

  rollback(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK')
  }

  /** Before a single-statement write outside transaction(): what was queued before it commits before it. */
  beforeWrite(): void {
    if (!this.db.inTransaction) this.grouped.flush(true)
  }

  /** Queues a write for the next group, or runs it at once inside a transaction (which is then its commit). */
  deferred(key: string, apply: () => void): void {
    if (this.db.inTransaction) apply()
    else this.grouped.unawaited(key, apply)
  }

  /** A read of `key` sees the writes queued for it. */
  readThrough(key: string): void {
    if (this.grouped.touches(key)) this.grouped.flush(true)
  }

  private immediate<T>(fn: () => T): T {
    this.atomic ??= this.db.transaction((inner: () => unknown) => inner())
    return this.atomic.immediate(fn) as T
  }

  schemaVersion(): number {
    const row = this.sql('SELECT MAX(version) AS version FROM schema_version').get() as { version: number | null }
    return row.version ?? 0
  }

  /**
   * A reader opened on a store older than migration 8 (read-only, so not migrated) finds per-call live states
   * among the checkpoints, as they were kept then.
   */
  callStatesInCheckpoints(): boolean {
    return this.readonly && this.schemaVersion() < 8
  }

  close(): void {
    if (!this.db.open) return
    try {
      this.grouped.flush()
    } finally {
      this.db.close()
    }
  }
}
