/**
 * The durable queue of webhooks and typed dead-letter jobs: enqueued before the webhook is acknowledged, claimed
 * under a lease by the worker, completed with the trail of what processing did, retried, dead-lettered, replayed.
 */

/** `job`: a typed dead letter of a history run (src/domain/job.ts), not a webhook. */
export type EventSource = 'aircall' | 'intercom' | 'job'
export type EventStatus = 'queued' | 'processing' | 'done' | 'dead'

export interface QueuedEvent {
  id: number
  source: EventSource
  /** Identity used for deduplication: a redelivered event is not stored twice. */
  identity: string
  type: string
  /** Groups events that must be processed in order, e.g. all events of one call. */
  subject: string | null
  payload: string
  status: EventStatus
  attempts: number
  nextAttemptAt: number
  lastError: string | null
  receivedAt: number
  updatedAt: number
  /** Set once the event completed (null before, and for events done before outcomes were stored). */
  outcome: EventOutcome | null
}

/** One rule's decision on an event, as the pipeline reported it (src/pipeline/pipeline.ts `Effect`). */
export interface OutcomeEffect {
  rule: string
  status: string
  detail?: string
}

/** An Intercom or Aircall object an event wrote or acted on, with its id, so a person can open it. */
export interface OutcomeObject {
  service: 'intercom' | 'aircall'
  kind: 'conversation' | 'contact' | 'call' | 'user'
  id: string
}

/**
 * What processing an event did, kept with the event when it completes: the rules' trail in the order they ran and
 * the objects it wrote. Without it, `events show` could say only "done".
 */
export interface EventOutcome {
  effects: OutcomeEffect[]
  objects: OutcomeObject[]
  summary: string
  /** How long the pipeline took on the attempt that completed the event. */
  durationMs: number | null
}

export interface EnqueueInput {
  source: EventSource
  identity: string
  type: string
  subject: string | null
  payload: string
  receivedAt: number
}

/** `duplicate`: the identity was already stored (or purged and still remembered); `id` is then the stored one's. */
export interface Enqueued {
  id: number
  duplicate: boolean
}

export interface EnqueueOptions {
  /**
   * False: when another writer holds the store, answer null at once with nothing written instead of waiting for
   * it, so the caller (the listener's intake) goes on reading requests and retries with a larger batch.
   */
  wait?: boolean
}

export interface EventFilter {
  status?: EventStatus | EventStatus[]
  source?: EventSource
  limit?: number
  afterId?: number
  /** Only events whose trail has an effect of this rule (and status, and detail, when given). */
  outcome?: { rule: string; status?: string; detail?: string }
}

/** Where `listSettledSince` stopped: the last update time returned and the ids returned at that time. */
export interface SettledCursor {
  updatedAt: number
  ids: number[]
}

/**
 * Which done or dead events to delete (others are never deleted). With `rememberIdentitiesUntil` (UNIX ms) their
 * identities are kept until then, so a redelivery of a purged event is still answered as a duplicate.
 */
export type PurgeFilter = ({ status: EventStatus[]; olderThan?: number } | { ids: number[] }) & {
  rememberIdentitiesUntil?: number
}

/** One claim of an event: its id and the attempt the claim made it. */
export interface LeaseClaim {
  id: number
  attempts: number
}

export interface EventQueue {
  /** Commits an event durably before it returns (what "ack after commit" relies on). */
  enqueue(input: EnqueueInput): Enqueued
  /** Commits several events together (all or none); results are in input order. */
  enqueueAll(inputs: readonly EnqueueInput[], options?: EnqueueOptions & { wait?: true }): Enqueued[]
  enqueueAll(inputs: readonly EnqueueInput[], options: EnqueueOptions): Enqueued[] | null
  /**
   * Leases up to `limit` due events, at most one per subject and none whose subject already has an event being
   * processed, so events of one call are handled in arrival order.
   */
  claim(limit: number, now: number, leaseMs: number): QueuedEvent[]
  /** Marks events done, each with its outcome when `outcomes` has one for its id (others keep theirs). */
  complete(ids: readonly number[], outcomes?: ReadonlyMap<number, EventOutcome>): void
  retry(id: number, error: string, nextAttemptAt: number): void
  deadLetter(id: number, error: string): void
  /** Puts dead or done events back in the queue, their outcome dropped; returns how many were requeued. */
  replay(ids: readonly number[], now: number): number
  /** Deletes done or dead events; returns how many. */
  purge(filter: PurgeFilter): number
  /** Events leased by a process that died are made claimable again; returns how many. */
  releaseExpiredLeases(now: number): number
  /**
   * Extends the leases a living worker still holds, each event as it claimed it (the same attempt, still
   * processing), to `now + leaseMs`: a slow event is not taken by another worker meanwhile, and a short lease can
   * still free a dead worker's events soon. Returns how many were extended.
   */
  renewLeases(claims: readonly LeaseClaim[], now: number, leaseMs: number): number
  get(id: number): QueuedEvent | undefined
  /** In id order. */
  list(filter?: EventFilter): QueuedEvent[]
  /** The latest events, newest first. */
  listRecent(limit: number): QueuedEvent[]
  /**
   * Events that became done or dead at or after the cursor's time, oldest update first, without the ids the
   * cursor already returned at that time (`events tail` follows the queue with it).
   */
  listSettledSince(cursor: SettledCursor, limit: number): QueuedEvent[]
  /** Events per status, cheap enough for a metrics scrape. */
  counts(): Record<EventStatus, number>
}
