import { describe, expect, it } from 'vitest'

import { AircallRateGate } from '../../src/aircall/rate-gate.js'
import type { RateGate } from '../../src/http/rate-gate.js'
import {
  type SharedBudget,
  type SharedGrant,
  SharedRateGate,
  type SharedRateGateOptions,
  type SharedTake,
  budgetKey,
} from '../../src/http/shared-rate-gate.js'
import type { Clock, Sleep } from '../../src/http/types.js'
import { IntercomRateGate } from '../../src/intercom/rate-gate.js'
import { ManualClock, SharedClock, headers } from './helpers.js'

const W = 10_000
const KEY = 'intercom:0123456789abcdef'

interface Row {
  windowEnd: number
  remaining: number
  pausedUntil: number
  stamps: number[]
}

/**
 * The shared budget in memory, as the PostgreSQL one counts (test/store/postgres-budgets.test.ts holds that one to
 * the same rules): fixed windows rolled on from the first, headers lowering what is left, pauses, sliding stamps.
 */
class MemoryBudget implements SharedBudget {
  readonly rows = new Map<string, Row>()
  readonly takes: SharedTake[] = []
  readonly pauses: Array<{ now: number; until: number }> = []
  failure: Error | null = null
  hang = false

  async take(key: string, r: SharedTake): Promise<SharedGrant> {
    this.takes.push(r)
    await Promise.resolve()
    if (this.failure) throw this.failure
    if (this.hang) return new Promise<never>(() => undefined)
    let row = this.rows.get(key)
    if (!row) {
      row = { windowEnd: r.now + r.windowMs, remaining: r.limit, pausedUntil: 0, stamps: [] }
      this.rows.set(key, row)
    }
    const paused = row.pausedUntil > r.now
    if (r.sliding) {
      row.stamps = row.stamps.filter((s) => s > r.now - r.windowMs)
      const granted = paused ? 0 : Math.max(0, Math.min(r.want, r.limit - row.stamps.length))
      for (let i = 0; i < granted; i++) row.stamps.push(r.now)
      const frees = row.stamps.length >= r.limit ? row.stamps[row.stamps.length - r.limit] : undefined
      const waitMs = granted > 0 ? 0 : paused ? row.pausedUntil - r.now : frees! + r.windowMs - r.now
      return {
        granted,
        waitMs,
        expiresAt: r.now,
        remaining: r.limit - row.stamps.length,
        pausedUntil: paused ? row.pausedUntil : 0,
      }
    }
    if (r.seen && r.seen.resetAt > r.now && Math.abs(r.seen.resetAt - row.windowEnd) <= 1_000) {
      row.remaining = Math.min(row.remaining, r.seen.remaining)
    }
    if (row.windowEnd <= r.now) {
      row.windowEnd += (Math.floor((r.now - row.windowEnd) / r.windowMs) + 1) * r.windowMs
      row.remaining = r.limit
    }
    const granted = paused ? 0 : Math.max(0, Math.min(r.want, row.remaining))
    row.remaining -= granted
    const waitMs = granted > 0 ? 0 : paused ? row.pausedUntil - r.now : row.windowEnd - r.now
    return {
      granted,
      waitMs,
      expiresAt: row.windowEnd,
      remaining: row.remaining,
      pausedUntil: paused ? row.pausedUntil : 0,
    }
  }

  pause(key: string, pause: { now: number; until: number }): Promise<void> {
    this.pauses.push(pause)
    if (this.failure) return Promise.reject(this.failure)
    const row = this.rows.get(key) ?? { windowEnd: pause.until, remaining: 0, pausedUntil: 0, stamps: [] }
    row.pausedUntil = Math.max(row.pausedUntil, pause.until)
    row.remaining = 0
    this.rows.set(key, row)
    return Promise.resolve()
  }
}

const intercomGate = (clock: Clock & { sleep: Sleep }, concurrency = 4): IntercomRateGate =>
  new IntercomRateGate({ perMinute: 600, concurrency, clock, sleep: clock.sleep })

const shared = (
  local: RateGate,
  budget: SharedBudget,
  clock: Clock & { sleep: Sleep },
  options: Partial<SharedRateGateOptions> = {},
): SharedRateGate => new SharedRateGate({ local, budget, key: KEY, clock, sleep: clock.sleep, ...options })

/** `workers` loops sending requests through the gate until `until` (virtual time), recording each admission's time. */
async function drive(gate: RateGate, clock: Clock, until: number, workers: number, admitted: number[]): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (clock.now() < until) {
        const release = await gate.acquire()
        admitted.push(clock.now())
        await new Promise<void>((resolve) => setImmediate(resolve))
        release()
      }
    }),
  )
}

const perWindow = (times: number[], start: number): number[] => {
  const counts: number[] = []
  for (const t of times) {
    const i = Math.floor((t - start) / W)
    counts[i] = (counts[i] ?? 0) + 1
  }
  return Array.from(counts, (c) => c ?? 0)
}

