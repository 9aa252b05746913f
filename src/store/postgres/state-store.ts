import { AsyncLocalStorage } from 'node:async_hooks'
import type pg from 'pg'
import type { QueryResult, QueryResultRow } from 'pg'
import type {
  AsyncCallStates,
  AsyncContactIndex,
  AsyncEventQueue,
  AsyncLedger,
  AsyncLocks,
  AsyncMarks,
  AsyncRunCheckpoints,
  AsyncStateStore,
  TransactionOptions,
} from '../async-store.js'
import type { SharedBudgets } from '../shared-budgets.js'
import type { EventStatus, StatusCounts, StepStatus } from '../state-store.js'
import { PgSharedBudgets } from './budgets.js'
import { PgCallStates } from './call-states.js'
import { PgContactIndex } from './contact-index.js'
import { heedConnectionLoss, type PgQueryable, type PgRepositoryContext } from './context.js'
import { PgEventQueue } from './event-queue.js'
import { PgLedger } from './ledger.js'
import { PgLocks } from './locks.js'
import { PgMarks } from './marks.js'
import { LATEST_PG_SCHEMA, quoteSchema, schemaProblems } from './migrations.js'
import { PgRunCheckpoints } from './run-checkpoints.js'
import { PgSessionLocks } from './session-locks.js'

/** What every store of one pool shares: the pool's, and its transactions' stores. */
export interface PgStoreShared {
  pool: pg.Pool
  /**
   * The transaction the current async context runs in: a call made through the pool's store inside
   * `transaction(fn)` joins it instead of taking another client (which could wait on the transaction's own locks).
   */
  transactions: AsyncLocalStorage<PgStateStore>
  /** The schema's name, validated, unquoted. */
  schema: string
  /** The redacted URL. */
  path: string
  now: () => number
  owner: string
  isOwnerGone: (owner: string) => boolean
}

/**
 * The one client of a transaction, for as long as the transaction lasts: a repository kept past its end would
 * otherwise send its statements to a client the pool has given to someone else.
 */
class TransactionClient implements PgQueryable {
  private ended = false

  constructor(private readonly client: pg.PoolClient) {}

  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: readonly unknown[]): Promise<QueryResult<R>> {
    if (this.ended) {
      return Promise.reject(new Error('this transaction has ended: use the store it was run on, not its tx store'))
    }
    return this.client.query<R>(text, values as unknown[] | undefined)
  }

  end(): void {
    this.ended = true
  }
}

/** Advisory locks held until the transaction ends; a key is hashed to the lock's 64-bit id. */
const lockKeys = async (db: PgQueryable, keys: readonly string[]): Promise<void> => {
  for (const key of keys) await db.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [key])
}

/** The pool, or the client of the transaction the calling async context is in. */
const poolOrTransaction = (shared: PgStoreShared): PgQueryable => ({
  query: (text, values) => (shared.transactions.getStore()?.db ?? shared.pool).query(text, values),
})

interface CountsRow {
  ledger: Partial<Record<StepStatus, number>>
  events: Partial<Record<EventStatus, number>>
  contacts: number
  checkpoints: number
  call_states: number
  fingerprints: number
}

const byStatus = (q: string, table: string): string =>
  `(select coalesce(json_object_agg(status, n), '{}') from
     (select status, count(*)::integer as n from ${q}.${table} group by status) as counted)`

/**
 * The PostgreSQL store: repositories over a pool, each statement on whichever client is free, or, inside a
 * transaction, over that transaction's one client. Every write is committed when its call resolves: there is no
 * grouping of writes to wait for, so writes through one store land in the order they were made.
 */
export class PgStateStore implements AsyncStateStore {
  readonly path: string
  readonly ledger: AsyncLedger
  readonly checkpoints: AsyncRunCheckpoints
  readonly callStates: AsyncCallStates
  readonly queue: AsyncEventQueue
  readonly contacts: AsyncContactIndex
  readonly marks: AsyncMarks
  readonly locks: AsyncLocks
  /** Single-flight jobs' locks, which end with the holder's connection. */
  readonly sessionLocks: PgSessionLocks
  /** API budgets shared by every process on the database; always over the pool, never a transaction's client. */
  readonly sharedBudgets: SharedBudgets
  private readonly q: string
  private closing: Promise<void> | null = null

