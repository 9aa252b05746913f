import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, test } from 'vitest'
import { MIGRATIONS } from '../../src/store/migrations.js'
import { openStateStore } from '../../src/store/sqlite-store.js'
import type { EventOutcome } from '../../src/store/state-store.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

const input = (n: number) => ({
  source: 'aircall' as const,
  identity: `aircall:call.ended:${n}`,
  type: 'call.ended',
  subject: `aircall:call:${n}`,
  payload: '{}',
  receivedAt: 1_000,
})

const outcome = (rule: string, status: string, detail?: string): EventOutcome => ({
  effects: [{ rule, status, ...(detail ? { detail } : {}) }],
  objects: [{ service: 'aircall', kind: 'call', id: '1' }],
  summary: `${rule}:${status}`,
  durationMs: 12.5,
})

describe('event outcomes in the store', () => {
  test('a store of schema 4 is migrated with its events kept, and they have no outcome', () => {
    const path = join(tempDir(), 'v4.sqlite')
    const raw = new Database(path)
    raw.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)')
    for (const migration of MIGRATIONS.filter((m) => m.version <= 4)) {
      raw.exec(migration.sql)
      raw.prepare('INSERT INTO schema_version (version) VALUES (?)').run(migration.version)
    }
    raw
      .prepare(
        `INSERT INTO events (source, identity, type, subject, payload, status, attempts, next_attempt_at, received_at, updated_at)
         VALUES ('aircall', 'old', 'call.ended', NULL, '{}', 'done', 1, 0, 0, 0)`,
      )
      .run()
    raw.close()
    // A reader does not migrate: filtering by outcome on the old schema finds nothing instead of failing.
    const reader = openStateStore(path, { readonly: true })
    expect(reader.listEvents({ outcome: { rule: 'log' } })).toEqual([])
    reader.close()
    const store = openStateStore(path)
    expect(store.schemaVersions()).toEqual({ current: 7, latest: 7 })
    expect(store.listEvents()).toMatchObject([{ identity: 'old', status: 'done', outcome: null }])
    store.close()
  })

  test('completions of one batch store each its outcome; filters and the settled cursor find them', () => {
    let now = 5_000
    const store = openStateStore(join(tempDir(), 's.sqlite'), { now: () => now })
    const ids = store.enqueueEvents([input(1), input(2), input(3)]).map((result) => result.id)
    const [a = 0, b = 0, c = 0] = ids
    store.claimEvents(3, now, 60_000)
    store.completeEvents(
      [a, b],
      new Map([
        [a, outcome('log', 'logged', 'conversation 9')],
        [b, outcome('missed-call', 'skipped', 'anonymous')],
      ]),
    )
    expect(store.getEvent(a)?.outcome).toEqual(outcome('log', 'logged', 'conversation 9'))
    expect(store.listEvents({ outcome: { rule: 'missed-call', status: 'skipped' } }).map((e) => e.id)).toEqual([b])
    expect(store.listEvents({ outcome: { rule: 'missed-call', status: 'skipped', detail: 'x' } })).toEqual([])
    expect(store.listEvents({ outcome: { rule: 'log' } }).map((e) => e.id)).toEqual([a])

    // Same millisecond, later commit: the cursor still returns it, and never one it returned before.
    const first = store.listSettledSince({ updatedAt: 0, ids: [] }, 10)
    expect(first.map((e) => e.id)).toEqual([a, b])
    store.deadLetterEvent(c, 'ServerError: 503')
    const next = store.listSettledSince({ updatedAt: 5_000, ids: [a, b] }, 10)
    expect(next.map((e) => [e.id, e.status])).toEqual([[c, 'dead']])
    expect(store.eventCounts()).toEqual({ queued: 0, processing: 0, done: 2, dead: 1 })

    // A replay drops the earlier trail: the one shown is that of the run that completed it.
    now = 6_000
    expect(store.replayEvents([a], now)).toBe(1)
    expect(store.getEvent(a)?.outcome).toBeNull()
    store.close()
  })
})
