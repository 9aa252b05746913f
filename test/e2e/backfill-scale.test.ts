import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, test } from 'vitest'

import { backfill } from '../../src/app/backfill-service.js'
import {
  configFor,
  emulatorRuntime,
  loggedPerCall,
  startWorldProcess,
  type WorldProcess,
} from '../helpers/world-process.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()
const CALLS = 12_000

describe('backfill of a seeded 12,000-call month', () => {
  let world: WorldProcess
  beforeAll(async () => {
    world = await startWorldProcess(CALLS, 30)
  }, 60_000)
  afterAll(async () => {
    await world.stop()
  })

  test('logs exactly one conversation and one note per call, counts the skipped callers, and a rerun creates nothing', async () => {
    const { info } = world
    const statePath = join(tempDir(), 'state.sqlite')
    const since = new Date(info.now - 31 * 86_400_000).toISOString()
    const first = emulatorRuntime(configFor(info), statePath)
    const run = await backfill(first, { since, dryRun: false, concurrency: 16, restart: false })
    await first.close()

    const skippedIds = new Set([...info.anonymousCallIds, ...info.invalidCallIds].map(String))
    expect(run.counts.read).toBe(CALLS)
    expect(run.counts.skipped.anonymous).toBe(info.anonymousCallIds.length)
    expect(run.counts.skipped['invalid-number']).toBe(info.invalidCallIds.length)
    expect(run.counts.logged).toBe(CALLS - skippedIds.size)
    expect(run.counts.deadLetters).toBe(0)

    const logged = await loggedPerCall(info.intercom.url)
    expect(logged.conversations.size).toBe(CALLS - skippedIds.size)
    expect([...logged.conversations.values()].every((count) => count === 1)).toBe(true)
    expect([...logged.notes.values()].every((count) => count === 1)).toBe(true)
    expect(logged.notes.size).toBe(CALLS - skippedIds.size)
    for (const id of skippedIds) expect(logged.conversations.has(id)).toBe(false)

    const second = emulatorRuntime(configFor(info), statePath)
    const again = await backfill(second, { since, dryRun: false, concurrency: 16, restart: true })
    await second.close()
    expect(again.counts.alreadyDone).toBe(CALLS - skippedIds.size)
    expect(again.counts.logged).toBe(0)
    expect(again.requests.intercom.requests).toBe(0)
    const after = await loggedPerCall(info.intercom.url)
    expect(after.total).toBe(logged.total)
    expect([...after.notes.values()].reduce((a, b) => a + b, 0)).toBe(CALLS - skippedIds.size)
  }, 240_000)
})
