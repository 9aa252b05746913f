import { describe, expect, test } from 'vitest'
import { type MakeStore, useStores } from './harness.js'

/** What spans the repositories: transactions, the order writes commit in, counts, versions, closing. */
export function describeStateStoreContract(makeStore: MakeStore): void {
  describe('state store', () => {
    const open = useStores(makeStore)

    test('a transaction commits every repository together and returns what its function returned', async () => {
      const a = await open()
      const b = await open()
      const result = a.transaction(() => {
        a.ledger.begin('call:1:missed-message')
        a.marks.set('missed-call:+33612345678', 5)
        a.checkpoints.set('listener:stale-events', { count: 1 })
        return a.transaction(() => 'nested joins the outer one')
      })
      expect(result).toBe('nested joins the outer one')
      expect(b.ledger.get('call:1:missed-message')?.status).toBe('pending')
      expect(b.marks.get('missed-call:+33612345678')).toBe(5)
    })

    test('a throw rolls back every write of the transaction, nested ones included, and is rethrown', async () => {
      const a = await open()
      const b = await open()
      a.ledger.complete('call:0:note', 'kept')
      const failure = new Error('rule refused')
      expect(() =>
        a.transaction(() => {
          a.ledger.begin('call:1:note')
          a.ledger.complete('call:0:note', 'overwritten')
          a.queue.enqueue({
            source: 'job',
            identity: 'job:1',
            type: 'log-call',
            subject: null,
            payload: '{}',
            receivedAt: 1,
          })
          a.contacts.upsert([
            {
              contactId: 'c1',
              role: 'lead',
              name: null,
              email: null,
              phoneRaw: null,
              phoneE164: null,
              createdAt: 1,
              updatedAt: 1,
              lastSeenAt: null,
              origin: 'created',
              indexedAt: 1,
            },
          ])
          a.callStates.markNotLogged('9', 'anonymous')
          a.locks.acquire('sync', 'me', 0, 1_000)
          a.transaction(() => a.marks.set('inner', 1))
          throw failure
        }),
      ).toThrow(failure)
      for (const store of [a, b]) {
        expect(store.ledger.get('call:1:note')).toBeUndefined()
        expect(store.ledger.get('call:0:note')?.externalId).toBe('kept')
        expect(store.queue.list()).toEqual([])
        expect(store.contacts.get('c1')).toBeUndefined()
        expect(store.callStates.get('9')).toBeUndefined()
        expect(store.locks.get('sync')).toBeUndefined()
        expect(store.marks.get('inner')).toBeNull()
      }
      // The store goes on working.
      a.transaction(() => a.marks.set('after', 2))
      expect(b.marks.get('after')).toBe(2)
    })

    test('writes commit in the order they were made: a checkpoint never lands before the steps it covers', async () => {
      const a = await open()
      const b = await open()
      a.ledger.complete('call:1:note', 'part-1')
      a.checkpoints.set('backfill:api', { windowEnd: 100 })
      expect(b.checkpoints.get('backfill:api')).toBeDefined()
      expect(b.ledger.get('call:1:note')).toMatchObject({ status: 'done' })
      a.ledger.complete('call:2:note', 'part-2')
      a.transaction(() => a.checkpoints.set('backfill:api', { windowEnd: 200 }))
      expect(b.ledger.get('call:2:note')).toMatchObject({ status: 'done' })
      a.ledger.complete('call:3:note', 'part-3')
      a.queue.complete([])
      a.queue.enqueue({ source: 'job', identity: 'j', type: 't', subject: null, payload: '{}', receivedAt: 1 })
      expect(b.ledger.get('call:3:note')).toMatchObject({ status: 'done' })
    })

    test('counts say what the store holds', async () => {
      const store = await open()
      expect(store.counts()).toEqual({
        ledger: { pending: 0, done: 0, failed: 0 },
        events: { queued: 0, processing: 0, done: 0, dead: 0 },
        contacts: 0,
        checkpoints: 0,
        callStates: 0,
        fingerprints: 0,
      })
      store.ledger.begin('a')
      store.ledger.complete('b', null)
      store.ledger.fail('c', 'x')
      store.queue.enqueue({ source: 'aircall', identity: 'e', type: 't', subject: null, payload: '{}', receivedAt: 1 })
      store.marks.recordFingerprint('fp', 10)
      store.checkpoints.set('sync:last', {})
      store.callStates.markNotLogged('1', 'anonymous')
      expect(store.counts()).toEqual({
        ledger: { pending: 1, done: 1, failed: 1 },
        events: { queued: 1, processing: 0, done: 0, dead: 0 },
        contacts: 0,
        checkpoints: 1,
        callStates: 1,
        fingerprints: 1,
      })
      expect(store.queue.counts()).toEqual(store.counts().events)
    })

    test('a new store is sound, at the latest schema; closing twice is harmless', async () => {
      const store = await open()
      expect(store.integrityProblems()).toEqual([])
      const { current, latest } = store.schemaVersions()
      expect(current).toBe(latest)
      expect(latest).toBeGreaterThan(0)
      expect(store.path).toEqual(expect.any(String))
      store.close()
      store.close()
    })
  })
}
