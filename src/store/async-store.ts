/**
 * The repositories as a networked backend serves them: every call answers with a promise. PostgreSQL implements
 * these (postgres/); SQLite implements the synchronous `StateStore`, whose values `await` reads the same way, so one
 * contract suite (test/store/contract/) holds both to the same behaviour. The services still take the synchronous
 * store; moving them onto `AsyncStateStore` is what lets `--state postgres://…` reach them.
 */
import type { CallStates } from './call-states.js'
import type { ContactIndex, IndexedContact } from './contact-index.js'
import type { EventQueue, EnqueueInput, EnqueueOptions, Enqueued } from './event-queue.js'
import type { Ledger } from './ledger.js'
import type { Locks } from './locks.js'
import type { Marks } from './marks.js'
import type { RunCheckpoints } from './run-checkpoints.js'
import type { StatusCounts } from './state-store.js'

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
   * Runs fn in one transaction: all of its writes or none (a throw rolls them back and is rethrown). fn works
   * through the store it is given, whose repositories take part in the transaction; nested calls join it.
   */
  transaction<T>(fn: (tx: AsyncStateStore) => Promise<T>): Promise<T>
  counts(): Promise<StatusCounts>
  integrityProblems(): Promise<string[]>
  schemaVersions(): Promise<{ current: number; latest: number }>
  close(): Promise<void>
}
