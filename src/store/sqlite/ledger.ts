import {
  type Ledger,
  type LedgerStep,
  type StepClaim,
  type StepClaimRequest,
  type StepFilter,
  StepHeldError,
  type StepStatus,
} from '../ledger.js'
import { parseJsonObject, type SqliteConnection } from './connection.js'

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

/** How long a step begun with `begin` stays claimed if its owner goes silent. */
const BEGIN_LEASE_MS = 120_000

const EMPTY_DATA = '{}'

const CLAIM = `INSERT INTO ledger (key, status, data, attempts, created_at, updated_at, owner, lease_until)
  VALUES (?, 'pending', ?, 1, ?, ?, ?, ?)
  ON CONFLICT(key) DO UPDATE SET status = 'pending', data = excluded.data, attempts = attempts + 1,
    updated_at = excluded.updated_at, owner = excluded.owner, lease_until = excluded.lease_until`

/**
 * Claims are grouped: every claim of an event-loop turn is decided and committed in one transaction (a commit
 * costs more than the rows a step writes, and a backfill with 16 calls in flight claims for many of them in one
 * turn), and each resolves once that commit is done. Completions join the next group unawaited, as the Ledger
 * contract allows; begins and failures commit on their own, after whatever was queued before them.
 */
export class SqliteLedger implements Ledger {
  constructor(
    private readonly c: SqliteConnection,
    /** The owner `begin` claims steps as (one per process; see step-owner.ts). */
    private readonly owner: string,
    /** Whether a claim's owner is known to be dead (its lease is then not waited out). */
    private readonly ownerGone: (owner: string) => boolean,
  ) {}

  get(key: string): LedgerStep | undefined {
    this.c.readThrough(key)
    const row = this.c.sql('SELECT * FROM ledger WHERE key = ?').get(key) as LedgerRow | undefined
    return row ? toStep(row) : undefined
  }

  getMany(keys: readonly string[]): Array<LedgerStep | undefined> {
    if (keys.some((key) => this.c.grouped.touches(key))) this.c.grouped.flush(true)
    const placeholders = keys.map(() => '?').join(', ')
    const rows = this.c.sql(`SELECT * FROM ledger WHERE key IN (${placeholders})`).all(...keys) as LedgerRow[]
    return keys.map((key) => {
      const row = rows.find((candidate) => candidate.key === key)
      return row ? toStep(row) : undefined
    })
  }

  list(filter: StepFilter = {}): LedgerStep[] {
    this.c.grouped.flush(true)
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
    const rows = this.c.sql(`SELECT * FROM ledger ${where} ORDER BY key LIMIT ?`).all(...params) as LedgerRow[]
    return rows.map(toStep)
  }

  claim(key: string, request: StepClaimRequest): Promise<StepClaim> {
    let claim: StepClaim | null = null
    try {
      const json = JSON.stringify(request.data ?? {})
      if (this.c.db.inTransaction) return Promise.resolve(this.decideClaim(key, request, json))
      return this.c.grouped
        .awaited(key, () => {
          claim = this.decideClaim(key, request, json)
        })
        .then(() => {
          if (claim === null) throw new Error(`the claim of ${key} was not decided`)
          return claim
        })
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)))
    }
  }

  /** Runs inside a write transaction, so no other connection can decide the same claim in between. */
  private decideClaim(key: string, request: StepClaimRequest, data: string): StepClaim {
    const now = this.c.now()
    const row = this.c.sql('SELECT * FROM ledger WHERE key = ?').get(key) as LedgerRow | undefined
    if (row?.status === 'done') return { status: 'done', step: toStep(row) }
    if (row && this.heldByOther(row, request.owner, now)) {
      return { status: 'held', owner: row.owner ?? '', leaseUntil: row.lease_until ?? now }
    }
    this.c.sql(CLAIM).run(key, data, now, now, request.owner, now + request.leaseMs)
    return { status: 'claimed', resumed: row ? toStep(row) : null }
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

  begin(key: string, data: Record<string, unknown> = {}): LedgerStep {
    const now = this.c.now()
    return this.c.transaction(() => {
      const row = this.c.sql('SELECT * FROM ledger WHERE key = ?').get(key) as LedgerRow | undefined
      if (row && this.heldByOther(row, this.owner, now)) throw new StepHeldError(key, row.owner ?? '')
      const existing = row ? toStep(row) : undefined
      const merged = JSON.stringify({ ...(existing?.data ?? {}), ...data })
      this.c.sql(CLAIM).run(key, merged, now, now, this.owner, now + BEGIN_LEASE_MS)
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

  complete(key: string, externalId: string | null, data: Record<string, unknown> = {}): void {
    const now = this.c.now()
    this.c.readThrough(key)
    // Merged now, from the row as committed: no write to this key is queued any more.
    const stored = (this.c.sql('SELECT data FROM ledger WHERE key = ?').get(key) as { data: string } | undefined)?.data
    const json =
      stored === undefined || stored === EMPTY_DATA
        ? JSON.stringify(data)
        : Object.keys(data).length === 0
          ? stored
          : JSON.stringify({ ...parseJsonObject(stored), ...data })
    this.c.deferred(key, () => this.writeComplete(key, externalId, json, now))
  }

  private writeComplete(key: string, externalId: string | null, data: string, now: number): void {
    this.c
      .sql(
        `INSERT INTO ledger (key, status, external_id, data, attempts, created_at, updated_at)
         VALUES (?, 'done', ?, ?, 1, ?, ?)
         ON CONFLICT(key) DO UPDATE SET status = 'done', external_id = excluded.external_id, data = excluded.data,
           last_error = NULL, updated_at = excluded.updated_at, lease_until = NULL`,
      )
      .run(key, externalId, data, now, now)
  }

  fail(key: string, error: string): void {
    this.c.beforeWrite()
    const now = this.c.now()
    this.c
      .sql(
        `INSERT INTO ledger (key, status, last_error, attempts, created_at, updated_at) VALUES (?, 'failed', ?, 1, ?, ?)
         ON CONFLICT(key) DO UPDATE SET status = 'failed', last_error = excluded.last_error,
           updated_at = excluded.updated_at, lease_until = NULL`,
      )
      .run(key, error, now, now)
  }
}
