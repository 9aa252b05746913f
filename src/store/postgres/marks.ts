import type { Promised } from '../async-store.js'
import type { Marks } from '../marks.js'
import type { PgRepositoryContext, PgTables } from './context.js'

export const marksTables: PgTables = {
  since: 1,
  sql: (schema) => `
    create table ${schema}.fingerprints (
      fingerprint text primary key,
      expires_at bigint not null
    );
    create index fingerprints_expires_at on ${schema}.fingerprints (expires_at);
    create table ${schema}.marks (
      key text primary key,
      at bigint not null
    )`,
}

export class PgMarks implements Promised<Marks> {
  constructor(private readonly ctx: PgRepositoryContext) {}

  async recordFingerprint(fingerprint: string, expiresAt: number): Promise<void> {
    await this.ctx.db.query(
      `insert into ${this.ctx.schema}.fingerprints as f (fingerprint, expires_at) values ($1, $2)
       on conflict (fingerprint) do update set expires_at = greatest(f.expires_at, excluded.expires_at)`,
      [fingerprint, expiresAt],
    )
  }

  async hasFingerprint(fingerprint: string, now: number): Promise<boolean> {
    const { rowCount } = await this.ctx.db.query(
      `select 1 from ${this.ctx.schema}.fingerprints where fingerprint = $1 and expires_at > $2`,
      [fingerprint, now],
    )
    return (rowCount ?? 0) > 0
  }

  async pruneFingerprints(now: number): Promise<number> {
    const { rowCount } = await this.ctx.db.query(`delete from ${this.ctx.schema}.fingerprints where expires_at <= $1`, [
      now,
    ])
    return rowCount ?? 0
  }

  async get(key: string): Promise<number | null> {
    const { rows } = await this.ctx.db.query<{ at: number | string }>(
      `select at from ${this.ctx.schema}.marks where key = $1`,
      [key],
    )
    return rows[0] ? Number(rows[0].at) : null
  }

  async set(key: string, at: number): Promise<void> {
    await this.ctx.db.query(
      `insert into ${this.ctx.schema}.marks (key, at) values ($1, $2)
       on conflict (key) do update set at = excluded.at`,
      [key, at],
    )
  }
}
