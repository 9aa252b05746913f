/**
 * The durable state every service uses, as one repository per concern. SQLite (sqlite/) and PostgreSQL
 * (postgres/) implement the same contracts (test/store/contract/), so
 * nothing outside src/store/ may depend on SQL or on better-sqlite3, and no repository names a speed-up: how
 * writes are grouped into commits is each implementation's business, within the guarantees documented here.
 */
import type { CallStates } from './call-states.js'
import type { ContactIndex } from './contact-index.js'
import type { EventQueue } from './event-queue.js'
import type { Ledger } from './ledger.js'
import type { Locks } from './locks.js'
import type { Marks } from './marks.js'
import type { RunCheckpoints } from './run-checkpoints.js'
import type { StatusCounts } from './async-store.js'

export type { CallState, CallStates, LifecycleEvent } from './call-states.js'
export {
  READING_DERIVATIONS,
  type ContactIndex,
  type ContactReading,
  type ContactUpsertOptions,
  type IndexedContact,
  type StoredDerivation,
} from './contact-index.js'
export type {
  Enqueued,
  EnqueueInput,
  EnqueueOptions,
  EventFilter,
  EventOutcome,
  EventQueue,
  EventSource,
  EventStatus,
  OutcomeEffect,
  OutcomeObject,
  PurgeFilter,
  QueuedEvent,
  SettledCursor,
} from './event-queue.js'
export {
  StepHeldError,
  type Ledger,
  type LedgerStep,
  type StepClaim,
  type StepClaimRequest,
  type StepFilter,
  type StepStatus,
} from './ledger.js'
export type { LockHolder, Locks } from './locks.js'
export type { Marks } from './marks.js'
export type { Checkpoint, RunCheckpoints } from './run-checkpoints.js'
export type { StatusCounts, TransactionOptions } from './async-store.js'

/**
 * The store as SQLite serves it, every answer at once (sqlite/). The services take the asynchronous `StateStore`
 * below; `asyncSqliteStore` (sqlite/async-store.ts) serves this one through it.
 */
export interface SyncStateStore {
  readonly path: string
  readonly ledger: Ledger
  readonly checkpoints: RunCheckpoints
  readonly callStates: CallStates
  readonly queue: EventQueue
  readonly contacts: ContactIndex
  readonly marks: Marks
  readonly locks: Locks

  /**
   * Runs fn atomically across every repository: all of its writes or none (a throw rolls them back and is
   * rethrown); nested calls join the outer transaction. Every write made before it commits first.
   */
  transaction<T>(fn: () => T): T
  counts(): StatusCounts
  /** Damage found by a quick integrity check; empty when the store is sound. */
  integrityProblems(): string[]
  /** The schema version the store holds, and the latest this build knows (a reader checks it is migrated). */
  schemaVersions(): { current: number; latest: number }
  /** Commits what is still pending, then closes; closing twice does nothing. */
  close(): void
}

export type {
  AsyncCallStates,
  AsyncContactIndex,
  AsyncEventQueue,
  AsyncLedger,
  AsyncLocks,
  AsyncMarks,
  AsyncRunCheckpoints,
  Promised,
} from './async-store.js'
/** The store every service uses: each answer a promise, whichever backend serves it. */
export type { AsyncStateStore as StateStore } from './async-store.js'
