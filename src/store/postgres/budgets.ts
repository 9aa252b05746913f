import type { BudgetGrant, BudgetObservation, BudgetTake, SharedBudgets } from '../shared-budgets.js'
import type pg from 'pg'
import type { QueryResult, QueryResultRow } from 'pg'
import type { PgTables } from './context.js'

/**
 * One row per budget: the window (fixed windows: its start and end; sliding: the grants' times in `stamps`, one
 * per unit), the limit last asked with, what is left, whether the window's end is the server's (`synced`), and the
 * pause a 429 set for every process.
 */
export const budgetsTables: PgTables = {
  since: 2,
  sql: (schema) => `
    create table ${schema}.budgets (
      key text primary key,
      window_start bigint not null,
      window_end bigint not null,
      lim integer not null,
      remaining integer not null,
      paused_until bigint not null default 0,
      synced boolean not null default false,
      stamps bigint[] not null default '{}',
      updated_at bigint not null
    )`,
}

/**
 * How far apart two reports of a window's end may be and still mean the same window: Intercom's reset is in whole
 * seconds, and hosts' clocks differ a little (the vendor gate uses the same figure).
 */
const SAME_WINDOW_MS = 1_000

type Int8 = string | number

interface GrantRow {
  granted: number
  remaining: number
  window_end: Int8
  paused_until: Int8
  /** Sliding windows: the grant whose ageing out frees the next unit (null while fewer than the limit count). */
  frees?: Int8 | null
}

/**
 * What an observation (`now`, remaining, reset: the SQL of three parameters) makes of the locked row `c`. A reset
 * already past, or (once synced) earlier than the row's window, speaks of a window that is over: ignored. Otherwise
 * the row takes the server's exact end; what is left is the server's count when its window is a later one (ours
 * is stale), else the lower of the two (units granted but not yet arrived are in ours, not in the server's).
 */
const observed = (now: string, remaining: string, reset: string): string => {
  const ignored = `(${reset} is null or ${reset} <= ${now} or (c.synced and ${reset} < c.window_end - ${SAME_WINDOW_MS}))`
  return `
    case when ${ignored} then c.window_end else ${reset} end as window_end,
    case when ${ignored} then c.remaining
         when ${reset} > c.window_end + ${SAME_WINDOW_MS} then ${remaining}
         else least(c.remaining, ${remaining}) end as remaining,
    c.synced or not ${ignored} as synced`
}

/**
 * Budgets in the store's schema, always sent through the pool: a take inside a caller's transaction would hold the
 * budget's row lock until that transaction ends, and every other process's requests would wait on it.
 *
 * Each take is ONE statement that locks the row (`select … for update` in its first CTE), computes the grant from
 * the row as the lock found it (under read committed, the latest committed version) and writes it back: takes of
 * any number of processes are serialised on the row, so together they are never granted more than the limit.
 * A missing row is created (`on conflict do nothing`, so two creators agree) and the statement run again.
 */
export class PgSharedBudgets implements SharedBudgets {
  private readonly t: string

  /**
   * @param queryTimeoutMs how long a statement may wait for its answer. The gates stop waiting sooner and go on
   * alone; this frees the connection (the pool drops it), so statements stuck behind a lock on the budgets table
   * cannot take every connection of the store's pool from the ledger and the queue.
   */
  constructor(
    private readonly db: Pick<pg.Pool, 'query'>,
    schema: string,
    private readonly queryTimeoutMs = 3_000,
  ) {
    this.t = `${schema}.budgets`
  }

  private query<R extends QueryResultRow>(text: string, values: unknown[]): Promise<QueryResult<R>> {
    // node-postgres reads query_timeout from a query's config too; its type names it only for a client's.
    const config: pg.QueryConfig & { query_timeout: number } = { text, values, query_timeout: this.queryTimeoutMs }
    return this.db.query<R>(config)
  }

  async take(key: string, request: BudgetTake): Promise<BudgetGrant> {
    const { now, limit, windowMs, want } = request
    if (!(windowMs > 0) || !Number.isInteger(limit) || limit < 0 || !Number.isInteger(want) || want < 0) {
      throw new RangeError(
        `a budget take needs windowMs > 0 and whole limit and want, got ${windowMs}/${limit}/${want}`,
      )
    }
    const run = request.sliding
      ? (): Promise<GrantRow | undefined> => this.takeSliding(key, request)
      : (): Promise<GrantRow | undefined> => this.takeFixed(key, request)
    let row = await run()
    if (!row) {
      await this.create(key, now, limit, windowMs)
      row = await run()
      if (!row) throw new Error(`the budget ${key} vanished while it was taken from`)
    }
    const pausedUntil = Number(row.paused_until)
    const windowEnd = Number(row.window_end)
    const paused = pausedUntil > now
    let waitMs = 0
    if (row.granted === 0 && want > 0) {
      if (paused) waitMs = pausedUntil - now
      else if (request.sliding) waitMs = row.frees == null ? 0 : Math.max(0, Number(row.frees) + windowMs - now)
      else waitMs = Math.max(0, windowEnd - now)
    }
    return {
      granted: row.granted,
      waitMs,
      expiresAt: request.sliding ? now : windowEnd,
      remaining: row.remaining,
      pausedUntil: paused ? pausedUntil : 0,
    }
  }

