import { AsyncLocalStorage } from 'node:async_hooks'

import type { AsyncContactIndex, AsyncStateStore, Promised, StatusCounts } from '../async-store.js'
import type { IndexedContact } from '../contact-index.js'
import type { SqliteStateStore } from './state-store.js'

/** Contacts read per page when the whole index is walked: the walk never holds a statement open across awaits. */
const CONTACT_PAGE = 1_000

/**
 * SQLite's synchronous store served as the asynchronous `StateStore` every service takes.
 *
 * A transaction's steps are awaited, so other work of this process could run while it is open and would write into
 * it (and be rolled back with it). Instead, while one is open every call made outside it waits for it to end; calls
 * made inside it, through the store it hands over or through this one, join it (the async context tells them apart).
 */
export function asyncSqliteStore(sync: SqliteStateStore): AsyncStateStore & { readonly sqlite: SqliteStateStore } {
  const inTransaction = new AsyncLocalStorage<true>()
  let open: Promise<void> | null = null

  // Awaited in place, never through a helper: between a wait ending and the call it guards, no other work may run
  // (an extra await would let another transaction begin in between).
  const outside = (): boolean => open !== null && inTransaction.getStore() === undefined

  function serve<T extends object>(target: T): Promised<T> {
    const served: Record<string, unknown> = {}
    for (const name of methodNames(target)) {
      served[name] = async (...args: unknown[]) => {
        while (outside()) await open
        // Looked up on each call, so a method replaced on the repository (a test's spy) is the one served.
        const method = (target as Record<string, unknown>)[name] as (...args: unknown[]) => unknown
        return method.apply(target, args)
      }
    }
    return served as Promised<T>
  }

  const contacts: AsyncContactIndex = {
    ...serve(sync.contacts),
    iterate: async function* () {
      let after: string | null = null
      for (;;) {
        while (outside()) await open
        const page: IndexedContact[] = sync.contacts.page(after, CONTACT_PAGE)
        yield* page
        const last = page.at(-1)
        if (last === undefined || page.length < CONTACT_PAGE) return
        after = last.contactId
      }
    },
  }

  const store: AsyncStateStore & { readonly sqlite: SqliteStateStore } = {
    sqlite: sync,
    path: sync.path,
    ledger: serve(sync.ledger),
    checkpoints: serve(sync.checkpoints),
    callStates: serve(sync.callStates),
    queue: serve(sync.queue) as AsyncStateStore['queue'],
    contacts,
    marks: serve(sync.marks),
    locks: serve(sync.locks),

    // `lockKeys` asks nothing more of SQLite: its transactions already run one at a time, across processes too
    // (BEGIN IMMEDIATE takes the file's write lock).
    async transaction<T>(fn: (tx: AsyncStateStore) => Promise<T>): Promise<T> {
      if (inTransaction.getStore()) return fn(store)
      while (open !== null) await open
      let end!: () => void
      open = new Promise<void>((resolve) => (end = resolve))
      try {
        sync.begin()
        const result = await inTransaction.run(true, () => fn(store))
        sync.commit()
        return result
      } catch (error) {
        sync.rollback()
        throw error
      } finally {
        open = null
        end()
      }
    },
    async counts(): Promise<StatusCounts> {
      while (outside()) await open
      return sync.counts()
    },
    async integrityProblems(): Promise<string[]> {
      while (outside()) await open
      return sync.integrityProblems()
    },
    async schemaVersions(): Promise<{ current: number; latest: number }> {
      while (outside()) await open
      return sync.schemaVersions()
    },
    serverTime: () => Promise.resolve(null),
    async close(): Promise<void> {
      while (outside()) await open
      sync.close()
    },
  }
  return store
}

/** The methods a repository class defines (its prototype chain up to Object). */
function methodNames(target: object): string[] {
  const names = new Set<string>()
  for (let proto = Object.getPrototypeOf(target) as object | null; proto && proto !== Object.prototype;) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== 'constructor' && typeof (proto as Record<string, unknown>)[name] === 'function') names.add(name)
    }
    proto = Object.getPrototypeOf(proto) as object | null
  }
  return [...names]
}