  constructor(
    private readonly shared: PgStoreShared,
    readonly db: PgQueryable = poolOrTransaction(shared),
    /** Set on a transaction's store: its nested transactions join it, and it does not own the pool. */
    private readonly inTransaction = false,
  ) {
    this.path = shared.path
    this.q = quoteSchema(shared.schema)
    const ctx: PgRepositoryContext = {
      db,
      schema: this.q,
      now: shared.now,
      owner: shared.owner,
      isOwnerGone: shared.isOwnerGone,
    }
    this.ledger = new PgLedger(ctx)
    this.checkpoints = new PgRunCheckpoints(ctx)
    this.callStates = new PgCallStates(ctx)
    this.queue = new PgEventQueue(ctx)
    this.contacts = new PgContactIndex(ctx)
    this.marks = new PgMarks(ctx)
    this.locks = new PgLocks(ctx)
    this.sessionLocks = new PgSessionLocks(shared.pool, shared.schema)
    this.sharedBudgets = new PgSharedBudgets(shared.pool, this.q)
  }

  /**
   * BEGIN on a client of its own, the repositories rebuilt over it for fn, COMMIT when fn resolves, ROLLBACK when
   * it throws. Read committed, PostgreSQL's default: what needs more (a claim, a lock) is one statement that
   * decides and writes, which holds under it; a transaction that reads then writes names its `lockKeys`, taken as
   * transaction-scoped advisory locks in one order (so two transactions never wait on each other crosswise).
   */
  async transaction<T>(fn: (tx: AsyncStateStore) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const keys = [...new Set(options.lockKeys ?? [])].sort()
    const joined = this.inTransaction ? this : this.shared.transactions.getStore()
    if (joined) {
      await lockKeys(joined.db, keys)
      return fn(joined)
    }
    const client = await this.shared.pool.connect()
    const unheed = heedConnectionLoss(client)
    const db = new TransactionClient(client)
    let broken: Error | undefined
    try {
      await client.query('begin')
      await lockKeys(db, keys)
      const tx = new PgStateStore(this.shared, db, true)
      const result = await this.shared.transactions.run(tx, () => fn(tx))
      await client.query('commit')
      return result
    } catch (error) {
      try {
        await client.query('rollback')
      } catch (rollbackError) {
        // A client that cannot roll back (its connection dropped) is not given to anyone else.
        broken = rollbackError as Error
      }
      throw error
    } finally {
      db.end()
      unheed()
      client.release(broken)
    }
  }

  async counts(): Promise<StatusCounts> {
    const q = this.q
    // One statement, so one snapshot: the numbers add up even while replicas write.
    const { rows } = await this.db.query<CountsRow>(
      `select ${byStatus(q, 'ledger')} as ledger, ${byStatus(q, 'events')} as events,
         (select count(*)::integer from ${q}.contacts) as contacts,
         (select count(*)::integer from ${q}.checkpoints) as checkpoints,
         (select count(*)::integer from ${q}.call_states) as call_states,
         (select count(*)::integer from ${q}.fingerprints) as fingerprints`,
    )
    const row = rows[0]
    if (!row) throw new Error('the counts query returned no row')
    return {
      ledger: { pending: 0, done: 0, failed: 0, ...row.ledger },
      events: { queued: 0, processing: 0, done: 0, dead: 0, ...row.events },
      contacts: row.contacts,
      checkpoints: row.checkpoints,
      callStates: row.call_states,
      fingerprints: row.fingerprints,
    }
  }

  /**
   * The store's own structure: every table its migrations create is there, and `schema_migrations` records the
   * versions this build knows, in order. (The server keeps its pages sound itself; a damaged one fails the
   * statements that read it.)
   */
  async integrityProblems(): Promise<string[]> {
    try {
      return await schemaProblems(this.db, this.shared.schema)
    } catch (error) {
      return [`cannot check the schema ${this.shared.schema}: ${(error as Error).message}`]
    }
  }

  async schemaVersions(): Promise<{ current: number; latest: number }> {
    const { rows } = await this.db.query<{ version: number | null }>(
      `select max(version) as version from ${this.q}.schema_migrations`,
    )
    return { current: rows[0]?.version ?? 0, latest: LATEST_PG_SCHEMA }
  }

  /** The database server's clock: leases and locks are judged by each caller's clock, so hosts must agree. */
  async serverTime(): Promise<number | null> {
    const { rows } = await this.db.query<{ ms: number }>(
      'select (extract(epoch from clock_timestamp()) * 1000)::float8 as ms',
    )
    return rows[0]?.ms ?? null
  }

  /** Ends the pool once every client is back in it; a transaction's store leaves the pool to its owner. */
  async close(): Promise<void> {
    if (this.inTransaction) return
    this.closing ??= this.shared.pool.end()
    await this.closing
  }
}
