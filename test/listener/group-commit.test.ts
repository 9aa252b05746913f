import type { Server } from 'node:http'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { aircallFixture } from '../../src/listener/fixtures.js'
import { GroupCommit, StoreBusyError } from '../../src/listener/group-commit.js'
import { createIntakeServer, listenOn } from '../../src/listener/intake.js'
import { asyncSqliteStore, openStateStore, type SqliteStateStore } from '../../src/store/sqlite/index.js'
import type { EnqueueInput } from '../../src/store/state-store.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()
const TOKEN = 'aircall-webhook-token-abc'

const opened: Array<{ close(): unknown }> = []
let server: Server | undefined
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
  server = undefined
  for (const handle of opened.splice(0).reverse()) handle.close()
})

const openStore = (path = join(tempDir(), 'state.sqlite')): SqliteStateStore => {
  const store = openStateStore(path)
  opened.push(store)
  return store
}

/** A second connection to the same file, as the worker's is: BEGIN IMMEDIATE holds the write lock until COMMIT. */
const otherWriter = (path: string): Database.Database => {
  const db = new Database(path)
  opened.push(db)
  return db
}

const input = (identity: string, subject: string | null = null): EnqueueInput => ({
  source: 'aircall',
  identity,
  type: 'call.ended',
  subject,
  payload: '{}',
  receivedAt: 1_795_000_000_000,
})

/** Counts the transactions a queue is asked for, passing each to the real one. */
const counting = (store: SqliteStateStore) => {
  const batches: number[] = []
  return {
    batches,
    queue: {
      enqueueAll: (inputs: readonly EnqueueInput[], options: { wait: false }) => {
        batches.push(inputs.length)
        return Promise.resolve(store.queue.enqueueAll(inputs, options))
      },
    },
  }
}

describe('group commit of webhook events', () => {
  test('events enqueued in the same tick share one transaction; each gets its own id, a repeat is a duplicate', async () => {
    const store = openStore()
    const spy = counting(store)
    const commits = new GroupCommit({ queue: spy.queue })
    const results = await Promise.all([
      commits.enqueue(input('a', 'call:1')),
      commits.enqueue(input('b', 'call:1')),
      commits.enqueue(input('a', 'call:1')),
      commits.enqueue(input('c')),
    ])
    expect(spy.batches).toEqual([4])
    expect(results.map((result) => result.duplicate)).toEqual([false, false, true, false])
    expect(results[2]?.id).toBe(results[0]?.id)
    expect(new Set(results.map((result) => result.id)).size).toBe(3)
    expect(store.queue.list().map((event) => event.identity)).toEqual(['a', 'b', 'c'])
  })

  test('a batch caps one transaction; the rest follows in the next', async () => {
    const store = openStore()
    const spy = counting(store)
    const commits = new GroupCommit({ queue: spy.queue, maxBatch: 3 })
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((identity) => commits.enqueue(input(identity))))
    expect(spy.batches).toEqual([3, 2])
    expect(store.queue.list()).toHaveLength(5)
  })

  test('while another connection holds the write lock, a webhook is answered only once its event is committed', async () => {
    const path = join(tempDir(), 'state.sqlite')
    const store = openStore(path)
    server = createIntakeServer({
      store: asyncSqliteStore(store),
      aircallWebhookToken: TOKEN,
      intercomClientSecret: null,
      maxBodyBytes: 65_536,
    })
    const url = await listenOn(server, '127.0.0.1', 0)
    // Counts the intake's attempts to commit, so the test knows the webhook is waiting for the lock.
    const commitAttempts = vi.spyOn(store.queue, 'enqueueAll')
    const worker = otherWriter(path)
    worker.exec('BEGIN IMMEDIATE')
    let answered = false
    const answer = fetch(`${url}/aircall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(aircallFixture('call.ended', TOKEN, { callId: 7, timestamp: 1_795_000_000 })),
    }).then((response) => {
      answered = true
      return response
    })
    // The intake keeps serving while it waits for the lock: the health check answers, the webhook does not.
    while (commitAttempts.mock.calls.length < 3) await new Promise((resolve) => setImmediate(resolve))
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    expect(answered).toBe(false)
    expect(worker.prepare('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 0 })
    worker.exec('COMMIT')
    const response = await answer
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ ok: true, duplicate: false })
    expect(store.queue.list()).toMatchObject([{ subject: 'aircall:call:7', status: 'queued' }])
  })

  test('a store locked past the limit gets 503 with Retry-After, and nothing is stored', async () => {
    const path = join(tempDir(), 'state.sqlite')
    const store = openStore(path)
    server = createIntakeServer({
      store: asyncSqliteStore(store),
      aircallWebhookToken: TOKEN,
      intercomClientSecret: null,
      maxBodyBytes: 65_536,
      storeLockTimeoutMs: 50,
    })
    const url = await listenOn(server, '127.0.0.1', 0)
    const worker = otherWriter(path)
    worker.exec('BEGIN IMMEDIATE')
    const response = await fetch(`${url}/aircall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(aircallFixture('call.ended', TOKEN, { callId: 8 })),
    })
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('1')
    expect(await response.json()).toEqual({ error: 'busy, retry later' })
    worker.exec('COMMIT')
    expect(store.queue.list()).toEqual([])
  })

  test('a failing commit rejects its whole batch; the next batch is committed normally', async () => {
    const store = openStore()
    let calls = 0
    const commits = new GroupCommit({
      queue: {
        enqueueAll: (inputs, options) => {
          calls += 1
          if (calls === 1) return Promise.reject(new Error('disk I/O error'))
          return Promise.resolve(store.queue.enqueueAll(inputs, options))
        },
      },
    })
    const first = await Promise.allSettled([commits.enqueue(input('a')), commits.enqueue(input('b'))])
    expect(first.map((result) => result.status)).toEqual(['rejected', 'rejected'])
    expect(await commits.enqueue(input('a'))).toMatchObject({ duplicate: false })
    expect(store.queue.list().map((event) => event.identity)).toEqual(['a'])
  })

  test('a lock that never frees rejects with StoreBusyError after the limit (injected clock)', async () => {
    let clock = 0
    const commits = new GroupCommit({
      queue: { enqueueAll: () => Promise.resolve(null) },
      lockTimeoutMs: 10,
      now: () => clock,
      defer: (fn, ms) => {
        clock += Math.max(ms, 0.5)
        setImmediate(fn)
      },
    })
    await expect(commits.enqueue(input('a'))).rejects.toBeInstanceOf(StoreBusyError)
  })
})
