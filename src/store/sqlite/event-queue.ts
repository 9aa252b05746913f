import type {
  Enqueued,
  EnqueueInput,
  EnqueueOptions,
  EventFilter,
  EventOutcome,
  EventQueue,
  EventSource,
  EventStatus,
  LeaseClaim,
  PurgeFilter,
  QueuedEvent,
  SettledCursor,
} from '../event-queue.js'
import type { SqliteConnection } from './connection.js'

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

/** Fingerprints that remember the identity of a purged event, so its redelivery stays a duplicate. */
const PURGED_PREFIX = 'purged-event:'

const isBusy = (error: unknown): boolean => String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY')

export class SqliteEventQueue implements EventQueue {
  constructor(private readonly c: SqliteConnection) {}

  enqueue(input: EnqueueInput): Enqueued {
    return this.c.transaction(() => this.insert(input))
  }

  enqueueAll(inputs: readonly EnqueueInput[], options?: EnqueueOptions & { wait?: true }): Enqueued[]
  enqueueAll(inputs: readonly EnqueueInput[], options: EnqueueOptions): Enqueued[] | null
  /** One transaction for the lot: the listener's group commit pays one commit for every request of a tick. */
  enqueueAll(inputs: readonly EnqueueInput[], options: EnqueueOptions = {}): Enqueued[] | null {
    if (inputs.length === 0) return []
    const insertAll = (): Enqueued[] => this.c.transaction(() => inputs.map((input) => this.insert(input)))
    if (options.wait !== false) return insertAll()
    // Not waiting means not sleeping in SQLite's busy handler (1, 2, 5, 10 ms… during which the thread can do
    // nothing else): the busy timeout is lifted for this one transaction.
    const { timeout } = this.c.sql('PRAGMA busy_timeout').get() as { timeout: number }
    this.c.sql('PRAGMA busy_timeout = 0').get()
    try {
      return insertAll()
    } catch (error) {
      if (isBusy(error)) return null
      throw error
    } finally {
      this.c.sql(`PRAGMA busy_timeout = ${Math.trunc(timeout)}`).get()
    }
  }

