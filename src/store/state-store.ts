/**
 * The narrow interface every service uses for durable state. SQLite implements it today; a
 * PostgreSQL backend for several listener replicas can implement the same contract later, so
 * nothing outside src/store/ may depend on SQL or on better-sqlite3.
 */

export type StepStatus = 'pending' | 'done' | 'failed'

export interface LedgerStep {
  key: string
  status: StepStatus
  externalId: string | null
  /** Small JSON document a service keeps with the step (e.g. the contact chosen and why). */
  data: Record<string, unknown>
  attempts: number
  lastError: string | null
  createdAt: number
  updatedAt: number
}

/** Who claims a step, and for how long the claim holds if its owner goes silent. */
export interface StepClaimRequest {
  /** A process-unique owner (`host/pid/nonce`, see step-owner.ts). */
  owner: string
  leaseMs: number
  /** Replaces the step's data when the claim is granted. */
  data?: Record<string, unknown>
}

/**
 * The answer to a claim. `claimed` with `resumed` set means an earlier attempt (a crash, a timeout, another
 * process whose lease lapsed) began this step and may have written: the caller reconciles before writing.
 */
export type StepClaim =
  | { status: 'claimed'; resumed: LedgerStep | null }
  | { status: 'done'; step: LedgerStep }
  | { status: 'held'; owner: string; leaseUntil: number }

export interface Checkpoint {
  name: string
  value: Record<string, unknown>
  updatedAt: number
}

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

/** One rule's decision on an event, as the pipeline reported it (src/sync/pipeline.ts `Effect`). */
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

/**
 * How a stored phone was read as one E.164 number: as spelled with its own country code, or a national spelling
 * read under the contact's location country or under the workspace default country. Strongest first.
 */
export const READING_DERIVATIONS = ['international', 'contact-country', 'default-country'] as const
export type StoredDerivation = (typeof READING_DERIVATIONS)[number]

export interface ContactReading {
  e164: string
  derivation: StoredDerivation
}

export interface IndexedContact {
  contactId: string
  role: 'user' | 'lead'
  name: string | null
  /** Trimmed and lower-cased: what matching compares. */
  email: string | null
  /**
   * The address exactly as Intercom holds it, for a merge: Intercom's duplicate validation compares it untrimmed.
   * Absent when written by code that only matches; null in rows indexed before migration 7.
   */
  emailRaw?: string | null
  phoneRaw: string | null
  /** The strongest reading of the stored phone (what dedupe and reports show). */
  phoneE164: string | null
  /**
   * Every plausible reading of the stored phone, strongest first, each found by its E.164. Absent when written:
   * `phoneE164` is the one reading (international when the raw phone starts with "+", else the default country's).
   */
  readings?: ContactReading[]
  /** ISO country of the contact's Intercom `location`, when Intercom knows it. */
  country?: string | null
  /**
   * The last digits of the stored number, so a national spelling can be found for a caller of any country and
   * read under that country (see src/matching/index-entry.ts).
   */
  phoneTail?: string | null
  createdAt: number
  updatedAt: number
  lastSeenAt: number | null
  /**
   * Where the entry came from: a `contacts refresh` (a listing of every contact, or of every change since the last
   * one), a contact this toolkit created itself, or a search result (what one caller's search happened to show:
   * no proof that no other contact holds another caller's number). A search result never downgrades an entry
   * a refresh listed.
   */
  origin: 'refresh' | 'created' | 'search'
  indexedAt: number
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

export interface StatusCounts {
  ledger: Record<StepStatus, number>
  events: Record<EventStatus, number>
  contacts: number
  checkpoints: number
  fingerprints: number
}

export interface StateStore {
  readonly path: string

  /** Runs fn atomically; nested calls join the outer transaction. */
  transaction<T>(fn: () => T): T

  getStep(key: string): LedgerStep | undefined
  /** Several steps in one query, in the order of `keys` (undefined where absent). */
  getSteps(keys: readonly string[]): Array<LedgerStep | undefined>
  /** Marks a step pending (creating it if absent) and counts the attempt. */
  beginStep(key: string, data?: Record<string, unknown>): LedgerStep
  completeStep(key: string, externalId: string | null, data?: Record<string, unknown>): void
  /**
   * Claims a step atomically before its external write: granted when the step is absent, failed, or pending
   * under a lapsed lease or a dead owner; `held` while another owner's lease runs; `done` once written.
   */
  claimStep(key: string, request: StepClaimRequest): StepClaim
  /**
   * As claimStep, decided and committed together with the other grouped writes of this event-loop turn; resolves
   * once committed, so the external write the step guards may then be sent.
   */
  claimStepGrouped(key: string, request: StepClaimRequest): Promise<StepClaim>
  /**
   * As completeStep, committed with the next group and not awaited: a crash before that commit leaves the step
   * pending, which reconciliation handles like any interrupted step. Reads through this store see it at once.
   * `data` replaces the step's data (no read per write): pass everything the step should keep.
   */
  completeStepGrouped(key: string, externalId: string | null, data?: Record<string, unknown>): void
  failStep(key: string, error: string): void
  listSteps(filter?: { status?: StepStatus; prefix?: string; limit?: number }): LedgerStep[]

