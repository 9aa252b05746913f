import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { openPostgresStore } from '../../src/store/postgres/index.js'
import type { PgStateStore } from '../../src/store/postgres/state-store.js'
import type { BudgetTake } from '../../src/store/shared-budgets.js'
import { freshDatabase } from '../helpers/postgres.js'
import { withClient } from '../helpers/postgres-server.js'

// The budgets every process on one database draws from: several stores, each with its own pool as a replica
// would have, taking from one row at once.

const T0 = 1_767_225_600_000
const W = 10_000
const KEY = 'intercom:0123456789abcdef'

const fixed = (now: number, want: number, limit = 300): BudgetTake => ({ now, limit, windowMs: W, want })

describe('PostgreSQL shared budgets', () => {
  let url = ''
  let schema = ''
  let tests = 0
  const opened: PgStateStore[] = []
  const open = async (): Promise<PgStateStore> => {
    const store = (await openPostgresStore(url, { schema, poolSize: 6 })) as PgStateStore
    opened.push(store)
    return store
  }
  beforeAll(async () => {
    url = (await freshDatabase('budgets')).passwordUrl
  })
  beforeEach(() => {
    tests += 1
    schema = `budgets_${tests}`
  })
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()))
  })

  test('concurrent takes from three stores never grant more than the limit in a window, and use all of it', async () => {
    const stores = [await open(), await open(), await open()]
    const a = stores[0]!
    // The window starts at T0: every take below falls in the first window or the second.
    await a.sharedBudgets.take(KEY, fixed(T0, 0))
    const round = async (now: number): Promise<number[]> => {
      const takes = Array.from({ length: 300 }, (_, i) =>
        stores[i % 3]!.sharedBudgets.take(KEY, fixed(now + (i % 7), 1 + (i % 5))),
      )
      const grants = await Promise.all(takes)
      grants.forEach((grant, i) => expect(grant.granted).toBeLessThanOrEqual(1 + (i % 5)))
      return grants.map((grant) => grant.granted)
    }
    // 300 takes of 1 to 5 ask for 900 of the window's 300: exactly 300 granted.
    const first = await round(T0)
    expect(first.reduce((sum, n) => sum + n, 0)).toBe(300)
    const second = await round(T0 + W)
    expect(second.reduce((sum, n) => sum + n, 0)).toBe(300)
    const last = await a.sharedBudgets.take(KEY, fixed(T0 + W + 100, 1))
    expect(last).toEqual({ granted: 0, waitMs: W - 100, expiresAt: T0 + 2 * W, remaining: 0, pausedUntil: 0 })
  })

  test('a grant lasts to the end of its window; a new window refills, on the same boundaries after idle windows', async () => {
    const store = await open()
    expect(await store.sharedBudgets.take(KEY, fixed(T0, 5, 10))).toEqual({
      granted: 5,
      waitMs: 0,
      expiresAt: T0 + W,
      remaining: 5,
      pausedUntil: 0,
    })
    expect((await store.sharedBudgets.take(KEY, fixed(T0 + 1_000, 8, 10))).granted).toBe(5)
    expect((await store.sharedBudgets.take(KEY, fixed(T0 + 2_000, 1, 10))).waitMs).toBe(W - 2_000)
    // Three and a half windows later: the window of T0 + 3W, whole again.
    expect(await store.sharedBudgets.take(KEY, fixed(T0 + 3.5 * W, 4, 10))).toMatchObject({
      granted: 4,
      expiresAt: T0 + 4 * W,
      remaining: 6,
    })
  })

  test('headers seen by any store lower what is left, and move the window to the server’s', async () => {
    const [a, b] = [await open(), await open()]
    await a.sharedBudgets.take(KEY, fixed(T0 + 3_000, 10, 100))
    // The server's window ends at T0 + 10 s (not T0 + 13 s, ours so far) and has 20 left: b hears it.
    await b.sharedBudgets.observe(KEY, { now: T0 + 3_100, remaining: 20, resetAt: T0 + W })
    expect(await a.sharedBudgets.take(KEY, fixed(T0 + 3_200, 50, 100))).toMatchObject({
      granted: 20,
      expiresAt: T0 + W,
      remaining: 0,
    })
    // A late response of that window changes nothing; the window after it is the server's.
    await b.sharedBudgets.observe(KEY, { now: T0 + 3_300, remaining: 60, resetAt: T0 + W })
    expect((await a.sharedBudgets.take(KEY, fixed(T0 + 3_400, 1, 100))).granted).toBe(0)
    expect(await b.sharedBudgets.take(KEY, fixed(T0 + W, 1, 100))).toMatchObject({ granted: 1, expiresAt: T0 + 2 * W })
    // Headers riding on a take: a reset already past is ignored, a later one lowers what is left.
    const seen = { remaining: 7, resetAt: T0 + 2 * W }
    expect(await a.sharedBudgets.take(KEY, { ...fixed(T0 + W + 10, 3, 100), seen })).toMatchObject({
      granted: 3,
      remaining: 4,
    })
    const past = { remaining: 0, resetAt: T0 + W }
    expect((await a.sharedBudgets.take(KEY, { ...fixed(T0 + W + 20, 1, 100), seen: past })).granted).toBe(1)
  })

  test('once synced, a reset of an earlier window is ignored; a later one is adopted with the server’s count', async () => {
    const store = await open()
    await store.sharedBudgets.observe(KEY, { now: T0, remaining: 50, resetAt: T0 + W })
    await store.sharedBudgets.observe(KEY, { now: T0 + 100, remaining: 0, resetAt: T0 + W - 5_000 })
    expect(await store.sharedBudgets.take(KEY, fixed(T0 + 200, 10, 100))).toMatchObject({
      granted: 10,
      expiresAt: T0 + W,
      remaining: 40,
    })
    // The server is in a later window than ours (our clock lags): its window and its count win.
    await store.sharedBudgets.observe(KEY, { now: T0 + 300, remaining: 90, resetAt: T0 + W + 4_000 })
    expect(await store.sharedBudgets.take(KEY, fixed(T0 + 400, 1, 100))).toMatchObject({
      expiresAt: T0 + W + 4_000,
      remaining: 89,
    })
  })

  test("a 429's pause written by one store holds the other's takes until it ends", async () => {
    const [a, b] = [await open(), await open()]
    await b.sharedBudgets.take(KEY, fixed(T0, 1, 100))
    await a.sharedBudgets.pause(KEY, { now: T0 + 1_000, until: T0 + W })
    await a.sharedBudgets.pause(KEY, { now: T0 + 1_100, until: T0 + 4_000 })
    expect(await b.sharedBudgets.take(KEY, fixed(T0 + 2_000, 5, 100))).toEqual({
      granted: 0,
      waitMs: W - 2_000,
      expiresAt: T0 + W,
      remaining: 0,
      pausedUntil: T0 + W,
    })
    expect(await b.sharedBudgets.take(KEY, fixed(T0 + W, 5, 100))).toMatchObject({ granted: 5, pausedUntil: 0 })
    // A pause on a budget nobody took from yet: the first take waits for it, then starts a window at its end.
    await a.sharedBudgets.pause('aircall:fedcba9876543210', { now: T0, until: T0 + 60_000 })
    const aircall = { now: T0 + 1_000, limit: 60, windowMs: 60_600, want: 1, sliding: true }
    expect(await b.sharedBudgets.take('aircall:fedcba9876543210', aircall)).toMatchObject({
      granted: 0,
      waitMs: 59_000,
    })
  })

  test('a sliding window grants at most the limit in any window, across stores', async () => {
    const [a, b] = [await open(), await open()]
    const key = 'aircall:fedcba9876543210'
    const take = (store: PgStateStore, now: number, want = 1): ReturnType<PgStateStore['sharedBudgets']['take']> =>
      store.sharedBudgets.take(key, { now, limit: 50, windowMs: 60_000, want, sliding: true })
    const granted = async (now: number): Promise<number> =>
      (await Promise.all(Array.from({ length: 60 }, (_, i) => take(i % 2 ? a : b, now + i)))).reduce(
        (sum, grant) => sum + grant.granted,
        0,
      )
    expect(await granted(T0)).toBe(50)
    // Half a minute on, nothing has aged out: the oldest grant frees a unit at its time + 60 s.
    expect(await take(a, T0 + 30_000)).toMatchObject({ granted: 0, remaining: 0, expiresAt: T0 + 30_000 })
    const wait = (await take(b, T0 + 30_000)).waitMs
    expect(wait).toBeGreaterThanOrEqual(30_000)
    expect(wait).toBeLessThan(30_060)
    expect(await granted(T0 + 61_000)).toBe(50)
    expect((await take(a, T0 + 200_000, 3)).granted).toBe(3)
  })

  test('a take goes through the pool: it outlives a transaction it was made in, and never waits on it', async () => {
    const [a, b] = [await open(), await open()]
    await expect(
      a.transaction(async () => {
        expect((await a.sharedBudgets.take(KEY, fixed(T0, 4, 10))).granted).toBe(4)
        expect((await b.sharedBudgets.take(KEY, fixed(T0, 4, 10))).granted).toBe(4)
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    expect(await a.sharedBudgets.take(KEY, fixed(T0, 4, 10))).toMatchObject({ granted: 2, remaining: 0 })
  })

  test('a store at schema version 1 is migrated to 2, its rows kept', async () => {
    const store = await open()
    await store.marks.set('kept', 1)
    await store.sharedBudgets.take(KEY, fixed(T0, 1))
    await withClient(url, async (client) => {
      await client.query(`drop table ${schema}.budgets`)
      await client.query(`delete from ${schema}.schema_migrations where version = 2`)
    })
    expect(await store.integrityProblems()).toEqual([
      `table ${schema}.budgets is missing`,
      'schema_migrations stops at version 1 of 2',
    ])
    const again = await open()
    expect(await again.schemaVersions()).toEqual({ current: 2, latest: 2 })
    expect(await again.integrityProblems()).toEqual([])
    expect(await again.marks.get('kept')).toBe(1)
    expect((await again.sharedBudgets.take(KEY, fixed(T0, 1))).remaining).toBe(299)
  })
})