describe('SharedRateGate', () => {
  it('two gates on one budget admit at most the limit per window together, and use all of it', async () => {
    const clock = new SharedClock(1_700_000_000_000)
    const budget = new MemoryBudget()
    const start = clock.now()
    const a = shared(intercomGate(clock), budget, clock)
    const b = shared(intercomGate(clock), budget, clock)
    const admitted: number[] = []
    const until = start + 5 * W
    await Promise.all([drive(a, clock, until, 4, admitted), drive(b, clock, until, 4, admitted)])
    // 100 a window for both, each window used in full (the admissions at the deadline open a sixth).
    expect(perWindow(admitted, start).slice(0, 5)).toEqual([100, 100, 100, 100, 100])
    expect(a.sharedStats().fallbacks + b.sharedStats().fallbacks).toBe(0)
    // Both drew from it: neither starved the other.
    expect(Math.min(a.stats().requests, b.stats().requests)).toBeGreaterThan(150)
  })

  it('without the shared budget the same two processes send twice the limit (the control)', async () => {
    const clock = new SharedClock(1_700_000_000_000)
    const start = clock.now()
    const admitted: number[] = []
    await Promise.all([
      drive(intercomGate(clock), clock, start + W, 4, admitted),
      drive(intercomGate(clock), clock, start + W, 4, admitted),
    ])
    expect(perWindow(admitted, start)[0]).toBe(200)
  })

  it('leases in batches that grow while they are spent, so most requests cost no round trip', async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const budget = new MemoryBudget()
    const gate = shared(new IntercomRateGate({ perMinute: 60_000, clock, sleep: clock.sleep }), budget, clock)
    for (let i = 0; i < 200; i++) (await gate.acquire())()
    // A lease is at most a twentieth of the window's 10,000, and 32: 1, 2, 4, 8, 16, 32, 32…
    expect(budget.takes.map((t) => t.want).slice(0, 7)).toEqual([1, 2, 4, 8, 16, 32, 32])
    expect(budget.takes.length).toBeLessThanOrEqual(11)
    expect(gate.sharedStats().granted - gate.sharedStats().leased).toBe(200)
  })

  it('asks for as many units as requests wait, up to maxLease', async () => {
    const clock = new SharedClock(1_700_000_000_000)
    const budget = new MemoryBudget()
    const gate = shared(intercomGate(clock, 8), budget, clock, { maxLease: 5 })
    await drive(gate, clock, clock.now() + 1, 8, [])
    // The first take is the first request's alone; the seven behind it ask for a lease of five.
    expect(budget.takes.map((t) => t.want).slice(0, 2)).toEqual([1, 5])
    expect(Math.max(...budget.takes.map((t) => t.want))).toBe(5)
  })

  it('units left when the window ends are lost, never spent in the next window', async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const budget = new MemoryBudget()
    const gate = shared(intercomGate(clock), budget, clock)
    for (let i = 0; i < 8; i++) (await gate.acquire())()
    const leased = gate.sharedStats().leased
    expect(leased).toBeGreaterThan(0)
    clock.advance(W)
    ;(await gate.acquire())()
    expect(gate.sharedStats().expired).toBe(leased)
    // The new window's take was made at its time, and its lease is the one spent.
    expect(budget.takes.at(-1)!.now).toBe(1_700_000_000_000 + W)
    expect(budget.rows.get(KEY)!.windowEnd).toBe(1_700_000_000_000 + 2 * W)
  })

  it('sends the headers a response carried with the next take: the other process finds the budget lower', async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const budget = new MemoryBudget()
    const a = shared(intercomGate(clock), budget, clock)
    const b = shared(intercomGate(clock), budget, clock)
    const release = await a.acquire()
    // Something outside this database spends the app's budget too: the server has 3 left in its window, to :10.
    a.observe(200, headers({ 'x-ratelimit-remaining': 3, 'x-ratelimit-reset': 1_700_000_010 }), release.admission)
    release()
    ;(await a.acquire())()
    expect(budget.takes.at(-1)!.seen).toEqual({ remaining: 3, resetAt: 1_700_000_010_000 })
    expect(budget.rows.get(KEY)!.remaining).toBe(1)
    ;(await b.acquire())()
    expect(clock.now()).toBe(1_700_000_000_000)
    ;(await b.acquire())()
    expect(clock.now()).toBe(1_700_000_010_000)
  })

  it('drops leased units once the server says its window is spent', async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const budget = new MemoryBudget()
    const gate = shared(intercomGate(clock), budget, clock)
    for (let i = 0; i < 4; i++) (await gate.acquire())()
    expect(gate.sharedStats().leased).toBe(3)
    const release = await gate.acquire()
    gate.observe(200, headers({ 'x-ratelimit-remaining': 0, 'x-ratelimit-reset': 1_700_000_010 }), release.admission)
    release()
    expect(gate.sharedStats()).toMatchObject({ leased: 0, expired: 2 })
  })

  it("shares a 429's pause: the other process waits for it too", async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const budget = new MemoryBudget()
    const a = shared(intercomGate(clock), budget, clock)
    const b = shared(intercomGate(clock), budget, clock)
    ;(await b.acquire())()
    const release = await a.acquire()
    a.observe(429, headers({ 'x-ratelimit-remaining': 0, 'x-ratelimit-reset': 1_700_000_007 }), release.admission)
    release()
    await a.settled()
    expect(budget.pauses).toEqual([{ now: 1_700_000_000_000, until: 1_700_000_007_000 }])
    // b's lease was of one unit, spent: its next request asks the budget and waits out a's pause.
    ;(await b.acquire())()
    expect(clock.now()).toBeGreaterThanOrEqual(1_700_000_007_000)
    expect(b.sharedStats().waits).toBeGreaterThan(0)
    expect(b.stats().waits).toBeGreaterThan(0)
  })

  it('a failing database does not fail the request: the local gate admits alone for a while, counted', async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const budget = new MemoryBudget()
    budget.failure = new Error('connect ECONNREFUSED 127.0.0.1:5432')
    const failures: unknown[] = []
    const gate = shared(intercomGate(clock), budget, clock, {
      retryAfterFailureMs: 5_000,
      onFailure: (e) => failures.push(e),
    })
    for (let i = 0; i < 3; i++) (await gate.acquire())()
    expect(gate.sharedStats()).toMatchObject({ fallbacks: 3, failures: 1, takes: 0 })
    expect(budget.takes).toHaveLength(1)
    expect(failures).toEqual([budget.failure])
    // A 429's pause that cannot be written is counted, not thrown.
    const release = await gate.acquire()
    gate.observe(429, headers({ 'x-ratelimit-remaining': 0, 'x-ratelimit-reset': 1_700_000_001 }), release.admission)
    release()
    await gate.settled()
    expect(gate.sharedStats().failures).toBe(2)
    // Once the database is back and the wait is over, the budget is asked again.
    budget.failure = null
    clock.advance(5_000)
    ;(await gate.acquire())()
    expect(gate.sharedStats()).toMatchObject({ takes: 1, fallbacks: 4 })
  })

  it('a take that never answers times out and falls back', async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const budget = new MemoryBudget()
    budget.hang = true
    const gate = shared(intercomGate(clock), budget, clock, { timeoutMs: 1 })
    ;(await gate.acquire())()
    expect(gate.sharedStats()).toMatchObject({ fallbacks: 1, failures: 1 })
  })

  it('an aborted wait for the budget gives the local slot back', async () => {
    const clock = new SharedClock(1_700_000_000_000)
    const budget = new MemoryBudget()
    const local = new IntercomRateGate({ perMinute: 6, concurrency: 1, clock, sleep: clock.sleep })
    const gate = shared(local, budget, clock)
    ;(await gate.acquire())()
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(gate.acquire(controller.signal)).rejects.toThrow('stop')
    expect(local.stats().inFlight).toBe(0)
  })

  it('a sliding window (Aircall) never admits more than the limit in any minute across processes', async () => {
    const clock = new SharedClock(1_700_000_000_000)
    const budget = new MemoryBudget()
    const options = { sliding: true, windowMs: AircallRateGate.WINDOW_MS }
    const aircall = (): AircallRateGate => new AircallRateGate({ perMinute: 10, clock, sleep: clock.sleep })
    const a = shared(aircall(), budget, clock, options)
    const b = shared(aircall(), budget, clock, options)
    const admitted: number[] = []
    await Promise.all([drive(a, clock, 20, 2, admitted), drive(b, clock, 20, 2, admitted)])
    admitted.sort((x, y) => x - y)
    for (let i = 10; i < admitted.length; i++) {
      expect(admitted[i]! - admitted[i - 10]!).toBeGreaterThanOrEqual(AircallRateGate.WINDOW_MS)
    }
    expect(budget.takes.every((t) => t.sliding === true && t.seen === undefined)).toBe(true)
  })
})

describe('budgetKey', () => {
  it('names the API and a digest of the credential, never the credential', () => {
    const key = budgetKey('intercom', 'dG9rOmFiYzEyMw==')
    expect(key).toMatch(/^intercom:[0-9a-f]{16}$/)
    expect(key).not.toContain('dG9rOmFiYzEyMw')
    expect(budgetKey('intercom', 'dG9rOmFiYzEyMw==')).toBe(key)
    expect(budgetKey('intercom', 'other')).not.toBe(key)
    expect(budgetKey('aircall', 'dG9rOmFiYzEyMw==').slice(8)).not.toBe(key.slice(9))
    expect(() => budgetKey('Intercom App', 'x')).toThrow(RangeError)
    expect(() => budgetKey('aircall', '')).toThrow(RangeError)
  })
})