  private insert(input: EnqueueInput): Enqueued {
    // An event purged within the remembered window is still a redelivery: it is not stored or processed again.
    if (
      this.c
        .sql('SELECT 1 FROM fingerprints WHERE fingerprint = ? AND expires_at > ?')
        .get(PURGED_PREFIX + input.identity, input.receivedAt)
    ) {
      return { id: 0, duplicate: true }
    }
    const result = this.c
      .sql(
        `INSERT INTO events (source, identity, type, subject, payload, status, attempts, next_attempt_at, received_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?) ON CONFLICT(identity) DO NOTHING`,
      )
      .run(
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
    const row = this.c.sql('SELECT id FROM events WHERE identity = ?').get(input.identity) as { id: number }
    return { id: row.id, duplicate: true }
  }

  claim(limit: number, now: number, leaseMs: number): QueuedEvent[] {
    return this.c.transaction(() => {
      const candidates = this.c
        .sql(
          `SELECT * FROM events e INDEXED BY events_status_id WHERE status = 'queued' AND next_attempt_at <= ?
             AND (subject IS NULL OR NOT EXISTS (
               SELECT 1 FROM events p WHERE p.subject = e.subject AND p.status = 'processing'))
             AND (subject IS NULL OR NOT EXISTS (
               SELECT 1 FROM events o WHERE o.subject = e.subject AND o.status = 'queued' AND o.id < e.id))
           ORDER BY id LIMIT ?`,
        )
        .all(now, limit * 4) as EventRow[]
      const claimed: QueuedEvent[] = []
      const subjects = new Set<string>()
      const lease = this.c.sql(
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

  complete(ids: readonly number[], outcomes?: ReadonlyMap<number, EventOutcome>): void {
    if (ids.length === 0) return
    // An event completed without an outcome (a caller that has none) keeps the one it had.
    const complete = this.c.sql(
      `UPDATE events SET status = 'done', lease_until = NULL, last_error = NULL, updated_at = ?,
         outcome = COALESCE(?, outcome) WHERE id = ?`,
    )
    const now = this.c.now()
    // Serialised before the transaction: the write lock is held for the updates only.
    const documents = ids.map((id) => {
      const outcome = outcomes?.get(id)
      return outcome ? JSON.stringify(outcome) : null
    })
    this.c.transaction(() => {
      ids.forEach((id, index) => complete.run(now, documents[index] ?? null, id))
    })
  }

  retry(id: number, error: string, nextAttemptAt: number): void {
    this.c.beforeWrite()
    this.c
      .sql(
        `UPDATE events SET status = 'queued', lease_until = NULL, last_error = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?`,
      )
      .run(error, nextAttemptAt, this.c.now(), id)
  }

  deadLetter(id: number, error: string): void {
    this.c.beforeWrite()
    this.c
      .sql(`UPDATE events SET status = 'dead', lease_until = NULL, last_error = ?, updated_at = ? WHERE id = ?`)
      .run(error, this.c.now(), id)
  }

  replay(ids: readonly number[], now: number): number {
    // The outcome of an earlier run is dropped: the trail shown is always the one of the run that completed it.
    const replay = this.c.sql(
      `UPDATE events SET status = 'queued', attempts = 0, next_attempt_at = ?, lease_until = NULL, updated_at = ?,
         outcome = NULL WHERE id = ? AND status IN ('dead','done')`,
    )
    return this.c.transaction(() => ids.reduce((count, id) => count + replay.run(now, now, id).changes, 0))
  }

  purge(filter: PurgeFilter): number {
    return 'ids' in filter
      ? this.purgeById(filter.ids, filter.rememberIdentitiesUntil)
      : this.purgeByStatus(filter.status, filter.olderThan, filter.rememberIdentitiesUntil)
  }

  private purgeByStatus(status: EventStatus[], olderThan?: number, rememberUntil?: number): number {
    // Only settled events are ever deleted, whatever the filter names.
    const settled = status.filter((s) => s === 'done' || s === 'dead')
    if (settled.length === 0) return 0
    const params: Array<string | number> = [...settled]
    let where = `status IN (${settled.map(() => '?').join(',')})`
    if (olderThan !== undefined) {
      where += ' AND updated_at < ?'
      params.push(olderThan)
    }
    return this.c.transaction(() => {
      if (rememberUntil !== undefined) {
        this.c
          .sql(
            `INSERT INTO fingerprints (fingerprint, expires_at) SELECT ? || identity, ? FROM events WHERE ${where}
             ON CONFLICT(fingerprint) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)`,
          )
          .run(PURGED_PREFIX, rememberUntil, ...params)
      }
      return this.c.sql(`DELETE FROM events WHERE ${where}`).run(...params).changes
    })
  }

  private purgeById(ids: readonly number[], rememberUntil?: number): number {
    const remember = this.c.sql(
      `INSERT INTO fingerprints (fingerprint, expires_at) SELECT ? || identity, ? FROM events
         WHERE id = ? AND status IN ('done','dead')
         ON CONFLICT(fingerprint) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)`,
    )
    const remove = this.c.sql(`DELETE FROM events WHERE id = ? AND status IN ('done','dead')`)
    return this.c.transaction(() =>
      ids.reduce((count, id) => {
        if (rememberUntil !== undefined) remember.run(PURGED_PREFIX, rememberUntil, id)
        return count + remove.run(id).changes
      }, 0),
    )
  }

  releaseExpiredLeases(now: number): number {
    this.c.beforeWrite()
    return this.c
      .sql(
        `UPDATE events SET status = 'queued', lease_until = NULL, updated_at = ? WHERE status = 'processing' AND lease_until < ?`,
      )
      .run(now, now).changes
  }

  renewLeases(claims: readonly LeaseClaim[], now: number, leaseMs: number): number {
    if (claims.length === 0) return 0
    const renew = this.c.sql(
      `UPDATE events SET lease_until = ? WHERE id = ? AND attempts = ? AND status = 'processing'`,
    )
    return this.c.transaction(() =>
      claims.reduce((count, claim) => count + renew.run(now + leaseMs, claim.id, claim.attempts).changes, 0),
    )
  }

  get(id: number): QueuedEvent | undefined {
    const row = this.c.sql('SELECT * FROM events WHERE id = ?').get(id) as EventRow | undefined
    return row ? toEvent(row) : undefined
  }

  list(filter: EventFilter = {}): QueuedEvent[] {
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
      if (this.c.schemaVersion() < 5) return []
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
    const rows = this.c.sql(`SELECT * FROM events ${where} ORDER BY id LIMIT ?`).all(...params) as EventRow[]
    return rows.map(toEvent)
  }

  listRecent(limit: number): QueuedEvent[] {
    return (this.c.sql('SELECT * FROM events ORDER BY id DESC LIMIT ?').all(limit) as EventRow[]).map(toEvent)
  }

  listSettledSince(cursor: SettledCursor, limit: number): QueuedEvent[] {
    const seen = new Set(cursor.ids)
    // Ids already returned at the cursor's time are skipped here rather than in SQL: they are few.
    const rows = this.c
      .sql(`SELECT * FROM events WHERE status IN ('done','dead') AND updated_at >= ? ORDER BY updated_at, id LIMIT ?`)
      .all(cursor.updatedAt, limit + seen.size) as EventRow[]
    return rows
      .filter((row) => !(row.updated_at === cursor.updatedAt && seen.has(row.id)))
      .slice(0, limit)
      .map(toEvent)
  }

  counts(): Record<EventStatus, number> {
    const events: Record<EventStatus, number> = { queued: 0, processing: 0, done: 0, dead: 0 }
    const rows = this.c
      .sql('SELECT status, COUNT(*) AS n FROM events INDEXED BY events_status_id GROUP BY status')
      .all() as Array<{ status: EventStatus; n: number }>
    for (const row of rows) events[row.status] = row.n
    return events
  }
}
