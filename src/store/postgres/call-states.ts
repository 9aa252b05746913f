import type { Promised } from '../async-store.js'
import type { CallState, CallStates, LifecycleEvent } from '../call-states.js'
import type { PgRepositoryContext, PgTables } from './context.js'

// `event_at` is Aircall's timestamp as the webhook gave it (UNIX seconds): a double keeps any number exactly.
export const callStatesTables: PgTables = {
  since: 1,
  sql: (schema) => `
    create table ${schema}.call_states (
      call_id text primary key,
      stage integer not null default 0,
      event text,
      event_at double precision,
      not_logged text,
      updated_at bigint not null
    )`,
}

interface CallStateRow {
  call_id: string
  stage: number
  event: string | null
  event_at: number | null
  not_logged: string | null
  updated_at: number | string
}

const toCallState = (row: CallStateRow): CallState => ({
  callId: row.call_id,
  stage: row.stage,
  event: row.event,
  timestamp: row.event_at,
  notLogged: row.not_logged,
  updatedAt: Number(row.updated_at),
})

export class PgCallStates implements Promised<CallStates> {
  constructor(private readonly ctx: PgRepositoryContext) {}

  async get(callId: string): Promise<CallState | undefined> {
    const { rows } = await this.ctx.db.query<CallStateRow>(
      `select call_id, stage, event, event_at, not_logged, updated_at from ${this.ctx.schema}.call_states
       where call_id = $1`,
      [callId],
    )
    return rows[0] ? toCallState(rows[0]) : undefined
  }

  async advance(callId: string, event: LifecycleEvent): Promise<'current' | 'stale'> {
    // One statement decides and writes: replicas recording events of one call wait on the row, never interleave.
    const { rowCount } = await this.ctx.db.query(
      `insert into ${this.ctx.schema}.call_states as s (call_id, stage, event, event_at, not_logged, updated_at)
       values ($1, $2, $3, $4, null, $5)
       on conflict (call_id) do update set stage = excluded.stage, event = excluded.event,
         event_at = excluded.event_at, not_logged = null, updated_at = excluded.updated_at
       where excluded.stage >= s.stage`,
      [callId, event.stage, event.event, event.timestamp, this.ctx.now()],
    )
    return rowCount === 0 && event.stage > 0 ? 'stale' : 'current'
  }

  async markNotLogged(callId: string, reason: string): Promise<void> {
    await this.ctx.db.query(
      `insert into ${this.ctx.schema}.call_states (call_id, stage, event, event_at, not_logged, updated_at)
       values ($1, 0, null, null, $2, $3)
       on conflict (call_id) do update set not_logged = excluded.not_logged, updated_at = excluded.updated_at`,
      [callId, reason, this.ctx.now()],
    )
  }
}
