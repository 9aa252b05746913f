import { classifyFailure } from '../http/failure.js'
import type { EventOutcome, QueuedEvent, StateStore } from '../store/state-store.js'

/** Waits between attempts to reach a store another process keeps locked. */
const BUSY_BACKOFF_MS = [100, 250, 500, 1_000] as const

export type WorkerEvent =
  | { type: 'processed'; id: number; eventType: string; attempts: number; summary: string }
  | { type: 'retrying'; id: number; eventType: string; attempts: number; error: string; retryInMs: number }
  | { type: 'dead-lettered'; id: number; eventType: string; attempts: number; error: string }
  | { type: 'lease-expired'; count: number }
  /** Another process held the store's write lock past the busy timeout; the worker waits and goes on. */
  | { type: 'store-busy'; error: string; retryInMs: number }

/** What a handler returns: a short summary, or the summary with the outcome stored with the event. */
export type HandledEvent = string | { summary: string; outcome: EventOutcome }

export interface WorkerOptions {
  store: Pick<StateStore, 'queue'>
  /** Runs the pipeline for one event; resolves with a summary (and its outcome), throws to retry. */
  handle: (event: QueuedEvent) => Promise<HandledEvent>
  concurrency: number
  maxAttempts: number
  /** An error for which retrying cannot help (bad payload, validation): dead-letter at once. */
  isPermanent?: (error: unknown) => boolean
  /** How long a claim holds an event; renewed every third of it while this worker lives. */
  leaseMs?: number
  pollMs?: number
  /** How often leases left by a dead worker are looked for while running (the first claim always looks). */
  leaseCheckMs?: number
  now?: () => number
  sleep?: (ms: number) => Promise<void>
  random?: () => number
  onEvent?: (event: WorkerEvent) => void
}

/** Backoff between attempts of one event: capped exponential with full jitter. */
export const workerBackoffMs = (attempt: number, random: () => number): number => {
  const cap = Math.min(5 * 60_000, 1000 * 2 ** Math.max(0, attempt - 1))
  return Math.max(250, Math.floor(random() * cap))
}

const errorText = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error)

/**
 * Takes events from the durable queue and runs the pipeline. An event leaves the queue only as done
 * or dead-lettered; a crash mid-event leaves its lease to expire so another run picks it up.
 */
export class QueueWorker {
  private readonly now: () => number
  private readonly sleep: (ms: number) => Promise<void>
  private readonly random: () => number
  private readonly leaseMs: number
  private readonly pollMs: number
  private readonly leaseCheckMs: number
  private nextLeaseCheck = Number.NEGATIVE_INFINITY
  /** The events this worker holds, by id, with the attempt its claim made (what a renewal names). */
  private readonly held = new Map<number, number>()
  private nextRenewal = Number.POSITIVE_INFINITY
  private readonly inFlight = new Set<Promise<void>>()
  private completions: Array<{
    id: number
    outcome: EventOutcome | null
    resolve: () => void
    reject: (error: Error) => void
  }> = []
  private stopping = false
  private loop: Promise<void> | null = null
  private wake: (() => void) | null = null

  constructor(private readonly options: WorkerOptions) {
    this.now = options.now ?? Date.now
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
    this.random = options.random ?? Math.random
    this.leaseMs = options.leaseMs ?? 30_000
    this.pollMs = options.pollMs ?? 200
    this.leaseCheckMs = options.leaseCheckMs ?? Math.min(5_000, this.leaseMs / 4)
  }

  start(): void {
    if (this.loop) return
    this.stopping = false
    this.loop = this.run()
  }

  /** Called by the intake after a commit, so new events do not wait for the next poll. */
  notify(): void {
    this.wake?.()
  }

  /** Stops claiming and waits for the events in flight: nothing is abandoned half-done. */
  async stop(): Promise<void> {
    this.stopping = true
    this.notify()
    await this.loop
    this.loop = null
  }

  /** Processes until nothing is due (for tests and one-shot commands). */
  async drain(): Promise<number> {
    let processed = 0
    for (;;) {
      const batch = await this.claim()
      if (batch.length === 0 && this.inFlight.size === 0) return processed
      processed += batch.length
      await Promise.all(batch.map((event) => this.process(event)))
    }
  }

