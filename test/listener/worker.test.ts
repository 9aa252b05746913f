import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, test } from 'vitest'
import { QueueWorker, type WorkerEvent } from '../../src/listener/worker.js'
import { asyncSqliteStore, openStateStore, type SqliteStateStore } from '../../src/store/sqlite/index.js'
import type { QueuedEvent } from '../../src/store/state-store.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()
let store: SqliteStateStore | undefined
let worker: QueueWorker | undefined
afterEach(async () => {
  await worker?.stop()
  store?.close()
  worker = undefined
  store = undefined
})

const enqueue = (
  target: SqliteStateStore,
  identity: string,
  subject: string | null,
  type = 'call.ended',
  receivedAt = Date.now(),
): number => target.queue.enqueue({ source: 'aircall', identity, type, subject, payload: '{}', receivedAt }).id

/** One turn of the event loop: the worker's waits (idle polls, retry back-off) pass without real time. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

const settled = async (target: SqliteStateStore, ids: number[]): Promise<QueuedEvent[]> => {
  for (;;) {
    const events = ids.map((id) => target.queue.get(id)!)
    if (events.every((event) => event.status === 'done' || event.status === 'dead')) return events
    await nextTurn()
  }
}

describe('queue worker', () => {
  test('another process holding the write lock past the busy timeout makes it wait, not die; it resumes after', async () => {
    const path = join(tempDir(), 'state.sqlite')
    store = openStateStore(path, { busyTimeoutMs: 20 })
    const target = store
    const ids = [enqueue(target, 'a', 'call:1'), enqueue(target, 'b', 'call:2')]
    const holder = new Database(path, { timeout: 1000 })
    holder.exec('BEGIN IMMEDIATE')
    const events: WorkerEvent[] = []
    let released = false
    worker = new QueueWorker({
      store: asyncSqliteStore(target),
      concurrency: 2,
      maxAttempts: 3,
      handle: () => Promise.resolve('ok'),
      // The lock is released once the worker has been told three times that the store is busy.
      sleep: async () => {
        if (!released && events.filter((event) => event.type === 'store-busy').length >= 3) {
          holder.exec('COMMIT')
          released = true
        }
        await nextTurn()
      },
      onEvent: (event) => events.push(event),
    })
    worker.start()
    const final = await settled(target, ids)
    holder.close()
    expect(final.map((event) => event.status)).toEqual(['done', 'done'])
    expect(events.filter((event) => event.type === 'store-busy').length).toBeGreaterThanOrEqual(3)
    expect(events.filter((event) => event.type === 'processed')).toHaveLength(2)
  })

  test('processes every event, in order within a subject, and reports each only once it is marked done', async () => {
    store = openStateStore(join(tempDir(), 'state.sqlite'))
    const target = store
    const ids: number[] = []
    for (let n = 0; n < 40; n++) ids.push(enqueue(target, `e${n}`, `call:${n % 5}`))
    const order: string[] = []
    const doneWhenReported: boolean[] = []
    worker = new QueueWorker({
      store: asyncSqliteStore(target),
      concurrency: 4,
      maxAttempts: 3,
      sleep: nextTurn,
      handle: async (event) => {
        // Handlers finish out of order, so only the worker's per-subject ordering keeps a subject's events in order.
        for (let turn = 0; turn < event.id % 3; turn++) await nextTurn()
        order.push(`${event.subject}:${event.identity}`)
        return 'ok'
      },
      onEvent: (event: WorkerEvent) => {
        if (event.type === 'processed') doneWhenReported.push(target.queue.get(event.id)?.status === 'done')
      },
    })
    worker.start()
    const events = await settled(target, ids)
    expect(events.every((event) => event.status === 'done')).toBe(true)
    expect(doneWhenReported).toHaveLength(40)
    expect(doneWhenReported.every(Boolean)).toBe(true)
    for (let subject = 0; subject < 5; subject++) {
      const seen = order.filter((entry) => entry.startsWith(`call:${subject}:`)).map((entry) => entry.split(':e')[1])
      expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((a, b) => a - b))
    }
  })

  test('an event leased by a worker that died is released and processed; a failing one is retried then dead-lettered', async () => {
    store = openStateStore(join(tempDir(), 'state.sqlite'))
    const target = store
    const orphan = enqueue(target, 'orphan', 'call:1', 'call.ended', Date.now() - 10_000)
    // A predecessor claimed it with a 1-second lease ten seconds ago, and died.
    expect(target.queue.claim(1, Date.now() - 10_000, 1000)).toHaveLength(1)
    const failing = enqueue(target, 'bad', 'call:2', 'call.tagged')
    const events: WorkerEvent[] = []
    worker = new QueueWorker({
      store: asyncSqliteStore(target),
      concurrency: 2,
      maxAttempts: 2,
      random: () => 0,
      sleep: nextTurn,
      handle: (event) =>
        event.identity === 'bad' ? Promise.reject(new Error('upstream said no')) : Promise.resolve('ok'),
      onEvent: (event) => events.push(event),
    })
    worker.start()
    const [done, dead] = await settled(target, [orphan, failing])
    expect(done).toMatchObject({ status: 'done' })
    expect(dead).toMatchObject({ status: 'dead', attempts: 2, lastError: 'Error: upstream said no' })
    expect(events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['lease-expired', 'processed', 'retrying', 'dead-lettered']),
    )
  })

  test('a slow event keeps its lease while its worker lives: another worker sweeping for dead leases leaves it', async () => {
    store = openStateStore(join(tempDir(), 'state.sqlite'))
    const target = store
    const slow = enqueue(target, 'slow', 'call:1')
    let now = Date.now()
    let finish: () => void = () => undefined
    const handled: string[] = []
    const slowWorker = new QueueWorker({
      store: asyncSqliteStore(target),
      concurrency: 1,
      maxAttempts: 3,
      leaseMs: 1_000,
      now: () => now,
      sleep: nextTurn,
      handle: async () => {
        handled.push('slow worker')
        await new Promise<void>((resolve) => (finish = resolve))
        return 'ok'
      },
    })
    const sweeper = new QueueWorker({
      store: asyncSqliteStore(target),
      concurrency: 1,
      maxAttempts: 3,
      leaseMs: 1_000,
      now: () => now,
      sleep: nextTurn,
      handle: () => {
        handled.push('sweeper')
        return Promise.resolve('ok')
      },
    })
    worker = slowWorker
    slowWorker.start()
    while (handled.length === 0) await nextTurn()
    sweeper.start()
    // Ten leases' worth of time pass in steps of a tenth of one while the event is being handled.
    for (let step = 0; step < 100; step++) {
      now += 100
      for (let turn = 0; turn < 5; turn++) await nextTurn()
    }
    expect(target.queue.get(slow)).toMatchObject({ status: 'processing', attempts: 1 })
    finish()
    const [done] = await settled(target, [slow])
    await sweeper.stop()
    expect(done).toMatchObject({ status: 'done', attempts: 1 })
    expect(handled).toEqual(['slow worker'])
  })
})
