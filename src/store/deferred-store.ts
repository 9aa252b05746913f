/**
 * A store that opens on its first call. The composition root hands out its store synchronously (every service is
 * built from it), while a PostgreSQL store needs a connection and its migrations first: each repository call waits
 * for the one opening, and an opening that fails fails every call with the same error (a wrong password is
 * reported once per call, never retried behind the user's back).
 */
import type { AsyncStateStore, TransactionOptions } from './async-store.js'

type Repository = keyof Pick<
  AsyncStateStore,
  'ledger' | 'checkpoints' | 'callStates' | 'queue' | 'contacts' | 'marks' | 'locks'
>

const REPOSITORIES: readonly Repository[] = [
  'ledger',
  'checkpoints',
  'callStates',
  'queue',
  'contacts',
  'marks',
  'locks',
]

export class DeferredStore implements AsyncStateStore {
  private opening: Promise<AsyncStateStore> | null = null
  readonly ledger!: AsyncStateStore['ledger']
  readonly checkpoints!: AsyncStateStore['checkpoints']
  readonly callStates!: AsyncStateStore['callStates']
  readonly queue!: AsyncStateStore['queue']
  readonly contacts!: AsyncStateStore['contacts']
  readonly marks!: AsyncStateStore['marks']
  readonly locks!: AsyncStateStore['locks']

  constructor(
    readonly path: string,
    private readonly open: () => Promise<AsyncStateStore>,
  ) {
    for (const name of REPOSITORIES) {
      Object.defineProperty(this, name, { value: this.repository(name), enumerable: true })
    }
  }

  /** The opened store (opening it now if nothing has yet). */
  opened(): Promise<AsyncStateStore> {
    this.opening ??= this.open()
    return this.opening
  }

  /**
   * Each method answers with the opened repository's answer; `iterate` (an async iterator, not a promise) is
   * walked once the store is open.
   */
  private repository(name: Repository): AsyncStateStore[Repository] {
    const opened = (): Promise<AsyncStateStore> => this.opened()
    return new Proxy({} as AsyncStateStore[Repository], {
      get(_target, method: string | symbol) {
        // Not a thenable: `await store.ledger` must give the repository, not call a `then` of the store's.
        if (typeof method !== 'string' || method === 'then') return undefined
        if (name === 'contacts' && method === 'iterate') {
          return async function* iterate() {
            yield* (await opened()).contacts.iterate()
          }
        }
        return async (...args: unknown[]): Promise<unknown> => {
          const repository = (await opened())[name] as unknown as Record<string, (...a: unknown[]) => unknown>
          const fn = repository[method]
          if (typeof fn !== 'function') throw new TypeError(`store.${name}.${method} is not a function`)
          return fn.apply(repository, args)
        }
      },
    })
  }

  async transaction<T>(fn: (tx: AsyncStateStore) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return (await this.opened()).transaction(fn, options)
  }

  async counts(): ReturnType<AsyncStateStore['counts']> {
    return (await this.opened()).counts()
  }

  async integrityProblems(): Promise<string[]> {
    return (await this.opened()).integrityProblems()
  }

  async schemaVersions(): ReturnType<AsyncStateStore['schemaVersions']> {
    return (await this.opened()).schemaVersions()
  }

  async serverTime(): Promise<number | null> {
    return (await this.opened()).serverTime()
  }

  /** Closes what was opened; a store never opened has nothing to close (and a failed opening left nothing open). */
  async close(): Promise<void> {
    const opening = this.opening
    if (!opening) return
    const store = await opening.catch(() => null)
    await store?.close()
  }
}
