import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { GroupedWrites } from './grouped-writes.js'
import { MIGRATIONS } from './migrations.js'
import type {
  Checkpoint,
  ContactReading,
  EnqueueInput,
  EventFilter,
  EventOutcome,
  EventSource,
  EventStatus,
  IndexedContact,
  LedgerStep,
  QueuedEvent,
  SettledCursor,
  StateStore,
  StatusCounts,
  StepClaim,
  StepClaimRequest,
  StepStatus,
  StoredDerivation,
} from './state-store.js'
import { isOwnerGone, newStepOwner } from './step-owner.js'
import { openFailureProblem, StoreError, storeFileError, writeAccessProblem } from './store-file-errors.js'

export { StoreError } from './store-file-errors.js'

interface LedgerRow {
  key: string
  status: StepStatus
  external_id: string | null
  data: string
  attempts: number
  last_error: string | null
  created_at: number
  updated_at: number
  owner?: string | null
  lease_until?: number | null
}

interface EventRow {
  id: number
  source: EventSource
  identity: string
  type: string
  subject: string | null
  payload: string
  status: EventStatus
  attempts: number
  next_attempt_at: number
  last_error: string | null
  received_at: number
  updated_at: number
  /** JSON of an EventOutcome; absent from rows of a store read before migration 5 (never: reads check it). */
  outcome?: string | null
}

interface ContactRow {
  contact_id: string
  role: 'user' | 'lead'
  name: string | null
  email: string | null
  email_raw: string | null
  phone_raw: string | null
  phone_e164: string | null
  created_at: number
  updated_at: number
  last_seen_at: number | null
  origin: IndexedContact['origin']
  indexed_at: number
  country: string | null
  phone_tail: string | null
}

/** A contact row with one of its readings (null for a contact without any), as the contact lookups join them. */
interface ContactReadingRow extends ContactRow {
  reading_e164: string | null
  reading_derivation: StoredDerivation | null
}

const DERIVATION_RANK: Record<StoredDerivation, number> = {
  international: 0,
  'contact-country': 1,
  'default-country': 2,
}

/** What a writer that predates readings meant by `phoneE164`. */
function readingsOf(contact: IndexedContact): ContactReading[] {
  if (contact.readings) return contact.readings
  if (!contact.phoneE164) return []
  const spelledInternational = contact.phoneRaw?.trimStart().startsWith('+') ?? true
  return [{ e164: contact.phoneE164, derivation: spelledInternational ? 'international' : 'default-country' }]
}

/** Rows ordered by contact id, one per reading, folded into contacts with their readings strongest first. */
function contactsWithReadings(rows: ContactReadingRow[]): IndexedContact[] {
  const contacts: IndexedContact[] = []
  let current: IndexedContact | null = null
  for (const row of rows) {
    if (current?.contactId !== row.contact_id) {
      current = { ...toContact(row), readings: [] }
      contacts.push(current)
    }
    if (row.reading_e164 !== null && row.reading_derivation !== null) {
      current.readings?.push({ e164: row.reading_e164, derivation: row.reading_derivation })
    }
  }
  for (const contact of contacts) {
    if (contact.readings && contact.readings.length > 1) {
      contact.readings.sort((a, b) => DERIVATION_RANK[a.derivation] - DERIVATION_RANK[b.derivation])
    }
  }
  return contacts
}

