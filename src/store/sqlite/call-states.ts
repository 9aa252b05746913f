import type { CallState, CallStates, LifecycleEvent } from '../call-states.js'
import { parseJsonObject, type SqliteConnection } from './connection.js'
import { LEGACY_CALL_STATE_PREFIX } from './run-checkpoints.js'

interface CallStateRow {
  call_id: string
  stage: number
  event: string | null
  event_at: number | null
  not_logged: string | null
  updated_at: number
}

const toCallState = (row: CallStateRow): CallState => ({
  callId: row.call_id,
  stage: row.stage,
  event: row.event,
  timestamp: row.event_at,
  notLogged: row.not_logged,
  updatedAt: row.updated_at,
})

/** A value no build wrote (not JSON) reads as an empty state, as migration 8 moves it. */
const legacyValue = (text: string): Record<string, unknown> => {
  try {
    return parseJsonObject(text)
  } catch {
    return {}
  }
}

/** A state as a store before migration 8 kept it: a checkpoint's JSON value, read field by field. */
const fromLegacy = (callId: string, value: Record<string, unknown>, updatedAt: number): CallState => ({
  callId,
  stage: typeof value.stage === 'number' ? value.stage : 0,
  event: typeof value.event === 'string' ? value.event : null,
  timestamp: typeof value.timestamp === 'number' ? value.timestamp : null,
  notLogged: typeof value.notLogged === 'string' ? value.notLogged : null,
  updatedAt,
})

export class SqliteCallStates implements CallStates {
  constructor(private readonly c: SqliteConnection) {}

  get(callId: string): CallState | undefined {
    if (this.c.callStatesInCheckpoints()) {
      const row = this.c
        .sql('SELECT value, updated_at FROM checkpoints WHERE name = ?')
        .get(LEGACY_CALL_STATE_PREFIX + callId) as { value: string; updated_at: number } | undefined
      return row ? fromLegacy(callId, legacyValue(row.value), row.updated_at) : undefined
    }
    const row = this.c.sql('SELECT * FROM call_states WHERE call_id = ?').get(callId) as CallStateRow | undefined
    return row ? toCallState(row) : undefined
  }

  advance(callId: string, event: LifecycleEvent): 'current' | 'stale' {
    this.c.beforeWrite()
    // One statement decides and writes, so two connections recording events of one call cannot interleave.
    const { changes } = this.c
      .sql(
        `INSERT INTO call_states (call_id, stage, event, event_at, not_logged, updated_at) VALUES (?, ?, ?, ?, NULL, ?)
         ON CONFLICT(call_id) DO UPDATE SET stage = excluded.stage, event = excluded.event,
           event_at = excluded.event_at, not_logged = NULL, updated_at = excluded.updated_at
         WHERE excluded.stage >= call_states.stage`,
      )
      .run(callId, event.stage, event.event, event.timestamp, this.c.now())
    return changes === 0 && event.stage > 0 ? 'stale' : 'current'
  }

  markNotLogged(callId: string, reason: string): void {
    this.c.beforeWrite()
    this.c
      .sql(
        `INSERT INTO call_states (call_id, stage, event, event_at, not_logged, updated_at) VALUES (?, 0, NULL, NULL, ?, ?)
         ON CONFLICT(call_id) DO UPDATE SET not_logged = excluded.not_logged, updated_at = excluded.updated_at`,
      )
      .run(callId, reason, this.c.now())
  }
}
