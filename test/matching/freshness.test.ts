import { afterEach, describe, expect, test } from 'vitest'

import type { Runtime } from '../../src/app/runtime.js'
import { backfill } from '../../src/app/backfill-service.js'
import { syncCalls } from '../../src/app/sync-service.js'
import type { SandboxHandle } from '@aircall-intercom/emulators'
import { INDEX_CHECKPOINT } from '../../src/matching/refresh.js'
import { auditUnmatchedCallers } from '../../src/app/matching-service.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { startWorld, worldRuntime } from './seeded-world.js'

/** Matching never depends on someone remembering `contacts refresh`: the runs that match refresh the index first. */

const tempDir = useTempDir()
let world: SandboxHandle | undefined
const runtimes: Runtime[] = []
afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.close()
  await world?.close()
  world = undefined
})

const open = (dir: string): Runtime => {
  const runtime = worldRuntime(world!, dir, { createUnknown: false })
  runtimes.push(runtime)
  return runtime
}

const searches = (): number =>
  Object.values(world!.intercomEmulator.requestCounts().byRoute['POST /contacts/search'] ?? {}).reduce(
    (sum, count) => sum + count,
    0,
  )

const since = (): string => new Date(world!.world.now - 31 * 86_400_000).toISOString()

describe('the contact index keeps itself fresh', () => {
  test('backfill lists every contact before its first lookup, then only what changed; a complete rerun lists nothing', async () => {
    world = await startWorld()
    const dir = tempDir()
    const first = open(dir)
    expect(await first.store.checkpoints.get(INDEX_CHECKPOINT)).toBeUndefined()
    await backfill(first, { since: since(), dryRun: false, concurrency: 4, restart: false })
    // Every contact of the workspace is in the index, not only the callers' search results.
    expect((await first.store.counts()).contacts).toBe(world.world.intercom.contacts.length)
    expect((await first.store.checkpoints.get(INDEX_CHECKPOINT))?.value).toMatchObject({ mode: 'full' })
    await first.close()

    // A contact typed in Intercom afterwards, by someone else: the next run that matches lists it.
    const added = await worldRuntime(world, tempDir()).intercom.contacts.create({
      role: 'lead',
      phone: '06 11 22 33 44',
    })
    const again = open(dir)
    const before = searches()
    const rerun = await backfill(again, { since: since(), dryRun: false, concurrency: 4, restart: false })
    // Every call was already logged: nothing was looked up, so nothing was listed either.
    expect(rerun.counts.logged).toBe(0)
    expect(searches()).toBe(before)
    expect(await again.store.contacts.get(added.id)).toBeUndefined()

    // sync looks callers up (it re-reads its lookback): its incremental refresh brings the new contact in.
    await syncCalls(again, { lookbackMs: 86_400_000, concurrency: 4 })
    expect(await again.store.contacts.get(added.id)).toMatchObject({
      readings: [{ e164: '+33611223344', derivation: 'default-country' }],
    })
    expect((await again.store.checkpoints.get(INDEX_CHECKPOINT))?.value).toMatchObject({ mode: 'incremental' })
  })

  test('audit unmatched refreshes before it resolves anyone', async () => {
    world = await startWorld()
    const runtime = open(tempDir())
    const result = await auditUnmatchedCallers(runtime, { create: false })
    expect(result.callers).toBeGreaterThan(0)
    expect((await runtime.store.counts()).contacts).toBe(world.world.intercom.contacts.length)
    expect((await runtime.store.checkpoints.get(INDEX_CHECKPOINT))?.value).toMatchObject({ mode: 'full' })
  })
})