const parseJsonObject = (text: string): Record<string, unknown> => {
  const value: unknown = JSON.parse(text)
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

const toStep = (row: LedgerRow): LedgerStep => ({
  key: row.key,
  status: row.status,
  externalId: row.external_id,
  data: parseJsonObject(row.data),
  attempts: row.attempts,
  lastError: row.last_error,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

/** A damaged or foreign outcome document is shown as absent rather than failing every read of its event. */
const parseOutcome = (text: string | null | undefined): EventOutcome | null => {
  if (!text) return null
  try {
    const value = JSON.parse(text) as Partial<EventOutcome> | null
    if (typeof value !== 'object' || value === null || !Array.isArray(value.effects)) return null
    return {
      effects: value.effects,
      objects: Array.isArray(value.objects) ? value.objects : [],
      summary: typeof value.summary === 'string' ? value.summary : '',
      durationMs: typeof value.durationMs === 'number' ? value.durationMs : null,
    }
  } catch {
    return null
  }
}

const toEvent = (row: EventRow): QueuedEvent => ({
  id: row.id,
  source: row.source,
  identity: row.identity,
  type: row.type,
  subject: row.subject,
  payload: row.payload,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  lastError: row.last_error,
  receivedAt: row.received_at,
  updatedAt: row.updated_at,
  outcome: parseOutcome(row.outcome),
})

const toContact = (row: ContactRow): IndexedContact => ({
  contactId: row.contact_id,
  role: row.role,
  name: row.name,
  email: row.email,
  emailRaw: row.email_raw,
  phoneRaw: row.phone_raw,
  phoneE164: row.phone_e164,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  lastSeenAt: row.last_seen_at,
  origin: row.origin,
  indexedAt: row.indexed_at,
  country: row.country,
  phoneTail: row.phone_tail,
})

/** The grouped-writes key of every queued contact upsert (ledger keys are `call:…`, `contact:…:create`, …). */
const CONTACTS_KEY = 'contacts-index'

export interface SqliteStoreOptions {
  now?: () => number
  readonly?: boolean
  /** Whether a claim's owner is known to be dead (its lease is then not waited out). */
  isOwnerGone?: (owner: string) => boolean
  /** The owner `beginStep` claims steps as (one per process; see step-owner.ts). */
  owner?: string
  /** How long a statement waits for another connection's write lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number
  /** Open this serialized database in memory instead of the file at `path` (which is then never touched). */
  image?: Buffer
}

/** Fingerprints that remember the identity of a purged event, so its redelivery stays a duplicate. */
const PURGED_PREFIX = 'purged-event:'

/** How long a step begun with `beginStep` stays claimed if its owner goes silent. */
const BEGIN_LEASE_MS = 120_000

/** Another live process holds the step's claim: try again once it completes it or its lease lapses. */
export class StepHeldError extends Error {
  override readonly name = 'StepHeldError'
  readonly failure = 'retry' as const
  constructor(
    readonly key: string,
    readonly owner: string,
  ) {
    super(`ledger step ${key} is being written by another process (${owner})`)
  }
}

/**
 * Makes the directory and, only when there is no file yet, the file itself, 0600 before SQLite opens it: the store
 * holds contact data and must not be world-readable. An existing file keeps its mode, whoever set it, and is
 * refused if this process cannot write it.
 */
const prepareWritableFile = (path: string): void => {
  try {
    mkdirSync(dirname(path), { recursive: true })
  } catch (error) {
    throw new StoreError(`cannot create the state store ${path}: ${(error as Error).message}`, path)
  }
  let created = false
  try {
    closeSync(openSync(path, 'wx', 0o600))
    created = true
  } catch (error) {
    // EEXIST: the file was there (or another process made it first), so it is not ours to chmod.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      const problem = openFailureProblem(path, error)
      if (problem) throw storeFileError(path, problem)
      throw new StoreError(`cannot create the state store ${path}: ${(error as Error).message}`, path)
    }
  }
  if (created) {
    // The umask may have taken bits from 0600; the file is ours, so it gets exactly 0600.
    chmodSync(path, 0o600)
    return
  }
  const problem = writeAccessProblem(path)
  if (problem) throw storeFileError(path, problem)
}

/** SQLite's quick_check lines, empty when the file is sound. */
const integrityProblemsOf = (db: Database.Database): string[] => {
  try {
    const rows = db.pragma('quick_check(20)') as Array<{ quick_check: string }>
    return rows.map((row) => row.quick_check).filter((text) => text !== 'ok')
  } catch (error) {
    // Damage bad enough stops the check itself ("database disk image is malformed").
    return [(error as Error).message]
  }
}

/**
 * SQLite in WAL mode: readers (`status`, `events list`) never block the listener's writes, and a
 * commit is durable once the call returns, which is what "ack after commit" relies on.
 */
export class SqliteStateStore implements StateStore {
  private readonly db: Database.Database
  private readonly now: () => number
  private readonly ownerGone: (owner: string) => boolean
  private readonly owner: string

  constructor(
    readonly path: string,
    options: SqliteStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now
    this.ownerGone = options.isOwnerGone ?? isOwnerGone
    this.owner = options.owner ?? newStepOwner()
    const readonly = options.readonly ?? false
    if (path !== ':memory:' && !readonly && options.image === undefined) {
      prepareWritableFile(path)
    }
    let db: Database.Database | null = null
    try {
      db = new Database(options.image ?? path, {
        readonly,
        fileMustExist: readonly,
        timeout: options.busyTimeoutMs ?? 5000,
      })
      this.db = db
      // Read before anything is written: a file that is not a store, or is damaged, fails here unchanged.
      this.db.prepare('SELECT COUNT(*) FROM sqlite_master').get()
      if (readonly) {
        // A reader changes nothing: no journal mode, no migration, no chmod (`status` on a read-only file works).
        this.checkVersion()
      } else {
        this.db.pragma('journal_mode = WAL')
        this.db.pragma('synchronous = NORMAL')
        this.db.pragma('foreign_keys = ON')
        this.migrate()
      }
      this.db.pragma('cache_size = -16000')
    } catch (error) {
      const problem = openFailureProblem(path, error)
      if (problem?.kind === 'damaged' && db) {
        // quick_check names the damage better than the statement that tripped over it, when it can run at all.
        const found = integrityProblemsOf(db)
        if (found.length > 0) problem.problems = found
      }
      db?.close()
      if (problem) throw storeFileError(path, problem)
      throw new StoreError(`cannot open the state store ${path}: ${(error as Error).message}`, path)
    }
  }

  private readonly statements = new Map<string, Database.Statement>()

  /** Prepared once per SQL text: preparing dominated the cost of hot paths such as the listener's enqueue. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text)
    if (!statement) {
      statement = this.db.prepare(text)
      this.statements.set(text, statement)
    }
    return statement
  }

  private checkVersion(): void {
    const table = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get()
    if (!table) throw new Error('it holds no aircall-intercom schema')
    const row = this.db.prepare('SELECT MAX(version) AS version FROM schema_version').get() as {
      version: number | null
    }
    const latest = MIGRATIONS.at(-1)?.version ?? 0
    if ((row.version ?? 0) > latest) {
      throw new Error(`the store was written by a newer version (schema ${row.version}, this build knows ${latest})`)
    }
  }

  /**
   * SQLite's quick_check: damaged pages are found before a listener acknowledges webhooks it could not store.
   * Empty when the file is sound.
   */
  integrityProblems(): string[] {
    return integrityProblemsOf(this.db)
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)')
    const row = this.db.prepare('SELECT MAX(version) AS version FROM schema_version').get() as {
      version: number | null
    }
    const current = row.version ?? 0
    const latest = MIGRATIONS.at(-1)?.version ?? 0
    if (current > latest) {
      throw new Error(`the store was written by a newer version (schema ${current}, this build knows ${latest})`)
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue
      this.db.transaction(() => {
        this.db.exec(migration.sql)
        this.db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(migration.version)
      })()
    }
  }

  schemaVersion(): number {
    const row = this.sql('SELECT MAX(version) AS version FROM schema_version').get() as { version: number }
    return row.version
  }

  schemaVersions(): { current: number; latest: number } {
    return { current: this.schemaVersion(), latest: MIGRATIONS.at(-1)?.version ?? 0 }
  }

  // One wrapper for the life of the store: better-sqlite3 prepares BEGIN/COMMIT for every wrapper it builds.
  private atomic: Database.Transaction<(fn: () => unknown) => unknown> | null = null

  /**
   * BEGIN IMMEDIATE: the write lock is taken up front, waiting (busy timeout) for another connection such as
   * the listener's intake thread. A deferred transaction that reads then writes could instead fail at once
   * with SQLITE_BUSY when the other connection committed in between.
   */
  transaction<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn()
    // Grouped writes were queued first, so they commit first: a checkpoint must not land before the steps it covers.
    this.grouped.flush(true)
    return this.immediate(fn)
  }

  private immediate<T>(fn: () => T): T {
    this.atomic ??= this.db.transaction((inner: () => unknown) => inner())
    return this.atomic.immediate(fn) as T
  }

  private readonly grouped = new GroupedWrites((fn) => this.immediate(fn))

  getStep(key: string): LedgerStep | undefined {
    if (this.grouped.touches(key)) this.grouped.flush(true)
    return this.readStep(key)
  }

  getSteps(keys: readonly string[]): Array<LedgerStep | undefined> {
    if (keys.some((key) => this.grouped.touches(key))) this.grouped.flush(true)
    const placeholders = keys.map(() => '?').join(', ')
    const rows = this.sql(`SELECT * FROM ledger WHERE key IN (${placeholders})`).all(...keys) as LedgerRow[]
    return keys.map((key) => {
      const row = rows.find((candidate) => candidate.key === key)
      return row ? toStep(row) : undefined
    })
  }

  private readStep(key: string): LedgerStep | undefined {
    const row = this.sql('SELECT * FROM ledger WHERE key = ?').get(key) as LedgerRow | undefined
    return row ? toStep(row) : undefined
  }

  claimStep(key: string, request: StepClaimRequest): StepClaim {
    const json = JSON.stringify(request.data ?? {})
    return this.transaction(() => this.decideClaim(key, request, json))
  }

  claimStepGrouped(key: string, request: StepClaimRequest): Promise<StepClaim> {
    let json: string
    try {
      json = JSON.stringify(request.data ?? {})
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)))
    }
    if (this.db.inTransaction) return Promise.resolve(this.decideClaim(key, request, json))
    let claim: StepClaim | null = null
    return this.grouped
      .awaited(key, () => {
        claim = this.decideClaim(key, request, json)
      })
      .then(() => {
        if (claim === null) throw new Error(`the claim of ${key} was not decided`)
        return claim
      })
  }

  private heldByOther(row: LedgerRow, owner: string, now: number): boolean {
    return (
      row.status === 'pending' &&
      Boolean(row.owner) &&
      row.owner !== owner &&
      (row.lease_until ?? 0) > now &&
      !this.ownerGone(row.owner ?? '')
    )
  }

  /** Runs inside a write transaction, so no other connection can decide the same claim in between. */
  private decideClaim(key: string, request: StepClaimRequest, data: string): StepClaim {
    const now = this.now()
    const row = this.sql('SELECT * FROM ledger WHERE key = ?').get(key) as LedgerRow | undefined
    if (row?.status === 'done') return { status: 'done', step: toStep(row) }
    if (row && this.heldByOther(row, request.owner, now)) {
      return { status: 'held', owner: row.owner ?? '', leaseUntil: row.lease_until ?? now }
    }
    this.sql(
      `INSERT INTO ledger (key, status, data, attempts, created_at, updated_at, owner, lease_until)
         VALUES (?, 'pending', ?, 1, ?, ?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET status = 'pending', data = excluded.data, attempts = attempts + 1,
           updated_at = excluded.updated_at, owner = excluded.owner, lease_until = excluded.lease_until`,
    ).run(key, data, now, now, request.owner, now + request.leaseMs)
    return { status: 'claimed', resumed: row ? toStep(row) : null }
  }

  completeStepGrouped(key: string, externalId: string | null, data: Record<string, unknown> = {}): void {
    const json = JSON.stringify(data)
    const now = this.now()
    if (this.db.inTransaction) this.writeComplete(key, externalId, json, now)
    else this.grouped.unawaited(key, () => this.writeComplete(key, externalId, json, now))
  }

  beginStep(key: string, data: Record<string, unknown> = {}): LedgerStep {
    const now = this.now()
    return this.transaction(() => {
      const row = this.sql('SELECT * FROM ledger WHERE key = ?').get(key) as LedgerRow | undefined
      if (row && this.heldByOther(row, this.owner, now)) throw new StepHeldError(key, row.owner ?? '')
      const existing = row ? toStep(row) : undefined
      const merged = JSON.stringify({ ...(existing?.data ?? {}), ...data })
      this.sql(
        `INSERT INTO ledger (key, status, data, attempts, created_at, updated_at, owner, lease_until)
           VALUES (?, 'pending', ?, 1, ?, ?, ?, ?)
           ON CONFLICT(key) DO UPDATE SET status = 'pending', data = excluded.data, attempts = attempts + 1,
             updated_at = excluded.updated_at, owner = excluded.owner, lease_until = excluded.lease_until`,
      ).run(key, merged, now, now, this.owner, now + BEGIN_LEASE_MS)
      // The row just written, built here rather than read back: a begin runs before every external write.
      return {
        key,
        status: 'pending',
        externalId: existing?.externalId ?? null,
        data: parseJsonObject(merged),
        attempts: (existing?.attempts ?? 0) + 1,
        lastError: existing?.lastError ?? null,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      }
    })
  }

  completeStep(key: string, externalId: string | null, data: Record<string, unknown> = {}): void {
    const now = this.now()
    this.transaction(() => {
      const existing = this.readStep(key)
      this.writeComplete(key, externalId, JSON.stringify({ ...(existing?.data ?? {}), ...data }), now)
    })
  }

  private writeComplete(key: string, externalId: string | null, data: string, now: number): void {
    this.sql(
      `INSERT INTO ledger (key, status, external_id, data, attempts, created_at, updated_at)
         VALUES (?, 'done', ?, ?, 1, ?, ?)
         ON CONFLICT(key) DO UPDATE SET status = 'done', external_id = excluded.external_id, data = excluded.data,
           last_error = NULL, updated_at = excluded.updated_at, lease_until = NULL`,
    ).run(key, externalId, data, now, now)
  }

  failStep(key: string, error: string): void {
    this.grouped.flush(true)
    const now = this.now()
    this.sql(
      `INSERT INTO ledger (key, status, last_error, attempts, created_at, updated_at) VALUES (?, 'failed', ?, 1, ?, ?)
         ON CONFLICT(key) DO UPDATE SET status = 'failed', last_error = excluded.last_error,
           updated_at = excluded.updated_at, lease_until = NULL`,
    ).run(key, error, now, now)
  }

  listSteps(filter: { status?: StepStatus; prefix?: string; limit?: number } = {}): LedgerStep[] {
    this.grouped.flush(true)
    const clauses: string[] = []
    const params: Array<string | number> = []
    if (filter.status) {
      clauses.push('status = ?')
      params.push(filter.status)
    }
    if (filter.prefix) {
      clauses.push('key >= ? AND key < ?')
      params.push(filter.prefix, `${filter.prefix}\uffff`)
    }
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''
    params.push(filter.limit ?? -1)
    const rows = this.sql(`SELECT * FROM ledger ${where} ORDER BY key LIMIT ?`).all(...params) as LedgerRow[]
    return rows.map(toStep)
  }

  getCheckpoint(name: string): Checkpoint | undefined {
    const row = this.sql('SELECT * FROM checkpoints WHERE name = ?').get(name) as
      { name: string; value: string; updated_at: number } | undefined
    return row ? { name: row.name, value: parseJsonObject(row.value), updatedAt: row.updated_at } : undefined
  }

  setCheckpoint(name: string, value: Record<string, unknown>): void {
    this.grouped.flush(true)
    this.sql(
      `INSERT INTO checkpoints (name, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    ).run(name, JSON.stringify(value), this.now())
  }

  listCheckpoints(prefix = ''): Checkpoint[] {
    const rows = this.sql('SELECT * FROM checkpoints WHERE name >= ? AND name < ? ORDER BY name').all(
      prefix,
      `${prefix}\uffff`,
    ) as Array<{ name: string; value: string; updated_at: number }>
    return rows.map((row) => ({ name: row.name, value: parseJsonObject(row.value), updatedAt: row.updated_at }))
  }

  deleteCheckpoints(prefix: string): number {
    this.grouped.flush(true)
    return this.sql('DELETE FROM checkpoints WHERE name >= ? AND name < ?').run(prefix, `${prefix}\uffff`).changes
  }

  enqueueEvent(input: EnqueueInput): { id: number; duplicate: boolean } {
    return this.transaction(() => this.insertEvent(input))
  }

  /** One transaction for the lot: the listener's group commit pays one commit for every request of a tick. */
  enqueueEvents(inputs: EnqueueInput[]): Array<{ id: number; duplicate: boolean }> {
    if (inputs.length === 0) return []
    return this.transaction(() => inputs.map((input) => this.insertEvent(input)))
  }

  /**
   * As enqueueEvents, but when another connection holds the write lock it returns null at once, with nothing
   * written, instead of sleeping in SQLite's busy handler (1, 2, 5, 10 ms… during which the thread can do
   * nothing else): the listener's intake goes on reading requests and retries with a larger batch.
   */
  tryEnqueueEvents(inputs: EnqueueInput[]): Array<{ id: number; duplicate: boolean }> | null {
    if (inputs.length === 0) return []
    const { timeout } = this.sql('PRAGMA busy_timeout').get() as { timeout: number }
    this.sql('PRAGMA busy_timeout = 0').get()
    try {
      return this.enqueueEvents(inputs)
    } catch (error) {
      if (String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY')) return null
      throw error
    } finally {
      this.sql(`PRAGMA busy_timeout = ${Math.trunc(timeout)}`).get()
    }
  }

  private insertEvent(input: EnqueueInput): { id: number; duplicate: boolean } {
    // An event purged within the remembered window is still a redelivery: it is not stored or processed again.
    if (
      this.sql('SELECT 1 FROM fingerprints WHERE fingerprint = ? AND expires_at > ?').get(
        PURGED_PREFIX + input.identity,
        input.receivedAt,
      )
    ) {
      return { id: 0, duplicate: true }
    }
    const result = this.sql(
      `INSERT INTO events (source, identity, type, subject, payload, status, attempts, next_attempt_at, received_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?) ON CONFLICT(identity) DO NOTHING`,
    ).run(
      input.source,
      input.identity,
      input.type,
      input.subject,
      input.payload,
      input.receivedAt,
      input.receivedAt,
      input.receivedAt,
    )
    if (result.changes === 1) return { id: Number(result.lastInsertRowid), duplicate: false }
    const row = this.sql('SELECT id FROM events WHERE identity = ?').get(input.identity) as { id: number }
    return { id: row.id, duplicate: true }
  }

  claimEvents(limit: number, now: number, leaseMs: number): QueuedEvent[] {
    return this.transaction(() => {
      const candidates = this.sql(
        `SELECT * FROM events e INDEXED BY events_status_id WHERE status = 'queued' AND next_attempt_at <= ?
             AND (subject IS NULL OR NOT EXISTS (
               SELECT 1 FROM events p WHERE p.subject = e.subject AND p.status = 'processing'))
             AND (subject IS NULL OR NOT EXISTS (
               SELECT 1 FROM events o WHERE o.subject = e.subject AND o.status = 'queued' AND o.id < e.id))
           ORDER BY id LIMIT ?`,
      ).all(now, limit * 4) as EventRow[]
      const claimed: QueuedEvent[] = []
      const subjects = new Set<string>()
      const lease = this.sql(
        `UPDATE events SET status = 'processing', attempts = attempts + 1, lease_until = ?, updated_at = ? WHERE id = ?`,
      )
      for (const row of candidates) {
        if (claimed.length >= limit) break
        if (row.subject !== null) {
          if (subjects.has(row.subject)) continue
          subjects.add(row.subject)
        }
        lease.run(now + leaseMs, now, row.id)
        claimed.push(toEvent({ ...row, status: 'processing', attempts: row.attempts + 1, updated_at: now }))
      }
      return claimed
    })
  }

  completeEvent(id: number, outcome?: EventOutcome): void {
    this.completeEvents([id], outcome ? new Map([[id, outcome]]) : undefined)
  }

  completeEvents(ids: number[], outcomes?: ReadonlyMap<number, EventOutcome>): void {
    if (ids.length === 0) return
    // An event completed without an outcome (a caller that has none) keeps the one it had.
    const complete = this.sql(
      `UPDATE events SET status = 'done', lease_until = NULL, last_error = NULL, updated_at = ?,
         outcome = COALESCE(?, outcome) WHERE id = ?`,
    )
    const now = this.now()
    // Serialised before the transaction: the write lock is held for the updates only.
    const documents = ids.map((id) => {
      const outcome = outcomes?.get(id)
      return outcome ? JSON.stringify(outcome) : null
    })
    this.transaction(() => {
      ids.forEach((id, index) => complete.run(now, documents[index] ?? null, id))
    })
  }

  retryEvent(id: number, error: string, nextAttemptAt: number): void {
    this.grouped.flush(true)
    this.sql(
      `UPDATE events SET status = 'queued', lease_until = NULL, last_error = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?`,
    ).run(error, nextAttemptAt, this.now(), id)
  }

  deadLetterEvent(id: number, error: string): void {
    this.grouped.flush(true)
    this.sql(`UPDATE events SET status = 'dead', lease_until = NULL, last_error = ?, updated_at = ? WHERE id = ?`).run(
      error,
      this.now(),
      id,
    )
  }

  getEvent(id: number): QueuedEvent | undefined {
    const row = this.sql('SELECT * FROM events WHERE id = ?').get(id) as EventRow | undefined
    return row ? toEvent(row) : undefined
  }

  listEvents(filter: EventFilter = {}): QueuedEvent[] {
    const clauses: string[] = []
    const params: Array<string | number> = []
    const statuses = filter.status === undefined ? [] : Array.isArray(filter.status) ? filter.status : [filter.status]
    if (statuses.length > 0) {
      clauses.push(`status IN (${statuses.map(() => '?').join(',')})`)
      params.push(...statuses)
    }
    if (filter.source) {
      clauses.push('source = ?')
      params.push(filter.source)
    }
    if (filter.afterId !== undefined) {
      clauses.push('id > ?')
      params.push(filter.afterId)
    }
    if (filter.outcome) {
      // A store read before migration 5 (read-only readers do not migrate) has no outcome: nothing matches.
      if (this.schemaVersion() < 5) return []
      const effect = ["json_extract(e.value, '$.rule') = ?"]
      params.push(filter.outcome.rule)
      if (filter.outcome.status !== undefined) {
        effect.push("json_extract(e.value, '$.status') = ?")
        params.push(filter.outcome.status)
      }
      if (filter.outcome.detail !== undefined) {
        effect.push("json_extract(e.value, '$.detail') = ?")
        params.push(filter.outcome.detail)
      }
      clauses.push(
        `outcome IS NOT NULL AND EXISTS (SELECT 1 FROM json_each(outcome, '$.effects') e WHERE ${effect.join(' AND ')})`,
      )
    }
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''
    params.push(filter.limit ?? -1)
    const rows = this.sql(`SELECT * FROM events ${where} ORDER BY id LIMIT ?`).all(...params) as EventRow[]
    return rows.map(toEvent)
  }

  listSettledSince(cursor: SettledCursor, limit: number): QueuedEvent[] {
    const seen = new Set(cursor.ids)
    // Ids already returned at the cursor's time are skipped here rather than in SQL: they are few.
    const rows = this.sql(
      `SELECT * FROM events WHERE status IN ('done','dead') AND updated_at >= ? ORDER BY updated_at, id LIMIT ?`,
    ).all(cursor.updatedAt, limit + seen.size) as EventRow[]
    return rows
      .filter((row) => !(row.updated_at === cursor.updatedAt && seen.has(row.id)))
      .slice(0, limit)
      .map(toEvent)
  }

  eventCounts(): Record<EventStatus, number> {
    const events: Record<EventStatus, number> = { queued: 0, processing: 0, done: 0, dead: 0 }
    for (const row of this.sql(
      'SELECT status, COUNT(*) AS n FROM events INDEXED BY events_status_id GROUP BY status',
    ).all() as Array<{ status: EventStatus; n: number }>) {
      events[row.status] = row.n
    }
    return events
  }

  replayEvents(ids: number[], now: number): number {
    // The outcome of an earlier run is dropped: the trail shown is always the one of the run that completed it.
    const replay = this.sql(
      `UPDATE events SET status = 'queued', attempts = 0, next_attempt_at = ?, lease_until = NULL, updated_at = ?,
         outcome = NULL WHERE id = ? AND status IN ('dead','done')`,
    )
    return this.transaction(() => ids.reduce((count, id) => count + replay.run(now, now, id).changes, 0))
  }

  purgeEvents(filter: { status: EventStatus[]; olderThan?: number; rememberIdentitiesUntil?: number }): number {
    if (filter.status.length === 0) return 0
    const params: Array<string | number> = [...filter.status]
    let where = `status IN (${filter.status.map(() => '?').join(',')})`
    if (filter.olderThan !== undefined) {
      where += ' AND updated_at < ?'
      params.push(filter.olderThan)
    }
    return this.transaction(() => {
      if (filter.rememberIdentitiesUntil !== undefined) {
        this.sql(
          `INSERT INTO fingerprints (fingerprint, expires_at) SELECT ? || identity, ? FROM events WHERE ${where}
             ON CONFLICT(fingerprint) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)`,
        ).run(PURGED_PREFIX, filter.rememberIdentitiesUntil, ...params)
      }
      return this.sql(`DELETE FROM events WHERE ${where}`).run(...params).changes
    })
  }

  purgeEventsById(ids: number[], rememberIdentitiesUntil?: number): number {
    const remember = this.sql(
      `INSERT INTO fingerprints (fingerprint, expires_at) SELECT ? || identity, ? FROM events
         WHERE id = ? AND status IN ('done','dead')
         ON CONFLICT(fingerprint) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)`,
    )
    const remove = this.sql(`DELETE FROM events WHERE id = ? AND status IN ('done','dead')`)
    return this.transaction(() =>
      ids.reduce((count, id) => {
        if (rememberIdentitiesUntil !== undefined) remember.run(PURGED_PREFIX, rememberIdentitiesUntil, id)
        return count + remove.run(id).changes
      }, 0),
    )
  }

  listRecentEvents(limit: number): QueuedEvent[] {
    return (this.sql('SELECT * FROM events ORDER BY id DESC LIMIT ?').all(limit) as EventRow[]).map(toEvent)
  }

  releaseExpiredLeases(now: number): number {
    return this.sql(
      `UPDATE events SET status = 'queued', lease_until = NULL, updated_at = ? WHERE status = 'processing' AND lease_until < ?`,
    ).run(now, now).changes
  }

  /**
   * For a connection that only appends webhook events while another connection (the worker's) commits too:
   * this one never checkpoints, so a checkpoint never delays an acknowledgement. Measured at 2,000 webhooks/s:
   * a 16,000-page backstop checkpoint ran here every ~7 s and held one commit for 110–120 ms, which alone put
   * the p99 at 63–90 ms. The worker's connection writes whenever this one does (it claims every event it is
   * told about), and its automatic (passive) checkpoints keep the WAL bounded without blocking this writer.
   */
  leaveCheckpointsToOthers(): void {
    this.db.pragma('wal_autocheckpoint = 0')
  }

  upsertContacts(contacts: IndexedContact[]): void {
    this.transaction(() => this.writeContacts(contacts))
  }

  upsertContactsGrouped(contacts: IndexedContact[]): void {
    if (contacts.length === 0) return
    if (this.db.inTransaction) this.writeContacts(contacts)
    else this.grouped.unawaited(CONTACTS_KEY, () => this.writeContacts(contacts))
  }

  private writeContacts(contacts: IndexedContact[]): void {
    const upsert = this.sql(
      `INSERT INTO contacts (contact_id, role, name, email, phone_raw, phone_e164, created_at, updated_at, last_seen_at, origin, indexed_at, country, phone_tail, phone_derivation, email_raw)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(contact_id) DO UPDATE SET role = excluded.role, name = excluded.name, email = excluded.email,
         phone_raw = excluded.phone_raw, phone_e164 = excluded.phone_e164, created_at = excluded.created_at,
         updated_at = excluded.updated_at, last_seen_at = excluded.last_seen_at,
         origin = CASE WHEN excluded.origin = 'search' AND contacts.origin = 'refresh' THEN 'refresh' ELSE excluded.origin END,
         indexed_at = excluded.indexed_at, country = excluded.country, phone_tail = excluded.phone_tail,
         phone_derivation = excluded.phone_derivation, email_raw = excluded.email_raw`,
    )
    const forget = this.sql('DELETE FROM contact_readings WHERE contact_id = ?')
    // The first reading of an E.164 is the strongest: a weaker derivation of the same number adds nothing.
    const read = this.sql('INSERT OR IGNORE INTO contact_readings (contact_id, e164, derivation) VALUES (?, ?, ?)')
    for (const contact of contacts) {
      const readings = readingsOf(contact)
      const strongest = readings.find((reading) => reading.e164 === contact.phoneE164)
      // Positional parameters: no object spread and no lookup by name for each of up to 100,000s of rows.
      upsert.run(
        contact.contactId,
        contact.role,
        contact.name,
        contact.email?.trim().toLowerCase() ?? null,
        contact.phoneRaw,
        contact.phoneE164,
        contact.createdAt,
        contact.updatedAt,
        contact.lastSeenAt,
        contact.origin,
        contact.indexedAt,
        contact.country ?? null,
        contact.phoneTail ?? null,
        strongest?.derivation ?? null,
        contact.emailRaw ?? null,
      )
      // A contact's readings are replaced whole: a phone edited in Intercom must not keep its old readings.
      forget.run(contact.contactId)
      for (const reading of readings) read.run(contact.contactId, reading.e164, reading.derivation)
    }
  }

  /** Contact reads see queued contact writes: any of them may change which contact a phone or email finds. */
  private flushContacts(): void {
    if (this.grouped.touches(CONTACTS_KEY)) this.grouped.flush(true)
  }

  removeContacts(contactIds: string[]): void {
    this.grouped.flush(true)
    const remove = this.sql('DELETE FROM contacts WHERE contact_id = ?')
    const forget = this.sql('DELETE FROM contact_readings WHERE contact_id = ?')
    this.transaction(() => {
      for (const id of contactIds) {
        remove.run(id)
        forget.run(id)
      }
    })
  }

  findContactsByPhone(e164: string): IndexedContact[] {
    this.flushContacts()
    // The e164 index holds the contact id too (the table's key), so rows come in contact id order with no sort.
    const rows = this.sql(
      `SELECT c.*, r.derivation AS reading_derivation
       FROM contact_readings r JOIN contacts c ON c.contact_id = r.contact_id
       WHERE r.e164 = ?
       ORDER BY r.contact_id`,
    ).all(e164) as Array<ContactRow & { reading_derivation: StoredDerivation }>
    return rows.map((row) => {
      const contact = toContact(row)
      contact.readings = [{ e164, derivation: row.reading_derivation }]
      return contact
    })
  }

  findContactsSpelledInternationally(e164: string): IndexedContact[] {
    this.flushContacts()
    const rows = this.sql(`SELECT * FROM contacts WHERE phone_e164 = ? AND phone_derivation = 'international'`).all(
      e164,
    ) as ContactRow[]
    // Sorted here: nearly always one row, where SQLite would still build a temporary B-tree for an ORDER BY.
    if (rows.length > 1) rows.sort((x, y) => (x.contact_id < y.contact_id ? -1 : x.contact_id > y.contact_id ? 1 : 0))
    return rows.map((row) => {
      const contact = toContact(row)
      contact.readings = [{ e164, derivation: 'international' }]
      return contact
    })
  }

  findContactsByPhoneTail(tail: string): IndexedContact[] {
    this.flushContacts()
    const rows = this.sql('SELECT * FROM contacts WHERE phone_tail = ? ORDER BY contact_id').all(tail) as ContactRow[]
    return rows.map(toContact)
  }

  findContactsByEmail(email: string): IndexedContact[] {
    this.flushContacts()
    const rows = this.sql('SELECT * FROM contacts WHERE email = ? ORDER BY contact_id').all(
      email.trim().toLowerCase(),
    ) as ContactRow[]
    return rows.map(toContact)
  }

  getContact(contactId: string): IndexedContact | undefined {
    this.flushContacts()
    const rows = this.sql(
      `SELECT c.*, a.e164 AS reading_e164, a.derivation AS reading_derivation
       FROM contacts c
       LEFT JOIN contact_readings a ON a.contact_id = c.contact_id
       WHERE c.contact_id = ?`,
    ).all(contactId) as ContactReadingRow[]
    return contactsWithReadings(rows)[0]
  }

  *iterateContacts(): IterableIterator<IndexedContact> {
    this.flushContacts()
    // A fresh statement: a cached one would be busy if a caller nested another read inside the loop.
    for (const row of this.db.prepare('SELECT * FROM contacts ORDER BY contact_id').iterate()) {
      yield toContact(row as ContactRow)
    }
  }

  recordFingerprint(fingerprint: string, expiresAt: number): void {
    this.sql(
      `INSERT INTO fingerprints (fingerprint, expires_at) VALUES (?, ?)
         ON CONFLICT(fingerprint) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)`,
    ).run(fingerprint, expiresAt)
  }

  hasFingerprint(fingerprint: string, now: number): boolean {
    return (
      this.sql('SELECT 1 FROM fingerprints WHERE fingerprint = ? AND expires_at > ?').get(fingerprint, now) !==
      undefined
    )
  }

  pruneFingerprints(now: number): number {
    return this.sql('DELETE FROM fingerprints WHERE expires_at <= ?').run(now).changes
  }

  getMark(key: string): number | null {
    const row = this.sql('SELECT at FROM marks WHERE key = ?').get(key) as { at: number } | undefined
    return row?.at ?? null
  }

  setMark(key: string, at: number): void {
    this.sql('INSERT INTO marks (key, at) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET at = excluded.at').run(key, at)
  }

  acquireLock(name: string, owner: string, now: number, ttlMs: number): boolean {
    return this.transaction(() => {
      const existing = this.getLock(name)
      if (existing && existing.owner !== owner && existing.expiresAt > now) return false
      this.sql(
        `INSERT INTO locks (name, owner, expires_at) VALUES (?, ?, ?)
           ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at`,
      ).run(name, owner, now + ttlMs)
      return true
    })
  }

  renewLock(name: string, owner: string, now: number, ttlMs: number): boolean {
    return (
      this.sql('UPDATE locks SET expires_at = ? WHERE name = ? AND owner = ?').run(now + ttlMs, name, owner).changes ===
      1
    )
  }

  releaseLock(name: string, owner: string): void {
    this.sql('DELETE FROM locks WHERE name = ? AND owner = ?').run(name, owner)
  }

  getLock(name: string): { owner: string; expiresAt: number } | undefined {
    const row = this.sql('SELECT owner, expires_at FROM locks WHERE name = ?').get(name) as
      { owner: string; expires_at: number } | undefined
    return row ? { owner: row.owner, expiresAt: row.expires_at } : undefined
  }

  counts(): StatusCounts {
    this.grouped.flush(true)
    const ledger: Record<StepStatus, number> = { pending: 0, done: 0, failed: 0 }
    for (const row of this.sql('SELECT status, COUNT(*) AS n FROM ledger GROUP BY status').all() as Array<{
      status: StepStatus
      n: number
    }>) {
      ledger[row.status] = row.n
    }
    const events: Record<EventStatus, number> = { queued: 0, processing: 0, done: 0, dead: 0 }
    for (const row of this.sql('SELECT status, COUNT(*) AS n FROM events GROUP BY status').all() as Array<{
      status: EventStatus
      n: number
    }>) {
      events[row.status] = row.n
    }
    const count = (table: string): number => (this.sql(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n
    return {
      ledger,
      events,
      contacts: count('contacts'),
      checkpoints: count('checkpoints'),
      fingerprints: count('fingerprints'),
    }
  }

  close(): void {
    if (!this.db.open) return
    try {
      this.grouped.flush()
    } finally {
      this.db.close()
    }
  }
}

export const openStateStore = (path: string, options?: SqliteStoreOptions): SqliteStateStore =>
  new SqliteStateStore(path, options)

/**
 * An in-memory copy of the store at `path` (an empty store when there is none): a dry run decides with everything
 * stored and keeps what it learns on the way in memory, so the file is read once, read-only, and never written.
 */
export const openStoreSnapshot = (path: string, options: Omit<SqliteStoreOptions, 'image' | 'readonly'> = {}) => {
  if (!existsSync(path)) return new SqliteStateStore(':memory:', options)
  let image: Buffer
  try {
    const source = new Database(path, { readonly: true, fileMustExist: true })
    try {
      image = source.serialize()
    } finally {
      source.close()
    }
  } catch (error) {
    throw new StoreError(`cannot read the state store ${path}: ${(error as Error).message}`, path)
  }
  // A WAL file's header says so, and SQLite opens a WAL database only from a file: the copy is read as rollback.
  image[18] = 1
  image[19] = 1
  return new SqliteStateStore(path, { ...options, image })
}
