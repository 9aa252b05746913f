import { spawn } from 'node:child_process'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { describe, expect, test } from 'vitest'
import { openStateStore } from '../../src/store/sqlite-store.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

describe('SqliteStateStore', () => {
  test('is created with 0600 permissions, in WAL mode, migrated to the latest schema', () => {
    const path = join(tempDir(), 'nested', 'state.sqlite')
    const store = openStateStore(path)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(store.schemaVersion()).toBe(7)
    store.close()
    const raw = new Database(path)
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
    raw.close()
    // Reopening does not re-run migrations.
    const again = openStateStore(path)
    expect(again.schemaVersion()).toBe(7)
    again.close()
  })

  test('ledger steps go pending → done with the external id, counting attempts', () => {
    let now = 1000
    const store = openStateStore(join(tempDir(), 's.sqlite'), { now: () => now })
    store.beginStep('call:1:log', { contactId: 'c1' })
    now = 2000
    store.beginStep('call:1:log')
    expect(store.getStep('call:1:log')).toMatchObject({ status: 'pending', attempts: 2, data: { contactId: 'c1' } })
    store.completeStep('call:1:log', 'conv-9', { reason: 'user-first' })
    expect(store.getStep('call:1:log')).toMatchObject({
      status: 'done',
      externalId: 'conv-9',
      data: { contactId: 'c1', reason: 'user-first' },
      createdAt: 1000,
      updatedAt: 2000,
    })
    // A step begun again after it was done is what a later read returns, its external id and creation kept.
    now = 3000
    const begun = store.beginStep('call:1:log', { revision: 'r2' })
    expect(begun).toEqual(store.getStep('call:1:log'))
    expect(begun).toMatchObject({
      status: 'pending',
      externalId: 'conv-9',
      attempts: 3,
      createdAt: 1000,
      updatedAt: 3000,
    })
    store.completeStep('call:1:log', 'conv-9')
    store.failStep('call:2:log', 'boom')
    expect(store.listSteps({ status: 'failed' }).map((step) => step.key)).toEqual(['call:2:log'])
    expect(store.listSteps({ prefix: 'call:1' }).map((step) => step.key)).toEqual(['call:1:log'])
    expect(store.counts().ledger).toEqual({ pending: 0, done: 1, failed: 1 })
    store.close()
  })

  test('events deduplicate by identity and are claimed one per subject, in order', () => {
    const store = openStateStore(join(tempDir(), 'q.sqlite'))
    const base = { source: 'aircall' as const, type: 'call.hungup', payload: '{}', receivedAt: 10 }
    const first = store.enqueueEvent({ ...base, identity: 'a', subject: 'call:1' })
    expect(store.enqueueEvent({ ...base, identity: 'a', subject: 'call:1' })).toEqual({ id: first.id, duplicate: true })
    store.enqueueEvent({ ...base, identity: 'b', subject: 'call:1', type: 'call.ended' })
    store.enqueueEvent({ ...base, identity: 'c', subject: 'call:2' })

    const claimed = store.claimEvents(10, 100, 5000)
    expect(claimed.map((event) => event.identity)).toEqual(['a', 'c'])
    // The second event of call 1 waits until the first is finished.
    expect(store.claimEvents(10, 100, 5000)).toEqual([])
    store.completeEvent(first.id)
    expect(store.claimEvents(10, 100, 5000).map((event) => event.identity)).toEqual(['b'])

    const c = claimed[1]!
    store.retryEvent(c.id, 'temporary', 500)
    expect(store.claimEvents(10, 499, 5000)).toEqual([])
    const retried = store.claimEvents(10, 500, 5000)
    expect(retried).toMatchObject([{ identity: 'c', attempts: 2 }])
    store.deadLetterEvent(c.id, 'gave up')
    expect(store.listEvents({ status: 'dead' })).toMatchObject([{ identity: 'c', lastError: 'gave up' }])
    expect(store.replayEvents([c.id], 600)).toBe(1)
    expect(store.getEvent(c.id)).toMatchObject({ status: 'queued', attempts: 0 })
    store.close()
  })

  test('a lease held by a dead worker expires and the event is claimable again', () => {
    const store = openStateStore(join(tempDir(), 'l.sqlite'))
    store.enqueueEvent({
      source: 'intercom',
      identity: 'n1',
      type: 'ping',
      subject: null,
      payload: '{}',
      receivedAt: 0,
    })
    expect(store.claimEvents(1, 0, 1000)).toHaveLength(1)
    expect(store.releaseExpiredLeases(500)).toBe(0)
    expect(store.releaseExpiredLeases(1001)).toBe(1)
    expect(store.claimEvents(1, 1001, 1000)).toHaveLength(1)
    store.close()
  })

  test('contact index finds contacts by E.164 and case-insensitive email', () => {
    const store = openStateStore(join(tempDir(), 'c.sqlite'))
    const contact = {
      contactId: 'c1',
      role: 'user' as const,
      name: 'Ada',
      email: 'Ada@Example.com ',
      phoneRaw: '06 12 34 56 78',
      phoneE164: '+33612345678',
      createdAt: 1,
      updatedAt: 2,
      lastSeenAt: null,
      origin: 'refresh' as const,
      indexedAt: 3,
    }
    store.upsertContacts([contact])
    expect(store.findContactsByPhone('+33612345678').map((c) => c.contactId)).toEqual(['c1'])
    expect(store.findContactsByEmail('ADA@example.com').map((c) => c.contactId)).toEqual(['c1'])
    store.upsertContacts([{ ...contact, phoneE164: '+33700000000' }])
    expect(store.findContactsByPhone('+33612345678')).toEqual([])
    store.removeContacts(['c1'])
    expect(store.counts().contacts).toBe(0)
    store.close()
  })

  test('locks exclude a second owner until released or expired; fingerprints expire', () => {
    const store = openStateStore(join(tempDir(), 'k.sqlite'))
    expect(store.acquireLock('sync', 'run-a', 0, 1000)).toBe(true)
    expect(store.acquireLock('sync', 'run-b', 500, 1000)).toBe(false)
    expect(store.acquireLock('sync', 'run-b', 1001, 1000)).toBe(true)
    store.releaseLock('sync', 'run-b')
    expect(store.getLock('sync')).toBeUndefined()

    store.recordFingerprint('fp', 100)
    expect(store.hasFingerprint('fp', 99)).toBe(true)
    expect(store.hasFingerprint('fp', 100)).toBe(false)
    expect(store.pruneFingerprints(100)).toBe(1)
    store.close()
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
    expect(store.getStep('uncommitted:0')).toBeUndefined()
    store.close()
    const raw = new Database(path)
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok')
    raw.close()
  })
})
