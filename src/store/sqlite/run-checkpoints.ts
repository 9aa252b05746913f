import type { Checkpoint, RunCheckpoints } from '../run-checkpoints.js'
import { parseJsonObject, type SqliteConnection } from './connection.js'

interface CheckpointRow {
  name: string
  value: string
  updated_at: number
}

const toCheckpoint = (row: CheckpointRow): Checkpoint => ({
  name: row.name,
  value: parseJsonObject(row.value),
  updatedAt: row.updated_at,
})

/** Where stores before migration 8 kept per-call live states (see call-states.ts). */
export const LEGACY_CALL_STATE_PREFIX = 'listener:call:'

export class SqliteRunCheckpoints implements RunCheckpoints {
  constructor(private readonly c: SqliteConnection) {}

  get(name: string): Checkpoint | undefined {
    const row = this.c.sql('SELECT * FROM checkpoints WHERE name = ?').get(name) as CheckpointRow | undefined
    return row ? toCheckpoint(row) : undefined
  }

  set(name: string, value: Record<string, unknown>): void {
    this.c.beforeWrite()
    this.c
      .sql(
        `INSERT INTO checkpoints (name, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(name, JSON.stringify(value), this.c.now())
  }

  list(prefix = ''): Checkpoint[] {
    const rows = this.c
      .sql('SELECT * FROM checkpoints WHERE name >= ? AND name < ? ORDER BY name')
      .all(prefix, `${prefix}\uffff`) as CheckpointRow[]
    if (!this.c.callStatesInCheckpoints()) return rows.map(toCheckpoint)
    return rows.filter((row) => !row.name.startsWith(LEGACY_CALL_STATE_PREFIX)).map(toCheckpoint)
  }

  deleteByPrefix(prefix: string): number {
    this.c.beforeWrite()
    return this.c.sql('DELETE FROM checkpoints WHERE name >= ? AND name < ?').run(prefix, `${prefix}\uffff`).changes
  }
}
