import type { AsyncLedger } from '../async-store.js'
import {
  type LedgerStep,
  type StepClaim,
  type StepClaimRequest,
  type StepFilter,
  StepHeldError,
  type StepStatus,
} from '../ledger.js'
import type { PgRepositoryContext, PgTables } from './context.js'

/**
 * Keys sort by code point (the Ledger contract) whatever the database's collation: "C" compares the UTF-8 bytes.
 * `revision` is bumped by every write, so a takeover can be made conditional on the row it decided from.
 */
export const ledgerTables: PgTables = {
  since: 1,
  sql: (schema) => `
    CREATE TABLE ${schema}.ledger (
      key text COLLATE "C" PRIMARY KEY,
      status text NOT NULL CHECK (status IN ('pending','done','failed')),
      external_id text,
      data jsonb NOT NULL DEFAULT '{}',
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      created_at bigint NOT NULL,
      updated_at bigint NOT NULL,
      owner text,
      lease_until bigint,
      revision bigint NOT NULL DEFAULT 0
    );
    CREATE INDEX ledger_status ON ${schema}.ledger (status, key);
  `,
}

interface LedgerRow {
  key: string
  status: StepStatus
  external_id: string | null
  data: unknown
  attempts: number
  last_error: string | null
  /** bigint columns: a string unless the pool parses int8. */
  created_at: string | number
  updated_at: string | number
  owner: string | null
  lease_until: string | number | null
  revision: string | number
}

const dataOf = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}

const toStep = (row: LedgerRow): LedgerStep => ({
  key: row.key,
  status: row.status,
  externalId: row.external_id,
  data: dataOf(row.data),
  attempts: row.attempts,
  lastError: row.last_error,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
})

/** How long a step begun with `begin` stays claimed if its owner goes silent (as in SQLite). */
const BEGIN_LEASE_MS = 120_000

/**
 * How often a claim is decided again after the row changed under it (another process claimed, completed or
 * failed it in between). Each round sees a newer row, so only a key rewritten without pause exhausts this.
 */
const MAX_ROUNDS = 50

/** What a takeover writes: the claim's data replaces the step's, a begin's is merged over it. */
type DataWrite = { replace: string } | { merge: string }

type Acquired =
  | { status: 'granted'; step: LedgerStep; previous: LedgerStep | null }
  | { status: 'done'; step: LedgerStep }
  | { status: 'held'; row: LedgerRow }

/** `LIKE` matches its pattern's % and _ (and the escape itself) literally once escaped. */
const likePrefix = (prefix: string): string => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/**
 * Claims hold across processes and hosts: each is decided from the row as read, then written by a statement that
 * succeeds only if that row is still the latest (its `revision`), so two claimers never both win; the loser reads
 * again and is answered from what the winner wrote. Every operation is one statement, atomic on a pool's
 * connection or inside the caller's transaction alike.
 */
export class PgLedger implements AsyncLedger {
  private readonly table: string

  constructor(private readonly ctx: PgRepositoryContext) {
    this.table = `${ctx.schema}.ledger`
  }

  async get(key: string): Promise<LedgerStep | undefined> {
    const { rows } = await this.ctx.db.query<LedgerRow>(`SELECT * FROM ${this.table} WHERE key = $1`, [key])
    return rows[0] ? toStep(rows[0]) : undefined
  }

  async getMany(keys: readonly string[]): Promise<Array<LedgerStep | undefined>> {
    if (keys.length === 0) return []
    const { rows } = await this.ctx.db.query<LedgerRow>(`SELECT * FROM ${this.table} WHERE key = ANY($1::text[])`, [
      [...keys],
    ])
    const byKey = new Map(rows.map((row) => [row.key, toStep(row)]))
    return keys.map((key) => byKey.get(key))
  }

  async list(filter: StepFilter = {}): Promise<LedgerStep[]> {
    const clauses: string[] = []
    const params: unknown[] = []
    if (filter.status) {
      params.push(filter.status)
      clauses.push(`status = $${params.length}`)
    }
    if (filter.prefix) {
      // With the "C" collation a LIKE prefix is a range of the primary key's index.
      params.push(likePrefix(filter.prefix))
      clauses.push(`key LIKE $${params.length}`)
    }
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''
    let limit = ''
    if (filter.limit !== undefined) {
      params.push(filter.limit)
      limit = `LIMIT $${params.length}`
    }
    const { rows } = await this.ctx.db.query<LedgerRow>(
      `SELECT * FROM ${this.table} ${where} ORDER BY key ${limit}`,
      params,
    )
    return rows.map(toStep)
  }

