import type { Enqueued, EnqueueInput } from '../store/state-store.js'

export type { Enqueued } from '../store/state-store.js'

/**
 * What a group commit needs of the queue (EventQueue has it): an all-or-none batch that never waits for the lock,
 * answering null when another writer holds it.
 */
export interface BatchQueue {
  enqueueAll(inputs: readonly EnqueueInput[], options: { wait: false }): Promise<Enqueued[] | null>
}

interface Pending {
  input: EnqueueInput
  resolve: (result: Enqueued) => void
  reject: (error: unknown) => void
}

export class StoreBusyError extends Error {
  constructor(waitedMs: number) {
    super(`the state store stayed locked by another writer for ${Math.round(waitedMs)} ms`)
    this.name = 'StoreBusyError'
  }
}

export interface GroupCommitOptions {
  queue: BatchQueue
  /** Caps one transaction, so a burst cannot hold the write lock (and every answer) for long. */
  maxBatch?: number
  /** How long a batch may wait for another writer to release the store before its requests get a 5xx. */
  lockTimeoutMs?: number
  /** Monotonic clock in ms. */
  now?: () => number
  /** Runs fn after ms; 0 means once the I/O already received has been handled. */
  defer?: (fn: () => void, ms: number) => void
}

/** A writer holds the store for well under a millisecond: poll on every turn of the loop that long, then every ms. */
const SPIN_MS = 1

const defaultDefer = (fn: () => void, ms: number): void => {
  if (ms <= 0) setImmediate(fn)
  else setTimeout(fn, ms)
}

/**
 * Group commit for the intake: every webhook verified in the same turn of the event loop is enqueued in ONE
 * transaction, and each promise settles only after that transaction committed. Durability is unchanged (no
 * event is acknowledged before it is committed), but the commit's cost is paid once per batch instead of once
 * per request. When the worker's connection holds the write lock, the batch is retried on the next turns of the
 * loop instead of sleeping in SQLite's busy handler, so requests keep being read (and join the batch) meanwhile.
 */
export class GroupCommit {
  private pending: Pending[] = []
  private scheduled = false
  private waitingSince: number | null = null
  private flushing = false
  private readonly maxBatch: number
  private readonly lockTimeoutMs: number
  private readonly now: () => number
  private readonly defer: (fn: () => void, ms: number) => void

  constructor(private readonly options: GroupCommitOptions) {
    this.maxBatch = options.maxBatch ?? 512
    this.lockTimeoutMs = options.lockTimeoutMs ?? 5000
    this.now = options.now ?? (() => performance.now())
    this.defer = options.defer ?? defaultDefer
  }

  enqueue(input: EnqueueInput): Promise<Enqueued> {
    return new Promise((resolve, reject) => {
      this.pending.push({ input, resolve, reject })
      this.schedule(0)
    })
  }

  private schedule(ms: number): void {
    // One batch in flight at a time: the next one is scheduled when it settles.
    if (this.scheduled || this.flushing) return
    this.scheduled = true
    this.defer(this.flush, ms)
  }

  private readonly flush = (): void => {
    void this.commitBatch()
  }

  private async commitBatch(): Promise<void> {
    this.scheduled = false
    const batch = this.pending.slice(0, this.maxBatch)
    if (batch.length === 0) return
    let results: Enqueued[] | null
    this.flushing = true
    try {
      results = await this.options.queue.enqueueAll(
        batch.map((item) => item.input),
        { wait: false },
      )
    } catch (error) {
      this.flushing = false
      // Nothing of the batch was committed: every request of it gets a 5xx and its sender redelivers.
      this.settle(batch, (item) => item.reject(error))
      return
    }
    this.flushing = false
    if (results === null) {
      const now = this.now()
      this.waitingSince ??= now
      const waited = now - this.waitingSince
      if (waited >= this.lockTimeoutMs) {
        const error = new StoreBusyError(waited)
        this.settle(batch, (item) => item.reject(error))
        return
      }
      this.schedule(waited < SPIN_MS ? 0 : 1)
      return
    }
    const committed = results
    this.settle(batch, (item, index) => {
      const result = committed[index]
      if (result) item.resolve(result)
      else item.reject(new Error('the store returned fewer results than events'))
    })
  }

  private settle(batch: Pending[], each: (item: Pending, index: number) => void): void {
    this.waitingSince = null
    this.pending.splice(0, batch.length)
    if (this.pending.length > 0) this.schedule(0)
    batch.forEach(each)
  }
}
