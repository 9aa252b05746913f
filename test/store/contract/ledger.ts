import { describe, expect, test } from 'vitest'
import { StepHeldError } from '../../../src/store/state-store.js'
import { type MakeStore, manualClock, moments, useStores } from './harness.js'

const LEASE = 60_000

/** The ledger as every service relies on it: steps, claims with owner and lease, completions. */
export function describeLedgerContract(makeStore: MakeStore): void {
  describe('ledger', () => {
    const open = useStores(makeStore)

    test('begin → complete: pending then done with the external id, data merged, attempts counted', async () => {
      const clock = manualClock(1_000)
      const store = await open({ now: clock.read })
      const { ledger } = store
      expect(await ledger.get('call:1:log')).toBeUndefined()
      expect(await ledger.begin('call:1:log', { contactId: 'c1' })).toMatchObject({
        key: 'call:1:log',
        status: 'pending',
        attempts: 1,
        externalId: null,
        data: { contactId: 'c1' },
        createdAt: 1_000,
      })
      clock.now = 2_000
      await ledger.begin('call:1:log')
      expect(await ledger.get('call:1:log')).toMatchObject({
        status: 'pending',
        attempts: 2,
        data: { contactId: 'c1' },
      })
      await ledger.complete('call:1:log', 'conv-9', { reason: 'user-first' })
      expect(await ledger.get('call:1:log')).toMatchObject({
        status: 'done',
        externalId: 'conv-9',
        data: { contactId: 'c1', reason: 'user-first' },
        lastError: null,
        createdAt: 1_000,
        updatedAt: 2_000,
      })
      // Begun again after it was done: what a later read returns, its external id and creation time kept.
      clock.now = 3_000
      const begun = await ledger.begin('call:1:log', { revision: 'r2' })
      expect(begun).toEqual(await ledger.get('call:1:log'))
      expect(begun).toMatchObject({ status: 'pending', externalId: 'conv-9', attempts: 3, createdAt: 1_000 })
    })

    test('a step completed without being begun is done; completing without data keeps the data', async () => {
      const { ledger } = await open()
      await ledger.complete('call:2:note', null, { discovered: true })
      expect(await ledger.get('call:2:note')).toMatchObject({
        status: 'done',
        externalId: null,
        data: { discovered: true },
      })
      await ledger.complete('call:2:note', 'part-2')
      expect(await ledger.get('call:2:note')).toMatchObject({ externalId: 'part-2', data: { discovered: true } })
    })

    test('fail records the error; a failed step is begun or claimed again at once', async () => {
      const { ledger } = await open({ owner: 'a' })
      await ledger.begin('call:3:log')
      await ledger.fail('call:3:log', 'ServerError: 503')
      expect(await ledger.get('call:3:log')).toMatchObject({ status: 'failed', lastError: 'ServerError: 503' })
      await ledger.fail('call:4:log', 'never begun')
      expect(await ledger.get('call:4:log')).toMatchObject({ status: 'failed', lastError: 'never begun' })
      expect(await ledger.begin('call:3:log')).toMatchObject({ status: 'pending', attempts: 2 })
      await ledger.complete('call:3:log', 'conv-3')
      expect(await ledger.get('call:3:log')).toMatchObject({ status: 'done', lastError: null })
    })

    test('getMany answers in the order asked, undefined where absent; list filters by status and prefix', async () => {
      const { ledger } = await open()
      await ledger.complete('call:2:note', 'p2')
      await ledger.complete('call:1:a', 'p1')
      await ledger.begin('call:1:b')
      await ledger.fail('contact:+33612345678:create', 'refused')
      expect((await ledger.getMany(['call:1:a', 'nope', 'call:2:note'])).map((step) => step?.externalId)).toEqual([
        'p1',
        undefined,
        'p2',
      ])
      expect(await ledger.getMany([])).toEqual([])
      const keys = (steps: Array<{ key: string }>) => steps.map((step) => step.key)
      expect(keys(await ledger.list())).toEqual(['call:1:a', 'call:1:b', 'call:2:note', 'contact:+33612345678:create'])
      expect(keys(await ledger.list({ prefix: 'call:1:' }))).toEqual(['call:1:a', 'call:1:b'])
      expect(keys(await ledger.list({ status: 'done' }))).toEqual(['call:1:a', 'call:2:note'])
      expect(keys(await ledger.list({ status: 'failed', prefix: 'contact:' }))).toEqual(['contact:+33612345678:create'])
      expect(keys(await ledger.list({ status: 'pending', prefix: 'contact:' }))).toEqual([])
      expect(keys(await ledger.list({ limit: 2 }))).toEqual(['call:1:a', 'call:1:b'])
    })

    test('a claim is held for another owner while its lease runs, then answered done with what was written', async () => {
      const clock = manualClock(1_000)
      const a = await open({ now: clock.read })
      const b = await open({ now: clock.read })
      const key = 'call:1:conversation'
      expect(await a.ledger.claim(key, { owner: 'a', leaseMs: LEASE, data: { contactId: 'c1' } })).toEqual({
        status: 'claimed',
        resumed: null,
      })
      // Durable once it resolves: another connection sees it.
      expect(await b.ledger.get(key)).toMatchObject({ status: 'pending', attempts: 1, data: { contactId: 'c1' } })
      expect(await b.ledger.claim(key, { owner: 'b', leaseMs: LEASE })).toEqual({
        status: 'held',
        owner: 'a',
        leaseUntil: 1_000 + LEASE,
      })
      await a.ledger.complete(key, 'conv-1', { created: true })
      await moments()
      expect(await b.ledger.claim(key, { owner: 'b', leaseMs: LEASE })).toMatchObject({
        status: 'done',
        step: { externalId: 'conv-1', data: { contactId: 'c1', created: true } },
      })
      // A claim never reopens a written step.
      expect(await b.ledger.get(key)).toMatchObject({ status: 'done', attempts: 1 })
    })

    test('a lapsed lease hands the step over, resumed, so the new owner reconciles', async () => {
      const clock = manualClock(1_000)
      const a = await open({ now: clock.read })
      const b = await open({ now: clock.read })
      await a.ledger.claim('call:1:note', { owner: 'a', leaseMs: 10_000, data: { revision: 'r1' } })
      clock.now = 10_999
      expect(await b.ledger.claim('call:1:note', { owner: 'b', leaseMs: 10_000 })).toMatchObject({ status: 'held' })
      clock.now = 11_000
      expect(
        await b.ledger.claim('call:1:note', { owner: 'b', leaseMs: 10_000, data: { revision: 'r2' } }),
      ).toMatchObject({ status: 'claimed', resumed: { status: 'pending', attempts: 1, data: { revision: 'r1' } } })
      // The claim's data replaces the step's.
      expect(await a.ledger.get('call:1:note')).toMatchObject({ attempts: 2, data: { revision: 'r2' } })
      expect(await a.ledger.claim('call:1:note', { owner: 'a', leaseMs: 10_000 })).toMatchObject({
        status: 'held',
        owner: 'b',
      })
    })

    test('a dead owner is not waited out', async () => {
      const a = await open({ isOwnerGone: (owner) => owner.startsWith('dead/') })
      const b = await open({ isOwnerGone: (owner) => owner.startsWith('dead/') })
      await a.ledger.claim('contact:+33612345678:create', { owner: 'dead/1/x', leaseMs: LEASE })
      expect(await b.ledger.claim('contact:+33612345678:create', { owner: 'b', leaseMs: LEASE })).toMatchObject({
        status: 'claimed',
        resumed: { status: 'pending' },
      })
    })

    test('a failed step is claimable at once; the same owner claiming again is told it may have written', async () => {
      const a = await open()
      const b = await open()
      await a.ledger.claim('call:2:note', { owner: 'a', leaseMs: LEASE })
      await a.ledger.fail('call:2:note', 'ServerError: 503')
      expect(await b.ledger.claim('call:2:note', { owner: 'b', leaseMs: LEASE })).toMatchObject({
        status: 'claimed',
        resumed: { status: 'failed', lastError: 'ServerError: 503' },
      })
      expect(await b.ledger.claim('call:2:note', { owner: 'b', leaseMs: LEASE })).toMatchObject({
        status: 'claimed',
        resumed: { status: 'pending', attempts: 2 },
      })
    })

    test('claims made together are each decided: one granted, the others held', async () => {
      const a = await open()
      const claims = await Promise.all(
        ['a', 'b', 'c'].map((owner) => a.ledger.claim('call:5:conversation', { owner, leaseMs: LEASE })),
      )
      expect(claims.map((claim) => claim.status).sort()).toEqual(['claimed', 'held', 'held'])
    })

    test('data that cannot be stored is refused, and nothing is claimed', async () => {
      const { ledger } = await open()
      const circular: Record<string, unknown> = {}
      circular.self = circular
      await expect(async () =>
        ledger.claim('call:6:note', { owner: 'a', leaseMs: LEASE, data: circular }),
      ).rejects.toThrow()
      expect(await ledger.get('call:6:note')).toBeUndefined()
      expect(await ledger.claim('call:6:note', { owner: 'a', leaseMs: LEASE })).toMatchObject({ status: 'claimed' })
    })

    test('begin refuses a step another live owner holds, and takes over its own or a lapsed one', async () => {
      const clock = manualClock(1_000)
      const a = await open({ now: clock.read, owner: 'a' })
      const b = await open({ now: clock.read, owner: 'b' })
      await a.ledger.begin('call:1:missed-message', { caller: '+33612345678' })
      await expect(async () => b.ledger.begin('call:1:missed-message')).rejects.toThrow(StepHeldError)
      expect(await a.ledger.begin('call:1:missed-message')).toMatchObject({ status: 'pending', attempts: 2 })
      clock.now += 120_001
      expect(await b.ledger.begin('call:1:missed-message')).toMatchObject({ status: 'pending', attempts: 3 })
      // A claim meets a begun step like any other claim.
      expect(await a.ledger.claim('call:1:missed-message', { owner: 'a', leaseMs: LEASE })).toMatchObject({
        status: 'held',
        owner: 'b',
      })
    })

    test('a completion is durable by the next write, by close, and within moments otherwise', async () => {
      const a = await open()
      const b = await open()
      await a.ledger.complete('call:7:note', 'p7')
      await a.marks.set('written-after', 1)
      expect(await b.marks.get('written-after')).toBe(1)
      expect(await b.ledger.get('call:7:note')).toMatchObject({ status: 'done' })

      await a.ledger.complete('call:8:note', 'p8')
      await moments()
      expect(await b.ledger.get('call:8:note')).toMatchObject({ status: 'done', externalId: 'p8' })

      await a.ledger.complete('call:9:note', 'p9')
      await a.close()
      expect(await b.ledger.get('call:9:note')).toMatchObject({ status: 'done', externalId: 'p9' })
      const reopened = await open()
      expect((await reopened.ledger.list()).map((step) => step.key)).toEqual([
        'call:7:note',
        'call:8:note',
        'call:9:note',
      ])
    })
  })
}
