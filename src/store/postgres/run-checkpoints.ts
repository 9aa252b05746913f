import type { Checkpoint, RunCheckpoints } from '../run-checkpoints.js'
import type { Promised } from '../async-store.js'
import type { PgRepositoryContext, PgTables } from './context.js'

// `collate "C"`: names compare and sort by code point, as SQLite's do, whatever the database's locale, and a
// prefix is a plain range of the primary key. `json` keeps the value as written, its keys in their order.
export const runCheckpointsTables: PgTables = {
  since: 1,
  sql: (schema) => `
    create table ${schema}.checkpoints (
      name text collate "C" primary key,
      value json not null,
      updated_at bigint not null
    )`,
}

interface CheckpointRow {
  name: string
  value: unknown
  updated_at: number | string
}

const toCheckpoint = (row: CheckpointRow): Checkpoint => ({
  name: row.name,
  value:
    typeof row.value === 'object' && row.value !== null && !Array.isArray(row.value)
      ? (row.value as Record<string, unknown>)
      : {},
  updatedAt: Number(row.updated_at),
})

/** The end of the names that start with `prefix`, as SQLite's repository bounds them. */
const prefixEnd = (prefix: string): string => `${prefix}\uffff`

export class PgRunCheckpoints implements Promised<RunCheckpoints> {
  constructor(private readonly ctx: PgRepositoryContext) {}

  async get(name: string): Promise<Checkpoint | undefined> {
    const { rows } = await this.ctx.db.query<CheckpointRow>(
      `select name, value, updated_at from ${this.ctx.schema}.checkpoints where name = $1`,
      [name],
    )
    return rows[0] ? toCheckpoint(rows[0]) : undefined
  }

  async set(name: string, value: Record<string, unknown>): Promise<void> {
    await this.ctx.db.query(
      `insert into ${this.ctx.schema}.checkpoints (name, value, updated_at) values ($1, $2, $3)
       on conflict (name) do update set value = excluded.value, updated_at = excluded.updated_at`,
      [name, JSON.stringify(value), this.ctx.now()],
    )
  }

  async list(prefix = ''): Promise<Checkpoint[]> {
    const { rows } = await this.ctx.db.query<CheckpointRow>(
      `select name, value, updated_at from ${this.ctx.schema}.checkpoints
       where name >= $1 and name < $2 order by name`,
      [prefix, prefixEnd(prefix)],
    )
    return rows.map(toCheckpoint)
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    const { rowCount } = await this.ctx.db.query(
      `delete from ${this.ctx.schema}.checkpoints where name >= $1 and name < $2`,
      [prefix, prefixEnd(prefix)],
    )
    return rowCount ?? 0
  }
}
