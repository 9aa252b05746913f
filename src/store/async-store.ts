/**
 * The repositories as every service uses them: each call answers with a promise, so a networked backend fits.
 * PostgreSQL implements these (postgres/); SQLite implements the synchronous `SyncStateStore` (sqlite/), served
 * through them by `asyncSqliteStore`. One contract suite (test/store/contract/) holds both to the same behaviour.
 */
import type { CallStates } from './call-states.js'
import type { ContactIndex, IndexedContact } from './contact-index.js'
import type { EventQueue, EnqueueInput, EnqueueOptions, Enqueued } from './event-queue.js'
import type { Ledger } from './ledger.js'
import type { Locks } from './locks.js'
import type { Marks } from './marks.js'
import type { RunCheckpoints } from './run-checkpoints.js'
import type { SharedBudgets } from './shared-budgets.js'
import type { EventStatus } from './event-queue.js'
import type { StepStatus } from './ledger.js'

/** Each method of T, answering with a promise of what it answered. */
export type Promised<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : T[K]
}

export type AsyncLedger = Promised<Ledger>
export type AsyncRunCheckpoints = Promised<RunCheckpoints>
export type AsyncCallStates = Promised<CallStates>
export type AsyncMarks = Promised<Marks>
export type AsyncLocks = Promised<Locks>

/** `enqueueAll` keeps both of its forms: a mapped type would keep only the last overload. */
export interface AsyncEventQueue extends Promised<Omit<EventQueue, 'enqueueAll'>> {
  enqueueAll(inputs: readonly EnqueueInput[], options?: EnqueueOptions & { wait?: true }): Promise<Enqueued[]>
  enqueueAll(inputs: readonly EnqueueInput[], options: EnqueueOptions): Promise<Enqueued[] | null>
}

/** The whole index is read page by page, never held at once. */
export interface AsyncContactIndex extends Promised<Omit<ContactIndex, 'iterate'>> {
  iterate(): AsyncIterableIterator<IndexedContact>
}

export interface StatusCounts {
  ledger: Record<StepStatus, number>
  events: Record<EventStatus, number>
  contacts: number
  /** Run checkpoints only: the per-call live states are counted apart. */
  checkpoints: number
  callStates: number
  fingerprints: number
}

export interface SessionLock {
  release(): Promise<void>
  /** True once the session holding it ended under it (its connection dropped): the lock is no longer held. */
  lost(): boolean
}

export interface SessionLocks {
  /** The lock, or null when another process holds it; never waits. */
  tryAcquire(name: string): Promise<SessionLock | null>
}

export interface TransactionOptions {
  lockKeys?: readonly string[]
}

export interface AsyncStateStore {
  /** Where the state lives, as it may be shown: a file path, or a URL with its password removed. */
  readonly path: string
  readonly ledger: AsyncLedger
  readonly checkpoints: AsyncRunCheckpoints
  readonly callStates: AsyncCallStates
  readonly queue: AsyncEventQueue
  readonly contacts: AsyncContactIndex
  readonly marks: AsyncMarks
  readonly locks: AsyncLocks
  /**
   * Locks that end with the holder's connection (PostgreSQL's session advisory locks), so a holder that dies on
   * any host frees them at once; absent where a store has none (an SQLite file's holders are on one host).
   */
  readonly sessionLocks?: SessionLocks
  /** The API budgets every process on this store draws from (PostgreSQL); absent for a local file. */
  readonly sharedBudgets?: SharedBudgets

  /**
   * Runs fn in one transaction: all of its writes or none (a throw rolls them back and is rethrown). fn works
   * through the store it is given, whose repositories take part in the transaction; nested calls join it.
   *
   * A transaction that reads, decides and writes names what it decides about in `lockKeys`: transactions naming a
   * common key run one after the other, on every process of the store (one reading a mark another is about to
   * change would otherwise decide on the old value). The keys are held until it ends.
   */
  transaction<T>(fn: (tx: AsyncStateStore) => Promise<T>, options?: TransactionOptions): Promise<T>
  counts(): Promise<StatusCounts>
  integrityProblems(): Promise<string[]>
  schemaVersions(): Promise<{ current: number; latest: number }>
  /** The clock of a database server the store is on (ms), to compare with this host's; null for a local file. */
  serverTime(): Promise<number | null>
  close(): Promise<void>
}
