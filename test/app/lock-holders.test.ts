import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { runningProcesses } from '../../src/app/lock-holders.js'
import { SYNC_LOCK } from '../../src/app/sync-service.js'
import { acquireWorkerLock } from '../../src/listener/lock.js'
import { asyncSqliteStore, openStateStore } from '../../src/store/sqlite/index.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

describe('runningProcesses', () => {
  test('names the queue worker (a listener, or events replay --process) and a sync; lapsed locks are not running', async () => {
    const store = asyncSqliteStore(openStateStore(join(tempDir(), 'state.sqlite')))
    try {
      const now = 1_000_000
      expect(await runningProcesses(store, now)).toEqual([])
      const replay = await acquireWorkerLock(store, () => now, 60_000, 'sqlite', 'replay')
      await store.locks.acquire(SYNC_LOCK, JSON.stringify({ pid: 4242, host: 'cron-host', startedAt: now }), now, 1_000)
      expect(await runningProcesses(store, now)).toEqual([
        {
          command: 'events replay',
          host: hostname(),
          pid: process.pid,
          lockExpiresAt: new Date(now + 60_000).toISOString(),
        },
        { command: 'sync', host: 'cron-host', pid: 4242, lockExpiresAt: new Date(now + 1_000).toISOString() },
      ])
      await replay.release()
      const listener = await acquireWorkerLock(store, () => now, 60_000, 'sqlite')
      // The sync's lock lapsed: it is not reported as running.
      expect(await runningProcesses(store, now + 1_000)).toEqual([
        { command: 'listen', host: hostname(), pid: process.pid, lockExpiresAt: new Date(now + 60_000).toISOString() },
      ])
      await listener.release()
    } finally {
      await store.close()
    }
  })
})
