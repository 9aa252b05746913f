import { describe, expect, test } from 'vitest'
import { type MakeStore, useStores } from './harness.js'

/** Named locks with an expiry: the cron's single flight, the listener's worker lock. */
export function describeLocksContract(makeStore: MakeStore): void {
  describe('locks', () => {
    const open = useStores(makeStore)

    test('a lock excludes another owner until it expires', async () => {
      const a = await open()
      const b = await open()
      expect(await a.locks.acquire('sync', 'run-a', 0, 1_000)).toBe(true)
      expect(await a.locks.get('sync')).toEqual({ owner: 'run-a', expiresAt: 1_000 })
      expect(await b.locks.acquire('sync', 'run-b', 500, 1_000)).toBe(false)
      expect(await b.locks.acquire('sync', 'run-b', 999, 1_000)).toBe(false)
      expect(await b.locks.acquire('sync', 'run-b', 1_000, 1_000)).toBe(true)
      expect(await a.locks.get('sync')).toEqual({ owner: 'run-b', expiresAt: 2_000 })
      // The old holder has lost it: renewing says so.
      expect(await a.locks.renew('sync', 'run-a', 1_100, 1_000)).toBe(false)
    })

    test('its owner renews it, or acquires it again, to extend it', async () => {
      const { locks } = await open()
      expect(await locks.acquire('listener', 'worker-1', 0, 1_000)).toBe(true)
      expect(await locks.renew('listener', 'worker-1', 900, 1_000)).toBe(true)
      expect((await locks.get('listener'))?.expiresAt).toBe(1_900)
      expect(await locks.acquire('listener', 'worker-1', 1_500, 1_000)).toBe(true)
      expect((await locks.get('listener'))?.expiresAt).toBe(2_500)
      expect(await locks.renew('unknown', 'worker-1', 0, 1_000)).toBe(false)
    })

    test('only its owner releases it; released, it is free at once', async () => {
      const a = await open()
      const b = await open()
      await a.locks.acquire('sync', 'run-a', 0, 60_000)
      await b.locks.release('sync', 'run-b')
      expect((await b.locks.get('sync'))?.owner).toBe('run-a')
      await a.locks.release('sync', 'run-a')
      expect(await b.locks.get('sync')).toBeUndefined()
      expect(await b.locks.acquire('sync', 'run-b', 1, 60_000)).toBe(true)
    })

    test('locks of different names are independent', async () => {
      const { locks } = await open()
      expect(await locks.acquire('sync', 'x', 0, 1_000)).toBe(true)
      expect(await locks.acquire('listener', 'y', 0, 1_000)).toBe(true)
      expect((await locks.get('sync'))?.owner).toBe('x')
      expect((await locks.get('listener'))?.owner).toBe('y')
    })

    test('locks under a prefix are listed by name, lapsed ones too, and only the lapsed ones are purged', async () => {
      const a = await open()
      const b = await open()
      await a.locks.acquire('replica:b', 'host-b:2:x', 0, 1_000)
      await a.locks.acquire('replica:a', 'host-a:1:x', 0, 5_000)
      await b.locks.acquire('replica%_', 'odd', 0, 5_000)
      await b.locks.acquire('sync', 'run', 0, 5_000)
      expect(await b.locks.list('replica:')).toEqual([
        { name: 'replica:a', owner: 'host-a:1:x', expiresAt: 5_000 },
        { name: 'replica:b', owner: 'host-b:2:x', expiresAt: 1_000 },
      ])
      // A prefix is matched as written: no character of it is a pattern.
      expect((await b.locks.list('replica%')).map((lock) => lock.name)).toEqual(['replica%_'])
      expect(await b.locks.purgeExpired('replica:', 1_000)).toBe(1)
      expect((await a.locks.list('replica:')).map((lock) => lock.name)).toEqual(['replica:a'])
      expect(await a.locks.purgeExpired('replica:', 1_000)).toBe(0)
      expect((await a.locks.get('sync'))?.owner).toBe('run')
      expect(await a.locks.list('none:')).toEqual([])
    })

    test('of owners racing for a free lock from several connections, exactly one gets it', async () => {
      const stores = await Promise.all([open(), open(), open(), open()])
      const won = await Promise.all(stores.map(async (store, i) => store.locks.acquire('sync', `run-${i}`, 0, 1_000)))
      expect(won.filter(Boolean)).toHaveLength(1)
      expect((await stores[0].locks.get('sync'))?.owner).toBe(`run-${won.indexOf(true)}`)
    })
  })
}
