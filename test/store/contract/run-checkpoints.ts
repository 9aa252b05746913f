import { describe, expect, test } from 'vitest'
import { type MakeStore, manualClock, useStores } from './harness.js'

/** Run checkpoints: few, named, listed by `status`; per-call live states are not among them. */
export function describeRunCheckpointsContract(makeStore: MakeStore): void {
  describe('run checkpoints', () => {
    const open = useStores(makeStore)

    test('set replaces a checkpoint; get and list return it with its update time', async () => {
      const clock = manualClock(5_000)
      const { checkpoints } = await open({ now: clock.read })
      expect(checkpoints.get('backfill:api')).toBeUndefined()
      checkpoints.set('backfill:api', { spans: [[0, 100]] })
      clock.now = 6_000
      checkpoints.set('backfill:api', { spans: [[0, 200]], nested: { ok: true } })
      expect(checkpoints.get('backfill:api')).toEqual({
        name: 'backfill:api',
        value: { spans: [[0, 200]], nested: { ok: true } },
        updatedAt: 6_000,
      })
    })

    test('list is in name order and filters by prefix; deleteByPrefix deletes those and says how many', async () => {
      const { checkpoints } = await open()
      for (const name of ['sync:last', 'backfill:csv:b', 'backfill:api', 'backfill:csv:a', 'contacts:index']) {
        checkpoints.set(name, { name })
      }
      expect(checkpoints.list().map((c) => c.name)).toEqual([
        'backfill:api',
        'backfill:csv:a',
        'backfill:csv:b',
        'contacts:index',
        'sync:last',
      ])
      expect(checkpoints.list('backfill:csv:').map((c) => c.name)).toEqual(['backfill:csv:a', 'backfill:csv:b'])
      expect(checkpoints.list('nothing:')).toEqual([])
      expect(checkpoints.deleteByPrefix('backfill:csv:')).toBe(2)
      expect(checkpoints.deleteByPrefix('backfill:csv:')).toBe(0)
      expect(checkpoints.deleteByPrefix('sync:last')).toBe(1)
      expect(checkpoints.list().map((c) => c.name)).toEqual(['backfill:api', 'contacts:index'])
    })

    test('per-call live states are neither listed nor counted as checkpoints', async () => {
      const store = await open()
      store.checkpoints.set('backfill:api', { spans: [] })
      store.callStates.advance('42', { stage: 5, event: 'call.ended', timestamp: 1_700_000_000 })
      store.callStates.markNotLogged('43', 'anonymous')
      expect(store.checkpoints.list().map((c) => c.name)).toEqual(['backfill:api'])
      expect(store.counts()).toMatchObject({ checkpoints: 1, callStates: 2 })
    })
  })
}
