import { describe, expect, test } from 'vitest'
import { type AnyStateStore, type MakeStore, useStores } from './harness.js'

/** One write or read of a transaction, made through the store the transaction gives. */
type Step = (tx: AnyStateStore) => unknown

/**
 * Runs `steps` in one transaction of either kind of store and answers what each step answered. SQLite's takes a
 * synchronous function and passes it nothing, so its steps run one after the other in that function (an `await`
 * there would end the transaction); an asynchronous store's passes the transaction's store, and each step is
 * awaited before the next. On SQLite the answer comes at once (so a nested call joins the outer function and a
 * throw is thrown), else as a promise.
 */
const transact = (store: AnyStateStore, ...steps: Step[]): unknown => {
  const body = (tx?: AnyStateStore): unknown => {
    if (tx === undefined) return steps.map((step) => step(store))
    return (async () => {
      const results: unknown[] = []
      for (const step of steps) results.push(await step(tx))
      return results
    })()
  }
  return (store.transaction as (fn: (tx?: AnyStateStore) => unknown) => unknown)(body)
}

/** What the store calls throw or answer, awaited whichever kind of store answered. */
const settled = (run: () => unknown): Promise<unknown> => new Promise((resolve) => resolve(run()))

const job = { source: 'job', identity: 'job:1', type: 'log-call', subject: null, payload: '{}', receivedAt: 1 } as const

