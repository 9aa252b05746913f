import type { Promised } from '../async-store.js'
import type { LockHolder, Locks, NamedLock } from '../locks.js'
import type { PgRepositoryContext, PgTables } from './context.js'

export const locksTables: PgTables = {
  since: 1,
  sql: (schema) => `
    create table ${schema}.locks (
      name text primary key,
      owner text not null,
      expires_at bigint not null
    )`,
}

/**
 * A lock is a row with its owner and expiry, so it holds across processes and machines on one database, and the
 * times are the callers' (a lock taken at `now` by one host is judged by the next caller's `now`, as on SQLite).
 */
export class PgLocks implements Promised<Locks> {
  constructor(private readonly ctx: PgRepositoryContext) {}

  async acquire(name: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
    // One statement: a concurrent acquirer waits on the row and then sees the winner's owner and expiry, so two
    // owners never both get it (a read then a write would let both read "free").
    const { rowCount } = await this.ctx.db.query(
      `insert into ${this.ctx.schema}.locks as l (name, owner, expires_at) values ($1, $2, $3)
       on conflict (name) do update set owner = excluded.owner, expires_at = excluded.expires_at
       where l.owner = excluded.owner or l.expires_at <= $4`,
      [name, owner, now + ttlMs, now],
    )
    return rowCount === 1
  }

  async renew(name: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.ctx.db.query(
      `update ${this.ctx.schema}.locks set expires_at = $1 where name = $2 and owner = $3`,
      [now + ttlMs, name, owner],
    )
    return rowCount === 1
  }

  async release(name: string, owner: string): Promise<void> {
    await this.ctx.db.query(`delete from ${this.ctx.schema}.locks where name = $1 and owner = $2`, [name, owner])
  }

  async get(name: string): Promise<LockHolder | undefined> {
    const { rows } = await this.ctx.db.query<{ owner: string; expires_at: number | string }>(
      `select owner, expires_at from ${this.ctx.schema}.locks where name = $1`,
      [name],
    )
    return rows[0] ? { owner: rows[0].owner, expiresAt: Number(rows[0].expires_at) } : undefined
  }

  async list(prefix: string): Promise<NamedLock[]> {
    const { rows } = await this.ctx.db.query<{ name: string; owner: string; expires_at: number | string }>(
      `select name, owner, expires_at from ${this.ctx.schema}.locks where starts_with(name, $1) order by name collate "C"`,
      [prefix],
    )
    return rows.map((row) => ({ name: row.name, owner: row.owner, expiresAt: Number(row.expires_at) }))
  }

  async purgeExpired(prefix: string, now: number): Promise<number> {
    const { rowCount } = await this.ctx.db.query(
      `delete from ${this.ctx.schema}.locks where starts_with(name, $1) and expires_at <= $2`,
      [prefix, now],
    )
    return rowCount ?? 0
  }
}
