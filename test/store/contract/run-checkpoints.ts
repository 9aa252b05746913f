import { describe, expect, test } from 'vitest'
import { type MakeStore, manualClock, useStores } from './harness.js'

/** Run checkpoints: few, named, listed by `status`; per-call live states are not among them. */
export function describeRunCheckpointsContract(makeStore: MakeStore): void {
  describe('run checkpoints', () => {
    const open = useStores(makeStore)

    test('set replaces a checkpoint; get and list return it with its update time', async () => {
      const clock = manualClock(5_000)
      const { checkpoints } = await open({ now: clock.read })
      expect(await checkpoints.get('backfill:api')).toBeUndefined()
      await checkpoints.set('backfill:api', { spans: [[0, 100]] })
      clock.now = 6_000
      await checkpoints.set('backfill:api', { spans: [[0, 200]], nested: { ok: true } })
      expect(await checkpoints.get('backfill:api')).toEqual({
        name: 'backfill:api',
        value: { spans: [[0, 200]], nested: { ok: true } },
        updatedAt: 6_000,
      })
    })

    test('list is in name order and filters by prefix; deleteByPrefix deletes those and says how many', async () => {
      const { checkpoints } = await open()
      for (const name of ['sync:last', 'backfill:csv:b', 'backfill:api', 'backfill:csv:a', 'contacts:index']) {
        await checkpoints.set(name, { name })
      }
      expect((await checkpoints.list()).map((c) => c.name)).toEqual([
        'backfill:api',
        'backfill:csv:a',
        'backfill:csv:b',
        'contacts:index',
        'sync:last',
      ])
      expect((await checkpoints.list('backfill:csv:')).map((c) => c.name)).toEqual(['backfill:csv:a', 'backfill:csv:b'])
      expect(await checkpoints.list('nothing:')).toEqual([])
      expect(await checkpoints.deleteByPrefix('backfill:csv:')).toBe(2)
      expect(await checkpoints.deleteByPrefix('backfill:csv:')).toBe(0)
      expect(await checkpoints.deleteByPrefix('sync:last')).toBe(1)
      expect((await checkpoints.list()).map((c) => c.name)).toEqual(['backfill:api', 'contacts:index'])
    })

    test('names sort by code point and a prefix matches literally, whatever characters it holds', async () => {
      const { checkpoints } = await open()
      for (const name of ['b', 'B', 'a_b', 'a%b', 'axb', 'é', 'z']) await checkpoints.set(name, {})
      expect((await checkpoints.list()).map((c) => c.name)).toEqual(['B', 'a%b', 'a_b', 'axb', 'b', 'z', 'é'])
      expect((await checkpoints.list('a_')).map((c) => c.name)).toEqual(['a_b'])
      expect(await checkpoints.deleteByPrefix('a%')).toBe(1)
      expect((await checkpoints.list('a')).map((c) => c.name)).toEqual(['a_b', 'axb'])
    })

    test('per-call live states are neither listed nor counted as checkpoints', async () => {
      const store = await open()
      await store.checkpoints.set('backfill:api', { spans: [] })
      await store.callStates.advance('42', { stage: 5, event: 'call.ended', timestamp: 1_700_000_000 })
      await store.callStates.markNotLogged('43', 'anonymous')
      expect((await store.checkpoints.list()).map((c) => c.name)).toEqual(['backfill:api'])
      expect(await store.counts()).toMatchObject({ checkpoints: 1, callStates: 2 })
    })
  })
}