/** What spans the repositories: transactions, the order writes commit in, counts, versions, closing. */
export function describeStateStoreContract(makeStore: MakeStore): void {
  describe('state store', () => {
    const open = useStores(makeStore)

    test('a transaction commits every repository together and returns what its function returned', async () => {
      const a = await open()
      const b = await open()
      const results = (await transact(
        a,
        (tx) => tx.ledger.begin('call:1:missed-message'),
        (tx) => tx.marks.set('missed-call:+33612345678', 5),
        (tx) => tx.checkpoints.set('listener:stale-events', { count: 1 }),
        (tx) => transact(tx, () => 'nested joins the outer one'),
      )) as unknown[]
      expect(results.at(-1)).toEqual(['nested joins the outer one'])
      expect((await b.ledger.get('call:1:missed-message'))?.status).toBe('pending')
      expect(await b.marks.get('missed-call:+33612345678')).toBe(5)
    })

    test('what a transaction writes is read inside it, and by no other connection before it commits', async () => {
      const a = await open()
      const b = await open()
      const seen = await transact(
        a,
        (tx) => tx.marks.set('inside', 1),
        (tx) => tx.checkpoints.set('sync:last', { at: 1 }),
        (tx) => tx.marks.get('inside'),
        (tx) => tx.checkpoints.get('sync:last'),
        () => b.marks.get('inside'),
        () => b.checkpoints.get('sync:last'),
      )
      expect(seen).toEqual([undefined, undefined, 1, expect.objectContaining({ value: { at: 1 } }), null, undefined])
      expect(await b.marks.get('inside')).toBe(1)
      expect((await b.checkpoints.get('sync:last'))?.value).toEqual({ at: 1 })
    })

    test('a throw rolls back every write of the transaction, nested ones included, and is rethrown', async () => {
      const a = await open()
      const b = await open()
      await a.ledger.complete('call:0:note', 'kept')
      const failure = new Error('rule refused')
      await expect(
        settled(() =>
          transact(
            a,
            (tx) => tx.ledger.begin('call:1:note'),
            (tx) => tx.ledger.complete('call:0:note', 'overwritten'),
            (tx) => tx.queue.enqueue(job),
            (tx) =>
              tx.contacts.upsert([
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
              ]),
            (tx) => tx.callStates.markNotLogged('9', 'anonymous'),
            (tx) => tx.locks.acquire('sync', 'me', 0, 1_000),
            (tx) => transact(tx, (inner) => inner.marks.set('inner', 1)),
            () => {
              throw failure
            },
          ),
        ),
      ).rejects.toBe(failure)
      for (const store of [a, b]) {
        expect(await store.ledger.get('call:1:note')).toBeUndefined()
        expect((await store.ledger.get('call:0:note'))?.externalId).toBe('kept')
        expect(await store.queue.list()).toEqual([])
        expect(await store.contacts.get('c1')).toBeUndefined()
        expect(await store.callStates.get('9')).toBeUndefined()
        expect(await store.locks.get('sync')).toBeUndefined()
        expect(await store.marks.get('inner')).toBeNull()
      }
      // The store goes on working.
      await transact(a, (tx) => tx.marks.set('after', 2))
      expect(await b.marks.get('after')).toBe(2)
    })

    test('a throw inside a nested transaction rolls back the outer one too', async () => {
      const a = await open()
      const failure = new Error('inner refused')
      await expect(
        settled(() =>
          transact(
            a,
            (tx) => tx.marks.set('outer', 1),
            (tx) =>
              transact(
                tx,
                (inner) => inner.marks.set('inner', 1),
                () => {
                  throw failure
                },
              ),
          ),
        ),
      ).rejects.toBe(failure)
      expect(await a.marks.get('outer')).toBeNull()
      expect(await a.marks.get('inner')).toBeNull()
    })

    test('writes commit in the order they were made: a checkpoint never lands before the steps it covers', async () => {
      const a = await open()
      const b = await open()
      await a.ledger.complete('call:1:note', 'part-1')
      await a.checkpoints.set('backfill:api', { windowEnd: 100 })
      expect(await b.checkpoints.get('backfill:api')).toBeDefined()
      expect(await b.ledger.get('call:1:note')).toMatchObject({ status: 'done' })
      await a.ledger.complete('call:2:note', 'part-2')
      await transact(a, (tx) => tx.checkpoints.set('backfill:api', { windowEnd: 200 }))
      expect(await b.ledger.get('call:2:note')).toMatchObject({ status: 'done' })
      await a.ledger.complete('call:3:note', 'part-3')
      await a.queue.complete([])
      await a.queue.enqueue({ source: 'job', identity: 'j', type: 't', subject: null, payload: '{}', receivedAt: 1 })
      expect(await b.ledger.get('call:3:note')).toMatchObject({ status: 'done' })
    })

    test('counts say what the store holds', async () => {
      const store = await open()
      expect(await store.counts()).toEqual({
        ledger: { pending: 0, done: 0, failed: 0 },
        events: { queued: 0, processing: 0, done: 0, dead: 0 },
        contacts: 0,
        checkpoints: 0,
        callStates: 0,
        fingerprints: 0,
      })
      await store.ledger.begin('a')
      await store.ledger.complete('b', null)
      await store.ledger.fail('c', 'x')
      await store.queue.enqueue({
        source: 'aircall',
        identity: 'e',
        type: 't',
        subject: null,
        payload: '{}',
        receivedAt: 1,
      })
      await store.marks.recordFingerprint('fp', 10)
      await store.checkpoints.set('sync:last', {})
      await store.callStates.markNotLogged('1', 'anonymous')
      expect(await store.counts()).toEqual({
        ledger: { pending: 1, done: 1, failed: 1 },
        events: { queued: 1, processing: 0, done: 0, dead: 0 },
        contacts: 0,
        checkpoints: 1,
        callStates: 1,
        fingerprints: 1,
      })
      expect(await store.queue.counts()).toEqual((await store.counts()).events)
    })

    test('a new store is sound, at the latest schema; closing twice is harmless', async () => {
      const store = await open()
      expect(await store.integrityProblems()).toEqual([])
      const { current, latest } = await store.schemaVersions()
      expect(current).toBe(latest)
      expect(latest).toBeGreaterThan(0)
      expect(store.path).toEqual(expect.any(String))
      await store.close()
      await store.close()
    })
  })
}