  /** Fixed windows: apply what was seen, roll to the current window (keeping its alignment), grant from it. */
  private async takeFixed(key: string, request: BudgetTake): Promise<GrantRow | undefined> {
    const { now, limit, windowMs, want, seen } = request
    const { rows } = await this.query<GrantRow>(
      `with c as (
         select key, window_end, remaining, synced, paused_until from ${this.t} where key = $1 for update
       ), o as (
         select c.key, c.paused_until, ${observed('$2::bigint', '$6::integer', '$7::bigint')} from c
       ), r as (
         -- Windows that passed while nobody asked are skipped whole, so a synced row stays on the server's boundaries.
         select o.key, o.paused_until, o.synced,
           case when o.window_end > $2::bigint then o.window_end
                else o.window_end + (($2::bigint - o.window_end) / $4::bigint + 1) * $4::bigint end as window_end,
           case when o.window_end > $2::bigint then o.remaining else $3::integer end as remaining
         from o
       ), g as (
         select r.*, case when r.paused_until > $2::bigint then 0
                          else greatest(0, least($5::integer, r.remaining)) end as granted
         from r
       )
       update ${this.t} as b set
         window_start = g.window_end - $4::bigint, window_end = g.window_end, lim = $3::integer,
         remaining = g.remaining - g.granted, synced = g.synced, updated_at = $2::bigint
       from g where b.key = g.key
       returning g.granted, b.remaining, b.window_end, b.paused_until`,
      [key, now, limit, windowMs, want, seen?.remaining ?? null, seen?.resetAt ?? null],
    )
    return rows[0]
  }

  /**
   * A sliding window: the grants still inside it are kept, at most `limit` of them; a grant stamps its units with
   * `now`. (One stamp per unit: Aircall's budget is at most 120 a minute.)
   */
  private async takeSliding(key: string, request: BudgetTake): Promise<GrantRow | undefined> {
    const { now, limit, windowMs, want } = request
    const { rows } = await this.query<GrantRow>(
      `with c as (
         select key, stamps, paused_until from ${this.t} where key = $1 for update
       ), k as (
         select c.key, c.paused_until,
           array(select s from unnest(c.stamps) as s where s > $2::bigint - $4::bigint order by s) as stamps
         from c
       ), g as (
         select k.*, case when k.paused_until > $2::bigint then 0
                          else greatest(0, least($5::integer, $3::integer - cardinality(k.stamps))) end as granted
         from k
       )
       update ${this.t} as b set
         stamps = g.stamps || array_fill($2::bigint, array[g.granted]),
         remaining = greatest(0, $3::integer - cardinality(g.stamps) - g.granted),
         lim = $3::integer, window_start = $2::bigint - $4::bigint, updated_at = $2::bigint,
         window_end = case when g.granted > 0 then $2::bigint
                           else coalesce(g.stamps[cardinality(g.stamps)], $2::bigint - $4::bigint) end + $4::bigint
       from g where b.key = g.key
       returning g.granted, b.remaining, b.window_end, b.paused_until,
         case when cardinality(b.stamps) >= $3::integer
              then b.stamps[cardinality(b.stamps) - $3::integer + 1] end as frees`,
      [key, now, limit, windowMs, want],
    )
    return rows[0]
  }

  /** A new budget: a whole window from `now`, until the server's headers say where its windows are. */
  private async create(key: string, now: number, limit: number, windowMs: number): Promise<void> {
    await this.query(
      `insert into ${this.t} (key, window_start, window_end, lim, remaining, updated_at)
       values ($1, $2::bigint, $2::bigint + $3::bigint, $4::integer, $4::integer, $2::bigint)
       on conflict (key) do nothing`,
      [key, now, windowMs, limit],
    )
  }

  /**
   * Headers any process saw, applied at once (a gate rather sends them with its next take: no round trip of their
   * own). A budget no process has taken from yet starts from them.
   */
  async observe(key: string, observation: BudgetObservation & { now: number }): Promise<void> {
    const { now, remaining, resetAt } = observation
    const { rowCount } = await this.query(
      `with c as (
         select key, window_end, remaining, synced from ${this.t} where key = $1 for update
       ), o as (
         select c.key, ${observed('$2::bigint', '$3::integer', '$4::bigint')} from c
       )
       update ${this.t} as b set window_end = o.window_end, remaining = o.remaining, synced = o.synced,
         window_start = o.window_end - (b.window_end - b.window_start), updated_at = $2::bigint
       from o where b.key = o.key`,
      [key, now, remaining, resetAt],
    )
    if (rowCount === 0 && resetAt > now) {
      await this.query(
        `insert into ${this.t} (key, window_start, window_end, lim, remaining, synced, updated_at)
         values ($1, $2::bigint, $3::bigint, $4::integer, $4::integer, true, $2::bigint)
         on conflict (key) do nothing`,
        [key, now, resetAt, Math.max(0, Math.floor(remaining))],
      )
    }
  }

  /**
   * Every process holds its requests until `until`, and what is left of the window is spent (the 429 said so). The
   * window's end stays: the take after the pause rolls on from it, on the server's boundaries.
   */
  async pause(key: string, pause: { now: number; until: number }): Promise<void> {
    await this.query(
      `insert into ${this.t} as b (key, window_start, window_end, lim, remaining, paused_until, updated_at)
       values ($1, $2::bigint, $2::bigint, 0, 0, $2::bigint, $3::bigint)
       on conflict (key) do update set paused_until = greatest(b.paused_until, excluded.paused_until),
         remaining = 0, updated_at = excluded.updated_at`,
      [key, pause.until, pause.now],
    )
  }
}
