import type { EventStatus, StatusCounts, StepStatus, SyncStateStore } from '../state-store.js'
import { isOwnerGone, newStepOwner } from '../step-owner.js'
import { SqliteCallStates } from './call-states.js'
import { LATEST_SCHEMA, SqliteConnection } from './connection.js'
import { SqliteContactIndex } from './contact-index.js'
import { integrityProblemsOf, openDatabase } from './database.js'
import { SqliteEventQueue } from './event-queue.js'
import { SqliteLedger } from './ledger.js'
import { SqliteLocks } from './locks.js'
import { SqliteMarks } from './marks.js'
import { LEGACY_CALL_STATE_PREFIX, SqliteRunCheckpoints } from './run-checkpoints.js'

export interface SqliteStoreOptions {
  now?: () => number
  readonly?: boolean
  /** Whether a claim's owner is known to be dead (its lease is then not waited out). */
  isOwnerGone?: (owner: string) => boolean
  /** The owner `ledger.begin` claims steps as (one per process; see step-owner.ts). */
  owner?: string
  /** How long a statement waits for another connection's write lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number
  /** Open this serialized database in memory instead of the file at `path` (which is then never touched). */
  image?: Buffer
  /**
   * False for a connection that only appends webhook events while another connection (the worker's) commits too:
   * this one then never checkpoints the WAL, so a checkpoint never delays an acknowledgement. Measured at 2,000
   * webhooks/s: a 16,000-page backstop checkpoint ran there every ~7 s and held one commit for 110–120 ms, which
   * alone put the p99 at 63–90 ms. The worker's connection writes whenever this one does (it claims every event it
   * is told about), and its automatic (passive) checkpoints keep the WAL bounded without blocking this writer.
   */
  walAutoCheckpoint?: boolean
}

const countByStatus = <S extends string>(connection: SqliteConnection, table: string, zero: Record<S, number>) => {
  const counts = { ...zero }
  const rows = connection.sql(`SELECT status, COUNT(*) AS n FROM ${table} GROUP BY status`).all() as Array<{
    status: S
    n: number
  }>
  for (const row of rows) counts[row.status] = row.n
  return counts
}

/** The SQLite store: one connection shared by its repositories (see connection.ts). */
export class SqliteStateStore implements SyncStateStore {
  private readonly connection: SqliteConnection
  readonly ledger: SqliteLedger
  readonly checkpoints: SqliteRunCheckpoints
  readonly callStates: SqliteCallStates
  readonly queue: SqliteEventQueue
  readonly contacts: SqliteContactIndex
  readonly marks: SqliteMarks
  readonly locks: SqliteLocks

  constructor(
    readonly path: string,
    options: SqliteStoreOptions = {},
  ) {
    const readonly = options.readonly ?? false
    const db = openDatabase(path, {
      readonly,
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
      image: options.image,
      walAutoCheckpoint: options.walAutoCheckpoint ?? true,
    })
    const c = new SqliteConnection(db, options.now ?? Date.now, readonly)
    this.connection = c
    this.ledger = new SqliteLedger(c, options.owner ?? newStepOwner(), options.isOwnerGone ?? isOwnerGone)
    this.checkpoints = new SqliteRunCheckpoints(c)
    this.callStates = new SqliteCallStates(c)
    this.queue = new SqliteEventQueue(c)
    this.contacts = new SqliteContactIndex(c)
    this.marks = new SqliteMarks(c)
    this.locks = new SqliteLocks(c)
  }

  transaction<T>(fn: () => T): T {
    return this.connection.transaction(fn)
  }

  /** A transaction the caller ends: see `asyncSqliteStore`, which awaits its steps in between. */
  begin(): void {
    this.connection.begin()
  }

  commit(): void {
    this.connection.commit()
  }

  rollback(): void {
    this.connection.rollback()
  }

  counts(): StatusCounts {
    const c = this.connection
    c.grouped.flush(true)
    const count = (sql: string, ...params: string[]): number => (c.sql(sql).get(...params) as { n: number }).n
    const ledger = countByStatus<StepStatus>(c, 'ledger', { pending: 0, done: 0, failed: 0 })
    const events = countByStatus<EventStatus>(c, 'events', { queued: 0, processing: 0, done: 0, dead: 0 })
    const checkpoints = count('SELECT COUNT(*) AS n FROM checkpoints')
    let callStates: number
    let runCheckpoints = checkpoints
    if (c.callStatesInCheckpoints()) {
      const prefix = LEGACY_CALL_STATE_PREFIX
      callStates = count(
        'SELECT COUNT(*) AS n FROM checkpoints WHERE name >= ? AND name < ?',
        prefix,
        `${prefix}\uffff`,
      )
      runCheckpoints -= callStates
    } else {
      callStates = count('SELECT COUNT(*) AS n FROM call_states')
    }
    return {
      ledger,
      events,
      contacts: count('SELECT COUNT(*) AS n FROM contacts'),
      checkpoints: runCheckpoints,
      callStates,
      fingerprints: count('SELECT COUNT(*) AS n FROM fingerprints'),
    }
  }

  /**
   * SQLite's quick_check: damaged pages are found before a listener acknowledges webhooks it could not store.
   * Empty when the file is sound.
   */
  integrityProblems(): string[] {
    return integrityProblemsOf(this.connection.db)
  }

  schemaVersions(): { current: number; latest: number } {
    return { current: this.connection.schemaVersion(), latest: LATEST_SCHEMA }
  }

  close(): void {
    this.connection.close()
  }
}
