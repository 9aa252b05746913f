import { describe, expect, test } from 'vitest'
import type { EnqueueInput, EventOutcome } from '../../../src/store/state-store.js'
import { type MakeStore, manualClock, useStores } from './harness.js'

const input = (identity: string, subject: string | null = null, receivedAt = 10): EnqueueInput => ({
  source: 'aircall',
  identity,
  type: 'call.ended',
  subject,
  payload: `{"identity":"${identity}"}`,
  receivedAt,
})

const outcome = (rule: string, status: string, detail?: string): EventOutcome => ({
  effects: [{ rule, status, ...(detail ? { detail } : {}) }],
  objects: [{ service: 'aircall', kind: 'call', id: '1' }],
  summary: `${rule}:${status}`,
  durationMs: 12.5,
})

const identities = (events: Array<{ identity: string }>): string[] => events.map((event) => event.identity)

/** The webhook queue and dead letters: idempotent intake, ordered claims, outcomes, replay and purge. */
export function describeEventQueueContract(makeStore: MakeStore): void {
  describe('event queue', () => {
    const open = useStores(makeStore)

    test('an event is stored once by identity; a redelivery is answered as a duplicate of it', async () => {
      const a = await open()
      const b = await open()
      const first = await a.queue.enqueue(input('a', 'call:1'))
      expect(first).toEqual({ id: expect.any(Number) as number, duplicate: false })
      expect(await b.queue.enqueue(input('a', 'call:1'))).toEqual({ id: first.id, duplicate: true })
      expect(await b.queue.get(first.id)).toMatchObject({
        id: first.id,
        source: 'aircall',
        identity: 'a',
        type: 'call.ended',
        subject: 'call:1',
        payload: '{"identity":"a"}',
        status: 'queued',
        attempts: 0,
        nextAttemptAt: 10,
        lastError: null,
        receivedAt: 10,
        outcome: null,
      })
      expect(await a.queue.get(first.id + 1000)).toBeUndefined()
    })

    test('enqueueAll answers in input order, a repeat within the batch included; waiting or not', async () => {
      const { queue } = await open()
      const results = await queue.enqueueAll([input('a'), input('b'), input('a'), input('c')])
      expect(results.map((result) => result.duplicate)).toEqual([false, false, true, false])
      expect(results[2]?.id).toBe(results[0]?.id)
      expect(new Set(results.map((result) => result.id)).size).toBe(3)
      expect(await queue.enqueueAll([])).toEqual([])
      // Nobody else writes: not waiting commits as waiting would.
      expect((await queue.enqueueAll([input('d'), input('b')], { wait: false }))?.map((r) => r.duplicate)).toEqual([
        false,
        true,
      ])
      expect(identities(await queue.list())).toEqual(['a', 'b', 'c', 'd'])
    })

    test('claims take one event per subject, in arrival order, and none of a subject being processed', async () => {
      const { queue } = await open()
      const a = (await queue.enqueue(input('a', 'call:1'))).id
      await queue.enqueue(input('b', 'call:1'))
      await queue.enqueue(input('c', 'call:2'))
      await queue.enqueue(input('d', null))
      await queue.enqueue(input('e', null))
      const claimed = await queue.claim(10, 100, 5_000)
      expect(identities(claimed)).toEqual(['a', 'c', 'd', 'e'])
      expect(claimed[0]).toMatchObject({ status: 'processing', attempts: 1 })
      expect(await queue.claim(10, 100, 5_000)).toEqual([])
      await queue.complete([a])
      expect(identities(await queue.claim(10, 100, 5_000))).toEqual(['b'])
      expect(await queue.counts()).toEqual({ queued: 0, processing: 4, done: 1, dead: 0 })
    })

    test('claims stop at the limit and leave what is not due yet', async () => {
      const { queue } = await open()
      await queue.enqueue(input('later', null, 500))
      for (const identity of ['a', 'b', 'c']) await queue.enqueue(input(identity))
      expect(identities(await queue.claim(2, 100, 5_000))).toEqual(['a', 'b'])
      expect(identities(await queue.claim(10, 100, 5_000))).toEqual(['c'])
      expect(identities(await queue.claim(10, 500, 5_000))).toEqual(['later'])
    })

    test('a retry waits for its time; a dead letter keeps its error and replays from scratch', async () => {
      const clock = manualClock(1_000)
      const { queue } = await open({ now: clock.read })
      const id = (await queue.enqueue(input('c', 'call:2'))).id
      await queue.claim(10, 100, 5_000)
      await queue.retry(id, 'temporary', 500)
      expect(await queue.get(id)).toMatchObject({ status: 'queued', lastError: 'temporary', nextAttemptAt: 500 })
      expect(await queue.claim(10, 499, 5_000)).toEqual([])
      expect(await queue.claim(10, 500, 5_000)).toMatchObject([{ identity: 'c', attempts: 2 }])
      await queue.deadLetter(id, 'gave up')
      expect(await queue.list({ status: 'dead' })).toMatchObject([{ identity: 'c', lastError: 'gave up', attempts: 2 }])
      expect(await queue.replay([id], 600)).toBe(1)
      expect(await queue.get(id)).toMatchObject({ status: 'queued', attempts: 0, nextAttemptAt: 600 })
      // Only settled events are replayed.
      expect(await queue.replay([id], 700)).toBe(0)
      expect(await queue.claim(10, 600, 5_000)).toMatchObject([{ identity: 'c', attempts: 1 }])
    })

    test('a completed event keeps its outcome; one completed without keeps the one it had; replay drops it', async () => {
      const { queue } = await open()
      const [a = 0, b = 0, c = 0] = (await queue.enqueueAll([input('a'), input('b'), input('c')])).map((r) => r.id)
      await queue.claim(3, 100, 60_000)
      await queue.complete(
        [a, b],
        new Map([
          [a, outcome('log', 'logged', 'conversation 9')],
          [b, outcome('missed-call', 'skipped', 'anonymous')],
        ]),
      )
      await queue.complete([c])
      expect(await queue.get(a)).toMatchObject({ status: 'done', outcome: outcome('log', 'logged', 'conversation 9') })
      expect(await queue.get(c)).toMatchObject({ status: 'done', outcome: null })
      await queue.complete([a])
      expect((await queue.get(a))?.outcome).toEqual(outcome('log', 'logged', 'conversation 9'))
      expect(await queue.replay([a], 200)).toBe(1)
      expect((await queue.get(a))?.outcome).toBeNull()
      await queue.complete([])
    })

    test('list filters by status, source, id, limit and outcome; listRecent is newest first', async () => {
      const { queue } = await open()
      const [a = 0, b = 0, c = 0] = (await queue.enqueueAll([input('a'), input('b'), input('c')])).map((r) => r.id)
      const job = (await queue.enqueue({ ...input('job:1'), source: 'job', type: 'log-call' })).id
      await queue.claim(10, 100, 60_000)
      await queue.complete(
        [a, b],
        new Map([
          [a, outcome('log', 'logged', 'conversation 9')],
          [b, outcome('missed-call', 'skipped', 'anonymous')],
        ]),
      )
      await queue.deadLetter(c, 'ServerError: 503')
      expect(identities(await queue.list({ status: ['done', 'dead'] }))).toEqual(['a', 'b', 'c'])
      expect(identities(await queue.list({ status: 'processing' }))).toEqual(['job:1'])
      expect(identities(await queue.list({ source: 'job' }))).toEqual(['job:1'])
      expect(identities(await queue.list({ afterId: b }))).toEqual(['c', 'job:1'])
      expect(identities(await queue.list({ limit: 2 }))).toEqual(['a', 'b'])
      expect((await queue.list({ outcome: { rule: 'log' } })).map((e) => e.id)).toEqual([a])
      expect((await queue.list({ outcome: { rule: 'missed-call', status: 'skipped' } })).map((e) => e.id)).toEqual([b])
      expect(await queue.list({ outcome: { rule: 'missed-call', status: 'skipped', detail: 'x' } })).toEqual([])
      expect((await queue.listRecent(2)).map((e) => e.id)).toEqual([job, c])
    })

    test('the settled cursor returns what became done or dead since, never twice', async () => {
      const clock = manualClock(5_000)
      const { queue } = await open({ now: clock.read })
      const [a = 0, b = 0, c = 0] = (await queue.enqueueAll([input('a'), input('b'), input('c')])).map((r) => r.id)
      await queue.claim(3, 5_000, 60_000)
      await queue.complete([a, b])
      const first = await queue.listSettledSince({ updatedAt: 0, ids: [] }, 10)
      expect(first.map((e) => e.id)).toEqual([a, b])
      expect((await queue.listSettledSince({ updatedAt: 0, ids: [] }, 1)).map((e) => e.id)).toEqual([a])
      // Same millisecond, later write: still returned, and never one returned before.
      await queue.deadLetter(c, 'ServerError: 503')
      expect(
        (await queue.listSettledSince({ updatedAt: 5_000, ids: [a, b] }, 10)).map((e) => [e.id, e.status]),
      ).toEqual([[c, 'dead']])
      expect(await queue.listSettledSince({ updatedAt: 5_001, ids: [] }, 10)).toEqual([])
    })

    test('leases of a process that died expire and the event is claimable again', async () => {
      const { queue } = await open()
      await queue.enqueue({ ...input('n1'), source: 'intercom', receivedAt: 0 })
      expect(await queue.claim(1, 0, 1_000)).toHaveLength(1)
      expect(await queue.releaseExpiredLeases(500)).toBe(0)
      expect(await queue.claim(1, 500, 1_000)).toEqual([])
      expect(await queue.releaseExpiredLeases(1_001)).toBe(1)
      expect(await queue.claim(1, 1_001, 1_000)).toMatchObject([{ identity: 'n1', attempts: 2 }])
    })

    test('a renewed lease holds past its first end; only the claim that holds it renews it', async () => {
      const { queue } = await open()
      await queue.enqueue({ ...input('r1'), source: 'intercom', receivedAt: 0 })
      const [claimed] = await queue.claim(1, 0, 1_000)
      expect(claimed).toMatchObject({ identity: 'r1', attempts: 1 })
      const claim = { id: claimed?.id ?? 0, attempts: 1 }
      expect(await queue.renewLeases([claim], 900, 1_000)).toBe(1)
      expect(await queue.releaseExpiredLeases(1_500)).toBe(0)
      expect(await queue.releaseExpiredLeases(1_901)).toBe(1)
      // Taken again (attempt 2): the first claim's renewal no longer touches it.
      expect(await queue.claim(1, 1_901, 1_000)).toMatchObject([{ identity: 'r1', attempts: 2 }])
      expect(await queue.renewLeases([claim], 2_000, 10_000)).toBe(0)
      expect(await queue.releaseExpiredLeases(2_902)).toBe(1)
      await queue.complete([claim.id])
      expect(await queue.renewLeases([{ id: claim.id, attempts: 2 }], 3_000, 1_000)).toBe(0)
      expect(await queue.renewLeases([], 3_000, 1_000)).toBe(0)
    })

    test('purge deletes only settled events, by status and age or by id', async () => {
      const clock = manualClock(1_000)
      const { queue } = await open({ now: clock.read })
      const [a = 0, b = 0, c = 0, d = 0] = (
        await queue.enqueueAll([input('a'), input('b'), input('c'), input('d')])
      ).map((r) => r.id)
      await queue.claim(3, 100, 60_000)
      await queue.complete([a])
      clock.now = 2_000
      await queue.complete([b])
      await queue.deadLetter(c, 'boom')
      expect(await queue.purge({ status: ['done'], olderThan: 1_500 })).toBe(1)
      expect(await queue.get(a)).toBeUndefined()
      expect(await queue.purge({ status: ['queued', 'processing'] })).toBe(0)
      expect(await queue.purge({ ids: [d, c] })).toBe(1)
      expect(identities(await queue.list())).toEqual(['b', 'd'])
      expect(await queue.purge({ status: ['done', 'dead'] })).toBe(1)
      expect(identities(await queue.list())).toEqual(['d'])
    })

    test('a purged event whose identity is remembered stays a duplicate until then', async () => {
      const { queue } = await open()
      const [a = 0, b = 0] = (await queue.enqueueAll([input('a'), input('b')])).map((r) => r.id)
      await queue.claim(2, 10, 60_000)
      await queue.complete([a])
      await queue.deadLetter(b, 'boom')
      expect(await queue.purge({ status: ['done'], rememberIdentitiesUntil: 1_000 })).toBe(1)
      expect(await queue.purge({ ids: [b], rememberIdentitiesUntil: 1_000 })).toBe(1)
      expect(await queue.enqueue(input('a', null, 999))).toMatchObject({ duplicate: true })
      expect(await queue.enqueue(input('b', null, 999))).toMatchObject({ duplicate: true })
      expect(await queue.list()).toEqual([])
      // Past the remembered time, the identity is a new event.
      expect(await queue.enqueue(input('a', null, 1_000))).toMatchObject({ duplicate: false })
      expect(await queue.counts()).toEqual({ queued: 1, processing: 0, done: 0, dead: 0 })
    })
  })
}
