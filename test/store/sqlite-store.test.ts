import { spawn } from 'node:child_process'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { describe, expect, test } from 'vitest'
import { MIGRATIONS } from '../../src/store/migrations.js'
import { openStateStore } from '../../src/store/sqlite/index.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()
const LATEST = MIGRATIONS.at(-1)?.version ?? 0

/** A store file left by an older build: the schema up to `version`, written with the SQL of that time. */
const storeAtVersion = (path: string, version: number): Database.Database => {
  const raw = new Database(path)
  raw.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)')
  for (const migration of MIGRATIONS.filter((m) => m.version <= version)) {
    raw.exec(migration.sql)
    raw.prepare('INSERT INTO schema_version (version) VALUES (?)').run(migration.version)
  }
  return raw
}

describe('SQLite state store file', () => {
  test('is created with 0600 permissions, in WAL mode, migrated to the latest schema', () => {
    const path = join(tempDir(), 'nested', 'state.sqlite')
    const store = openStateStore(path)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(store.schemaVersions()).toEqual({ current: 8, latest: 8 })
    store.close()
    const raw = new Database(path)
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
    raw.close()
    // Reopening does not re-run migrations.
    const again = openStateStore(path)
    expect(again.schemaVersions().current).toBe(LATEST)
    again.close()
  })

  test('a connection opened without WAL auto-checkpoints leaves them to the others', () => {
    const path = join(tempDir(), 'state.sqlite')
    const intake = openStateStore(path, { walAutoCheckpoint: false })
    const worker = openStateStore(path)
    const pragma = (store: unknown): unknown =>
      (store as { connection: { db: Database.Database } }).connection.db.pragma('wal_autocheckpoint', { simple: true })
    expect(pragma(intake)).toBe(0)
    expect(pragma(worker)).toBe(1000)
    intake.close()
    worker.close()
  })

  test('a process killed mid-transaction leaves the store intact: committed rows kept, uncommitted gone', async () => {
    const path = join(tempDir(), 'kill.sqlite')
    const script = fileURLToPath(new URL('./fixtures/kill-mid-transaction.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', script, path], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve, reject) => {
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('in-transaction')) {
          child.kill('SIGKILL')
          resolve()
        }
      })
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}: ${output}`)))
    })
    await new Promise((resolve) => child.on('close', resolve))

    const store = openStateStore(path)
    expect(store.counts().ledger.done).toBe(100)
    expect(store.ledger.get('uncommitted:0')).toBeUndefined()
    store.close()
    const raw = new Database(path)
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok')
    raw.close()
  })
})

describe('SQLite migrations', () => {
  test('processes opening a new state file at the same moment all open it, migrated once', async () => {
    const path = join(tempDir(), 'together.sqlite')
    const script = fileURLToPath(new URL('./fixtures/open-at.ts', import.meta.url))
    const at = String(Date.now() + 4_000)
    const children = Array.from({ length: 6 }, () =>
      spawn(process.execPath, ['--import', 'tsx', script, path, at], { stdio: ['ignore', 'pipe', 'pipe'] }),
    )
    const results = await Promise.all(
      children.map(
        (child) =>
          new Promise<{ code: number | null; output: string }>((resolve) => {
            let output = ''
            child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
            child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
            child.on('close', (code) => resolve({ code, output }))
          }),
      ),
    )
    for (const result of results) expect(result, result.output).toMatchObject({ code: 0, output: 'opened\n' })
    const raw = new Database(path, { readonly: true })
    const versions = (
      raw.prepare('SELECT version FROM schema_version ORDER BY version').all() as Array<{
        version: number
      }>
    ).map((row) => row.version)
    raw.close()
    expect(versions).toEqual(MIGRATIONS.map((migration) => migration.version))
  }, 30_000)

  test('a store of schema 4 is migrated with its events kept, and they have no outcome', () => {
    const path = join(tempDir(), 'v4.sqlite')
    const raw = storeAtVersion(path, 4)
    raw
      .prepare(
        `INSERT INTO events (source, identity, type, subject, payload, status, attempts, next_attempt_at, received_at, updated_at)
         VALUES ('aircall', 'old', 'call.ended', NULL, '{}', 'done', 1, 0, 0, 0)`,
      )
      .run()
    raw.close()
    // A reader does not migrate: filtering by outcome on the old schema finds nothing instead of failing.
    const reader = openStateStore(path, { readonly: true })
    expect(reader.queue.list({ outcome: { rule: 'log' } })).toEqual([])
    reader.close()
    const store = openStateStore(path)
    expect(store.schemaVersions()).toEqual({ current: LATEST, latest: LATEST })
    expect(store.queue.list()).toMatchObject([{ identity: 'old', status: 'done', outcome: null }])
    store.close()
  })

  test('8: per-call live states move out of the checkpoints into their own table', () => {
    const path = join(tempDir(), 'v7.sqlite')
    const raw = storeAtVersion(path, 7)
    const insert = raw.prepare('INSERT INTO checkpoints (name, value, updated_at) VALUES (?, ?, ?)')
    insert.run('backfill:api', '{"spans":[[0,100]]}', 10)
    insert.run('listener:stale-events', '{"count":2}', 11)
    insert.run('listener:call:1', '{"stage":5,"event":"call.ended","timestamp":1700000050}', 12)
    insert.run(
      'listener:call:2',
      '{"stage":4,"event":"call.hungup","timestamp":1700000020,"notLogged":"anonymous"}',
      13,
    )
    insert.run('listener:call:3', '{"notLogged":"unmatched"}', 14)
    insert.run('listener:call:4', 'not json', 15)
    insert.run('listener:call:5', '{"stage":"5","event":7}', 16)
    raw.close()

    // A reader of the old file (`status` does not migrate) already tells the two apart.
    const reader = openStateStore(path, { readonly: true })
    expect(reader.checkpoints.list().map((c) => c.name)).toEqual(['backfill:api', 'listener:stale-events'])
    expect(reader.counts()).toMatchObject({ checkpoints: 2, callStates: 5 })
    expect(reader.callStates.get('2')).toMatchObject({ stage: 4, notLogged: 'anonymous', updatedAt: 13 })
    reader.close()

    const store = openStateStore(path)
    expect(store.checkpoints.list().map((c) => c.name)).toEqual(['backfill:api', 'listener:stale-events'])
    expect(store.counts()).toMatchObject({ checkpoints: 2, callStates: 5 })
    expect(store.callStates.get('1')).toEqual({
      callId: '1',
      stage: 5,
      event: 'call.ended',
      timestamp: 1_700_000_050,
      notLogged: null,
      updatedAt: 12,
    })
    expect(store.callStates.get('2')).toMatchObject({ stage: 4, event: 'call.hungup', notLogged: 'anonymous' })
    expect(store.callStates.get('3')).toMatchObject({ stage: 0, event: null, timestamp: null, notLogged: 'unmatched' })
    // What no build wrote moves as an empty state rather than failing the upgrade.
    expect(store.callStates.get('4')).toMatchObject({ stage: 0, event: null, notLogged: null, updatedAt: 15 })
    expect(store.callStates.get('5')).toMatchObject({ stage: 0, event: null })
    // Moved states keep working: the call is past call.hungup.
    expect(store.callStates.advance('1', { stage: 4, event: 'call.hungup', timestamp: 1 })).toBe('stale')
    store.close()
  })
})