  getCheckpoint(name: string): Checkpoint | undefined
  setCheckpoint(name: string, value: Record<string, unknown>): void
  listCheckpoints(prefix?: string): Checkpoint[]
  deleteCheckpoints(prefix: string): number

  /** Commits an event durably; `duplicate` is true when its identity was already stored. */
  enqueueEvent(input: EnqueueInput): { id: number; duplicate: boolean }
  /** Commits several events in one transaction (all or none); results are in input order. */
  enqueueEvents(inputs: EnqueueInput[]): Array<{ id: number; duplicate: boolean }>
  /** As enqueueEvents, but null (nothing written) instead of waiting when another writer holds the store. */
  tryEnqueueEvents(inputs: EnqueueInput[]): Array<{ id: number; duplicate: boolean }> | null
  /**
   * Leases up to `limit` due events, at most one per subject and none whose subject already has an
   * event being processed, so events of one call are handled in arrival order.
   */
  claimEvents(limit: number, now: number, leaseMs: number): QueuedEvent[]
  completeEvent(id: number, outcome?: EventOutcome): void
  /** Marks several events done in one transaction, each with its outcome when `outcomes` has one for its id. */
  completeEvents(ids: number[], outcomes?: ReadonlyMap<number, EventOutcome>): void
  retryEvent(id: number, error: string, nextAttemptAt: number): void
  deadLetterEvent(id: number, error: string): void
  getEvent(id: number): QueuedEvent | undefined
  listEvents(filter?: EventFilter): QueuedEvent[]
  /**
   * Events that became done or dead at or after the cursor's time, oldest update first, without the ids the
   * cursor already returned at that time (`events tail` follows the queue with it).
   */
  listSettledSince(cursor: SettledCursor, limit: number): QueuedEvent[]
  /** Events per status, from the status index alone (cheap enough for a metrics scrape). */
  eventCounts(): Record<EventStatus, number>
  /** The schema version the store holds, and the latest this build knows (a reader checks it is migrated). */
  schemaVersions(): { current: number; latest: number }
  /** Puts dead or done events back in the queue; returns how many were requeued. */
  replayEvents(ids: number[], now: number): number
  /**
   * Deletes done or dead events. With `rememberIdentitiesUntil` (UNIX ms) their identities are kept until then,
   * so a redelivery of a purged event is still answered as a duplicate and not processed again.
   */
  purgeEvents(filter: { status: EventStatus[]; olderThan?: number; rememberIdentitiesUntil?: number }): number
  /** As purgeEvents, for the named events (only those done or dead are deleted). */
  purgeEventsById(ids: number[], rememberIdentitiesUntil?: number): number
  /** The latest events, newest first. */
  listRecentEvents(limit: number): QueuedEvent[]
  /** Events leased by a process that died are made claimable again. */
  releaseExpiredLeases(now: number): number

  upsertContacts(contacts: IndexedContact[]): void
  /**
   * As upsertContacts, committed with the next group of grouped writes and not awaited: the index is a cache, so a
   * crash before that commit only means a later search. Contact reads through this store see the writes at once.
   */
  upsertContactsGrouped(contacts: IndexedContact[]): void
  removeContacts(contactIds: string[]): void
  /**
   * Contacts with a reading equal to `e164`, each with that one reading in `readings` (the lookup runs per caller:
   * `getContact` has all of them).
   */
  findContactsByPhone(e164: string): IndexedContact[]
  /**
   * Contacts whose phone is spelled with its own country code as `e164` (their strongest reading), each with that
   * reading: what answers most callers, in one indexed lookup.
   */
  findContactsSpelledInternationally(e164: string): IndexedContact[]
  /** Contacts whose stored phone ends in `tail` (see IndexedContact.phoneTail), without their readings. */
  findContactsByPhoneTail(tail: string): IndexedContact[]
  findContactsByEmail(email: string): IndexedContact[]
  getContact(contactId: string): IndexedContact | undefined
  iterateContacts(): IterableIterator<IndexedContact>

  recordFingerprint(fingerprint: string, expiresAt: number): void
  hasFingerprint(fingerprint: string, now: number): boolean
  pruneFingerprints(now: number): number

  /** Generic timestamps keyed by name, e.g. when a caller was last sent a missed-call message. */
  getMark(key: string): number | null
  setMark(key: string, at: number): void

  /** A named lock with expiry, so a crashed holder cannot block the next cron run forever. */
  acquireLock(name: string, owner: string, now: number, ttlMs: number): boolean
  renewLock(name: string, owner: string, now: number, ttlMs: number): boolean
  releaseLock(name: string, owner: string): void
  getLock(name: string): { owner: string; expiresAt: number } | undefined

  counts(): StatusCounts
  /** Damage found by a quick integrity check; empty when the store is sound. */
  integrityProblems(): string[]
  close(): void
}
