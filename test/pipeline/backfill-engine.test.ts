import { join } from 'node:path'

import { describe, expect, test } from 'vitest'

import { runBackfillEngine, type BackfillEvent } from '../../src/pipeline/backfill-engine.js'
import type { CallSource, SourceWindow } from '../../src/sources/types.js'
import type { CallRecord } from '../../src/domain/call-record.js'
import { ServerError, ValidationError } from '../../src/http/errors.js'
import { asyncSqliteStore, openStateStore } from '../../src/store/sqlite/index.js'
import type { CallLogger, LogCallOutcome } from '../../src/pipeline/types.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

const record = (id: number): CallRecord => ({
  callId: String(id),
  direction: 'inbound',
  status: 'done',
  kind: 'answered',
  startedAt: 1_790_000_000 + id,
  answeredAt: null,
  endedAt: null,
  durationSeconds: 10,
  missedReason: null,
  rawDigits: `+3361234${String(id).padStart(4, '0')}`,
  line: { id: null, name: null, digits: null, country: null, timeZone: null },
  agent: null,
  teams: [],
  tags: [],
  comments: [],
  assetUrl: null,
  contact: null,
  archived: false,
  cost: null,
})

/** Three windows of four calls each, checkpointed by window index. */
const source: CallSource = {
  checkpointName: 'test:source',
  async *windows({ resume }) {
    const start = typeof resume?.window === 'number' ? resume.window + 1 : 0
    for (let w = start; w < 3; w++) {
      await Promise.resolve()
      const calls = async function* (): AsyncIterable<CallRecord> {
        for (let i = 0; i < 4; i++) yield await Promise.resolve(record(w * 4 + i))
      }
      const window: SourceWindow = { label: `w${w}`, expected: 4, position: { window: w }, calls: calls() }
      yield window
    }
  },
}

const logged = (call: CallRecord): LogCallOutcome => ({
  status: 'logged',
  conversationId: `c${call.callId}`,
  contactId: `p${call.callId}`,
  resolution: { status: 'created', contactId: `p${call.callId}`, role: 'lead', e164: null, reason: 'test' },
})

describe('backfill engine', () => {
  test('a call that keeps failing goes to dead letters (queue status dead, replayable) and the run goes on', async () => {
    const store = openStateStore(join(tempDir(), 's.sqlite'))
    const attempts = new Map<string, number>()
    const logger: CallLogger = {
      log: (call) => {
        attempts.set(call.callId, (attempts.get(call.callId) ?? 0) + 1)
        if (call.callId === '5')
          return Promise.reject(
            new ValidationError({ service: 'intercom', endpoint: 'POST /conversations', status: 400 }),
          )
        if (call.callId === '6' && attempts.get('6') === 1)
          return Promise.reject(new ServerError({ service: 'intercom', endpoint: 'POST /conversations', status: 503 }))
        return Promise.resolve(logged(call))
      },
    }
    const events: BackfillEvent[] = []
    const run = await runBackfillEngine({
      source,
      logger,
      store: asyncSqliteStore(store),
      concurrency: 3,
      sleep: () => Promise.resolve(),
      onEvent: (e) => events.push(e),
    })
    expect(run.counts).toMatchObject({ read: 12, logged: 11, deadLetters: 1, windows: 3, contactsCreated: 11 })
    expect(attempts.get('5')).toBe(1)
    expect(attempts.get('6')).toBe(2)
    const dead = store.queue.list({ status: 'dead' })
    expect(dead).toHaveLength(1)
    expect(dead[0]?.id).toBe(run.deadLetterIds[0])
    expect(dead[0]).toMatchObject({ source: 'job', type: 'job.log-call' })
    expect(JSON.parse(dead[0]?.payload ?? '{}')).toMatchObject({
      kind: 'log-call',
      origin: 'history',
      via: 'backfill',
      call: { callId: '5' },
    })
    expect(store.ledger.get('call:5:log')?.status).toBe('failed')
    expect(store.checkpoints.get('test:source')?.value).toEqual({ window: 2 })
    expect(events.filter((e) => e.type === 'window-done')).toHaveLength(3)
  })

  test('an abort stops after the calls in flight and leaves the unfinished window unchecked; the next run resumes there', async () => {
    const store = openStateStore(join(tempDir(), 's.sqlite'))
    const controller = new AbortController()
    const seen: string[] = []
    const logger: CallLogger = {
      log: (call) => {
        seen.push(call.callId)
        if (call.callId === '5') controller.abort()
        return Promise.resolve(logged(call))
      },
    }
    const first = await runBackfillEngine({
      source,
      logger,
      store: asyncSqliteStore(store),
      concurrency: 1,
      signal: controller.signal,
    })
    expect(first.interrupted).toBe(true)
    expect(store.checkpoints.get('test:source')?.value).toEqual({ window: 0 })
    seen.length = 0
    const second = await runBackfillEngine({
      source,
      logger: { log: (call) => (seen.push(call.callId), Promise.resolve(logged(call))) },
      store: asyncSqliteStore(store),
      concurrency: 2,
    })
    expect(second.interrupted).toBe(false)
    expect(seen.sort((a, b) => Number(a) - Number(b))).toEqual(['4', '5', '6', '7', '8', '9', '10', '11'])
  })

  test('a dry run writes no checkpoint and no ledger', async () => {
    const store = openStateStore(join(tempDir(), 's.sqlite'))
    const logger: CallLogger = {
      log: () => Promise.resolve({ status: 'skipped', reason: 'dry-run', resolution: null }),
    }
    const run = await runBackfillEngine({
      source,
      logger,
      store: asyncSqliteStore(store),
      concurrency: 4,
      dryRun: true,
    })
    expect(run.counts.wouldLog).toBe(12)
    expect(store.counts().ledger).toEqual({ pending: 0, done: 0, failed: 0 })
    expect(store.checkpoints.get('test:source')).toBeUndefined()
  })
})
