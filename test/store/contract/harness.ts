import { afterEach } from 'vitest'
import type { AsyncStateStore } from '../../../src/store/async-store.js'
import type { SyncStateStore } from '../../../src/store/state-store.js'

/**
 * The store under test: SQLite's synchronous one or a networked backend's asynchronous one. The suites `await`
 * every answer, which reads a plain value and a promise alike.
 */
export type AnyStateStore = SyncStateStore | AsyncStateStore

export interface OpenOptions {
  /** The clock the store reads (leases, update times); Date.now when absent. */
  now?: () => number
  /** The owner `ledger.begin` claims steps as. */
  owner?: string
  /** Whether a claim's owner is known to be dead, so its lease is not waited out. */
  isOwnerGone?: (owner: string) => boolean
}

/**
 * Opens a connection to the store under test. Every call within one test reaches the same store (a second call is
 * a second connection, as another process would have), and every test starts from an empty store.
 */
export type MakeStore = (options?: OpenOptions) => AnyStateStore | Promise<AnyStateStore>

/** Opens stores for one test and closes them after it, whatever it did. */
export const useStores = (makeStore: MakeStore): ((options?: OpenOptions) => Promise<AnyStateStore>) => {
  const opened: AnyStateStore[] = []
  afterEach(async () => {
    for (const store of opened.splice(0).reverse()) await store.close()
  })
  return async (options) => {
    const store = await makeStore(options)
    opened.push(store)
    return store
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Lets an implementation commit what it grouped within an event-loop turn: the turn ends, then one more. */
export const moments = async (): Promise<void> => {
  await nextTurn()
  await nextTurn()
}

/** A clock the test moves by hand. */
export const manualClock = (start = 1_000_000): { now: number; read: () => number } => {
  const clock = {
    now: start,
    read: () => clock.now,
  }
  return clock
}