  async claim(key: string, request: StepClaimRequest): Promise<StepClaim> {
    const data = JSON.stringify(request.data ?? {})
    const acquired = await this.acquire(key, request.owner, request.leaseMs, { replace: data }, true)
    switch (acquired.status) {
      case 'granted':
        return { status: 'claimed', resumed: acquired.previous }
      case 'done':
        return { status: 'done', step: acquired.step }
      case 'held':
        return {
          status: 'held',
          owner: acquired.row.owner ?? '',
          leaseUntil: acquired.row.lease_until === null ? this.ctx.now() : Number(acquired.row.lease_until),
        }
    }
  }

  async begin(key: string, data: Record<string, unknown> = {}): Promise<LedgerStep> {
    const acquired = await this.acquire(key, this.ctx.owner, BEGIN_LEASE_MS, { merge: JSON.stringify(data) }, false)
    if (acquired.status === 'held') throw new StepHeldError(key, acquired.row.owner ?? '')
    return acquired.step
  }

  /**
   * Creates the step pending for `owner`, or takes it over when nobody else's live claim holds it. `stopAtDone`:
   * a claim never reopens a written step, where a begin does (a revision written again).
   */
  private async acquire(
    key: string,
    owner: string,
    leaseMs: number,
    write: DataWrite,
    stopAtDone: boolean,
  ): Promise<Acquired> {
    const initial = 'replace' in write ? write.replace : write.merge
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const now = this.ctx.now()
      // One round trip for the common cases: a new step is inserted; an existing one is read in the same
      // statement. Neither when another connection inserted the key after this statement's snapshot was taken:
      // the next round sees it.
      const { rows } = await this.ctx.db.query<LedgerRow & { inserted: boolean }>(
        `WITH inserted AS (
           INSERT INTO ${this.table} (key, status, data, attempts, created_at, updated_at, owner, lease_until)
           VALUES ($1, 'pending', $2::jsonb, 1, $3::bigint, $3::bigint, $4, $5::bigint)
           ON CONFLICT (key) DO NOTHING
           RETURNING *
         )
         SELECT *, true AS inserted FROM inserted
         UNION ALL
         SELECT *, false AS inserted FROM ${this.table} WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM inserted)`,
        [key, initial, now, owner, now + leaseMs],
      )
      const row = rows[0]
      if (!row) continue
      if (row.inserted) return { status: 'granted', step: toStep(row), previous: null }
      if (stopAtDone && row.status === 'done') return { status: 'done', step: toStep(row) }
      if (this.heldByOther(row, owner, now)) return { status: 'held', row }
      const data = 'replace' in write ? '$3::jsonb' : `data || $3::jsonb`
      const taken = await this.ctx.db.query<LedgerRow>(
        `UPDATE ${this.table}
         SET status = 'pending', data = ${data}, attempts = attempts + 1, updated_at = $4::bigint, owner = $5,
           lease_until = $6::bigint, revision = revision + 1
         WHERE key = $1 AND revision = $2::bigint
         RETURNING *`,
        [key, row.revision, initial, now, owner, now + leaseMs],
      )
      const step = taken.rows[0]
      if (step) return { status: 'granted', step: toStep(step), previous: toStep(row) }
    }
    throw new Error(`the ledger step ${key} kept changing while it was being claimed`)
  }

  private heldByOther(row: LedgerRow, owner: string, now: number): boolean {
    return (
      row.status === 'pending' &&
      Boolean(row.owner) &&
      row.owner !== owner &&
      Number(row.lease_until ?? 0) > now &&
      !this.ctx.isOwnerGone(row.owner ?? '')
    )
  }

  async complete(key: string, externalId: string | null, data: Record<string, unknown> = {}): Promise<void> {
    const now = this.ctx.now()
    // The merge happens in the statement, over the row as it is when written: nothing read before can be stale.
    await this.ctx.db.query(
      `INSERT INTO ${this.table} AS l (key, status, external_id, data, attempts, created_at, updated_at)
       VALUES ($1, 'done', $2, $3::jsonb, 1, $4::bigint, $4::bigint)
       ON CONFLICT (key) DO UPDATE SET status = 'done', external_id = excluded.external_id,
         data = l.data || excluded.data, last_error = NULL, updated_at = excluded.updated_at, lease_until = NULL,
         revision = l.revision + 1`,
      [key, externalId, JSON.stringify(data), now],
    )
  }

  async fail(key: string, error: string): Promise<void> {
    const now = this.ctx.now()
    await this.ctx.db.query(
      `INSERT INTO ${this.table} AS l (key, status, last_error, attempts, created_at, updated_at)
       VALUES ($1, 'failed', $2, 1, $3::bigint, $3::bigint)
       ON CONFLICT (key) DO UPDATE SET status = 'failed', last_error = excluded.last_error,
         updated_at = excluded.updated_at, lease_until = NULL, revision = l.revision + 1`,
      [key, error, now],
    )
  }
}
