import pg from 'pg'
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import type { AsyncStateStore } from '../../src/store/async-store.js'
import { PgContactIndex } from '../../src/store/postgres/contact-index.js'
import type { PgQueryable } from '../../src/store/postgres/context.js'
import { openPostgresStore } from '../../src/store/postgres/index.js'
import type { EnqueueInput, IndexedContact, QueuedEvent } from '../../src/store/state-store.js'
import { freshDatabase } from '../helpers/postgres.js'

// What the contract suites (postgres-contract.test.ts) cannot show with one process at a time: several stores,
// each with its own pool as a replica would have, working one database at once.

const event = (identity: string, subject: string | null): EnqueueInput => ({
  source: 'aircall',
  identity,
  type: 'call.ended',
  subject,
  payload: '{}',
  receivedAt: 0,
})

describe('PostgreSQL repositories shared by several replicas', () => {
  let url = ''
  let schema = ''
  let tests = 0
  const opened: AsyncStateStore[] = []
  const open = async (): Promise<AsyncStateStore> => {
    const store = await openPostgresStore(url, { schema })
    opened.push(store)
    return store
  }
  beforeAll(async () => {
    url = (await freshDatabase('replicas')).passwordUrl
  })
  beforeEach(() => {
    tests += 1
    schema = `replicas_${tests}`
  })
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()))
  })

  test('workers of two replicas claim disjoint events, one in flight per subject, each subject in arrival order', async () => {
    const [a, b] = [await open(), await open()]
    const inputs: EnqueueInput[] = []
    for (let n = 0; n < 240; n += 1) inputs.push(event(`e${n}`, n % 4 === 0 ? null : `call:${n % 12}`))
    // Enqueued from both replicas, interleaved, as a load balancer would spread the webhooks.
    for (let n = 0; n < inputs.length; n += 40) {
      await Promise.all([a.queue.enqueueAll(inputs.slice(n, n + 20)), b.queue.enqueueAll(inputs.slice(n + 20, n + 40))])
    }
    const inFlight = new Set<string>()
    const claimedBy = new Map<number, string>()
    const order = new Map<string, number[]>()
    const work = async (store: AsyncStateStore, name: string): Promise<void> => {
      for (let idle = 0; idle < 3;) {
        const claimed: QueuedEvent[] = await store.queue.claim(5, 0, 60_000)
        if (claimed.length === 0) {
          idle += 1
          await new Promise((resolve) => setImmediate(resolve))
          continue
        }
        idle = 0
        for (const { id, subject } of claimed) {
          expect(claimedBy.get(id), `event ${id} claimed twice`).toBeUndefined()
          claimedBy.set(id, name)
          if (subject === null) continue
          expect(inFlight.has(subject), `two events of ${subject} in flight`).toBe(false)
          inFlight.add(subject)
          order.set(subject, [...(order.get(subject) ?? []), id])
        }
        // Held a while, so the other workers claim meanwhile; out of the set before the completion commits, since
        // another claim of the subject may follow it at once.
        for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve))
        for (const { subject } of claimed) if (subject !== null) inFlight.delete(subject)
        await store.queue.complete(claimed.map((e) => e.id))
      }
    }
    await Promise.all([work(a, 'a'), work(b, 'b'), work(a, 'a2'), work(b, 'b2')])
    expect(claimedBy.size).toBe(inputs.length)
    expect(new Set(claimedBy.values()).size).toBeGreaterThan(1)
    for (const ids of order.values()) expect(ids).toEqual([...ids].sort((x, y) => x - y))
    expect(await a.queue.counts()).toEqual({ queued: 0, processing: 0, done: inputs.length, dead: 0 })
  })

  test('batches that share identities, in opposite orders, store each once and agree on its id', async () => {
    const [a, b] = [await open(), await open()]
    const identities = Array.from({ length: 200 }, (_, n) => `shared-${n}`)
    const rounds = await Promise.all(
      [a, b, a, b].map((store, n) =>
        store.queue.enqueueAll((n % 2 === 0 ? identities : [...identities].reverse()).map((i) => event(i, null))),
      ),
    )
    const ids = new Map<string, Set<number>>()
    const stored = new Map<string, number>()
    rounds.forEach((results, n) => {
      const order = n % 2 === 0 ? identities : [...identities].reverse()
      results.forEach((result, index) => {
        const identity = order[index] ?? ''
        ids.set(identity, (ids.get(identity) ?? new Set()).add(result.id))
        if (!result.duplicate) stored.set(identity, (stored.get(identity) ?? 0) + 1)
      })
    })
    expect([...stored.values()].every((count) => count === 1)).toBe(true)
    expect(stored.size).toBe(identities.length)
    expect([...ids.values()].every((set) => set.size === 1)).toBe(true)
    expect(await a.queue.counts()).toMatchObject({ queued: identities.length })
  })

  test('ledger claims of one step from many owners on two replicas grant it once', async () => {
    const [a, b] = [await open(), await open()]
    const keys = ['call:1:conversation', 'call:2:conversation', 'contact:+33612345678:create']
    const claims = await Promise.all(
      keys.flatMap((key) =>
        Array.from({ length: 12 }, (_, n) =>
          (n % 2 === 0 ? a : b).ledger.claim(key, { owner: `owner-${n}`, leaseMs: 60_000 }).then((claim) => ({
            key,
            claim,
          })),
        ),
      ),
    )
    for (const key of keys) {
      const statuses = claims.filter((c) => c.key === key).map((c) => c.claim.status)
      expect(statuses.filter((s) => s === 'claimed')).toHaveLength(1)
      expect(statuses.filter((s) => s === 'held')).toHaveLength(11)
      expect(await a.ledger.get(key)).toMatchObject({ status: 'pending', attempts: 1 })
    }
  })

  test('iterate reads the index a page at a time, in contact id order', async () => {
    const store = await open()
    const contacts: IndexedContact[] = Array.from({ length: 2_345 }, (_, n) => ({
      contactId: `c${String(n).padStart(5, '0')}`,
      role: 'user',
      name: null,
      email: null,
      phoneRaw: null,
      phoneE164: null,
      createdAt: 1,
      updatedAt: 2,
      lastSeenAt: null,
      origin: 'refresh',
      indexedAt: 3,
    }))
    await store.contacts.upsert([...contacts].reverse())
    const pool = new pg.Pool({ connectionString: url, max: 1 })
    const pages: number[] = []
    const db: PgQueryable = {
      query: async (text, values) => {
        const result = await pool.query(text, values as unknown[] | undefined)
        pages.push(result.rows.length)
        return result as never
      },
    }
    try {
      const index = new PgContactIndex({
        db,
        schema: `"${schema}"`,
        now: Date.now,
        owner: 'test',
        isOwnerGone: () => false,
      })
      const seen: string[] = []
      for await (const contact of index.iterate()) seen.push(contact.contactId)
      expect(seen).toEqual(contacts.map((c) => c.contactId))
      expect(pages.length).toBeGreaterThan(2)
      expect(Math.max(...pages)).toBeLessThan(contacts.length)
    } finally {
      await pool.end()
    }
  })
})