  /**
   * Every statement here takes the store's write lock, which the intake thread needs for each commit: so
   * nothing is claimed while every slot is busy (the intake wakes the worker on each commit), and expired
   * leases are looked for on a timer rather than on every wake-up.
   */
  private async claim(): Promise<QueuedEvent[]> {
    const now = this.now()
    if (this.held.size > 0 && now >= this.nextRenewal) {
      this.nextRenewal = now + this.leaseMs / 3
      const claims = [...this.held].map(([id, attempts]) => ({ id, attempts }))
      await this.options.store.queue.renewLeases(claims, now, this.leaseMs)
    }
    const free = this.options.concurrency - this.inFlight.size
    if (free <= 0) return []
    if (now >= this.nextLeaseCheck) {
      this.nextLeaseCheck = now + this.leaseCheckMs
      const released = await this.options.store.queue.releaseExpiredLeases(now)
      if (released > 0) this.options.onEvent?.({ type: 'lease-expired', count: released })
    }
    const claimed = await this.options.store.queue.claim(free, now, this.leaseMs)
    if (claimed.length > 0 && this.held.size === 0) this.nextRenewal = now + this.leaseMs / 3
    for (const event of claimed) this.held.set(event.id, event.attempts)
    return claimed
  }

  /** Completions of one tick share a transaction; the promise settles once the event is marked done. */
  private complete(id: number, outcome: EventOutcome | null): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.completions.length === 0) setImmediate(this.flushCompletions)
      this.completions.push({ id, outcome, resolve, reject })
    })
  }

  private readonly flushCompletions = (): void => {
    const batch = this.completions
    this.completions = []
    const outcomes = new Map<number, EventOutcome>()
    for (const item of batch) if (item.outcome) outcomes.set(item.id, item.outcome)
    this.options.store.queue
      .complete(
        batch.map((item) => item.id),
        outcomes,
      )
      .then(
        () => {
          for (const item of batch) item.resolve()
        },
        (error: unknown) => {
          const failure = error instanceof Error ? error : new Error(String(error))
          for (const item of batch) item.reject(failure)
        },
      )
  }

  /**
   * Runs a store write, waiting while another process holds the write lock (a retryable failure) instead of
   * letting the listener die: the intake keeps answering 503 meanwhile. False when stopping first.
   */
  private async persist(write: () => Promise<unknown>): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await write()
        return true
      } catch (error) {
        if (classifyFailure(error) !== 'retry') throw error
        const retryInMs = BUSY_BACKOFF_MS[Math.min(attempt, BUSY_BACKOFF_MS.length - 1)] ?? 1_000
        this.options.onEvent?.({ type: 'store-busy', error: errorText(error), retryInMs })
        if (this.stopping) return false
        await this.sleep(retryInMs)
      }
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let batch: QueuedEvent[] = []
      if (!(await this.persist(async () => (batch = await this.claim())))) break
      for (const event of batch) {
        const task = this.process(event).finally(() => {
          this.inFlight.delete(task)
          this.notify()
        })
        this.inFlight.add(task)
      }
      if (batch.length === 0 || this.inFlight.size >= this.options.concurrency) {
        await Promise.race([
          this.sleep(this.pollMs),
          new Promise<void>((resolve) => {
            this.wake = resolve
          }),
        ])
        this.wake = null
      }
    }
    await Promise.all(this.inFlight)
  }

  /** Runs one event to its end; its lease is renewed meanwhile, and no longer once it is settled. */
  private async process(event: QueuedEvent): Promise<void> {
    try {
      await this.settle(event)
    } finally {
      if (this.held.get(event.id) === event.attempts) this.held.delete(event.id)
    }
  }

  private async settle(event: QueuedEvent): Promise<void> {
    const { store, onEvent } = this.options
    let summary: string
    let outcome: EventOutcome | null = null
    try {
      const handled = await this.options.handle(event)
      if (typeof handled === 'string') summary = handled
      else ({ summary, outcome } = handled)
    } catch (error) {
      const text = errorText(error)
      const permanent = this.options.isPermanent?.(error) ?? false
      if (permanent || event.attempts >= this.options.maxAttempts) {
        // Not written when stopping first: the lease lapses and the event is processed again, harmlessly.
        if (!(await this.persist(() => store.queue.deadLetter(event.id, text)))) return
        onEvent?.({ type: 'dead-lettered', id: event.id, eventType: event.type, attempts: event.attempts, error: text })
        return
      }
      const retryInMs = workerBackoffMs(event.attempts, this.random)
      if (!(await this.persist(() => store.queue.retry(event.id, text, this.now() + retryInMs)))) return
      onEvent?.({
        type: 'retrying',
        id: event.id,
        eventType: event.type,
        attempts: event.attempts,
        error: text,
        retryInMs,
      })
      return
    }
    // Every effect is a ledger step, so an event whose completion could not be written is only processed again.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.complete(event.id, outcome)
        break
      } catch (error) {
        if (classifyFailure(error) !== 'retry') throw error
        const retryInMs = BUSY_BACKOFF_MS[Math.min(attempt, BUSY_BACKOFF_MS.length - 1)] ?? 1_000
        onEvent?.({ type: 'store-busy', error: errorText(error), retryInMs })
        if (this.stopping) return
        await this.sleep(retryInMs)
      }
    }
    onEvent?.({ type: 'processed', id: event.id, eventType: event.type, attempts: event.attempts, summary })
  }
}
