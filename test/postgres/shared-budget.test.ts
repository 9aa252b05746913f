import { afterEach, beforeAll, describe, expect, it } from 'vitest'

import { type IntercomEmulator, startIntercomEmulator } from '@aircall-intercom/emulators/intercom/index.js'
import type { RateGate } from '../../src/http/rate-gate.js'
import { SharedRateGate, budgetKey } from '../../src/http/shared-rate-gate.js'
import { type Clock, type Sleep, realSleep } from '../../src/http/types.js'
import { IntercomClient } from '../../src/intercom/client.js'
import { IntercomRateGate } from '../../src/intercom/rate-gate.js'
import { openPostgresStore } from '../../src/store/postgres/index.js'
import type { PgStateStore } from '../../src/store/postgres/state-store.js'
import { freshDatabase } from '../helpers/postgres.js'

// Two listener replicas and a sync, each with its own pool on one database and its own gate, sending real HTTP to
// the Intercom emulator with its rate limit on: together they stay under the app's budget and use nearly all of it.
// The emulator counts in Intercom's fixed ten-second windows; time runs ten times faster for it and for the gates
// alike, so a window lasts one real second.

const SPEED = 10
const WINDOW_MS = 10_000
/** 500 requests per window: far below what 24 concurrent requests to a local emulator could send. */
const PER_MINUTE = 3_000
const PER_WINDOW = PER_MINUTE / 6
const WINDOWS = 6
const REPLICAS = 3
const CONCURRENCY = 8
const TOKEN = 'ic-token'

/** Real time, sped up: `now` runs SPEED times faster from `origin`, and a sleep lasts 1/SPEED of its ms. */
class WarpClock implements Clock {
  private readonly realStart = performance.now()
  constructor(private readonly origin: number) {}
  now(): number {
    return Math.floor(this.origin + (performance.now() - this.realStart) * SPEED)
  }
  readonly sleep: Sleep = (ms, signal) => realSleep(ms / SPEED, signal)
}

interface Outcome {
  total: number
  rateLimited: number
  ok: number
  errors: number
  gates: RateGate[]
}

describe('shared budgets across replicas against the rate-limited Intercom emulator', () => {
  let url = ''
  let emulator: IntercomEmulator | undefined
  const stores: PgStateStore[] = []
  beforeAll(async () => {
    url = (await freshDatabase('shared-budget')).passwordUrl
  })
  afterEach(async () => {
    await emulator?.close()
    emulator = undefined
    await Promise.all(stores.splice(0).map((store) => store.close()))
  })

  /** Each replica sends `me` from CONCURRENCY loops for WINDOWS whole windows of the emulator. */
  async function run(shared: boolean): Promise<Outcome> {
    // Start half a (virtual) second before a window boundary, so the measured windows are whole ones.
    const origin = Math.ceil(Date.now() / WINDOW_MS) * WINDOW_MS + WINDOW_MS - 500
    const clock = new WarpClock(origin)
    const started = await startIntercomEmulator({
      accessToken: TOKEN,
      clientSecret: 'ic-secret',
      contract: 'off',
      rateLimitPerMinute: PER_MINUTE,
      now: () => clock.now(),
    })
    emulator = started
    const gates: RateGate[] = []
    const clients: IntercomClient[] = []
    for (let r = 0; r < REPLICAS; r++) {
      const local = new IntercomRateGate({ perMinute: PER_MINUTE, concurrency: CONCURRENCY, clock, sleep: clock.sleep })
      let gate: RateGate = local
      if (shared) {
        const store = (await openPostgresStore(url, { schema: 'budgets_e2e', poolSize: 3 })) as PgStateStore
        stores.push(store)
        gate = new SharedRateGate({
          local,
          budget: store.sharedBudgets,
          key: budgetKey('intercom', TOKEN),
          clock,
          sleep: clock.sleep,
        })
      }
      gates.push(gate)
      clients.push(
        new IntercomClient({
          accessToken: TOKEN,
          baseUrl: started.url,
          gate,
          clock,
          sleep: clock.sleep,
          random: () => 0.5,
        }),
      )
    }
    const begin = origin + 500
    const end = begin + WINDOWS * WINDOW_MS
    while (clock.now() < begin) await clock.sleep(begin - clock.now())
    let errors = 0
    await Promise.all(
      clients.flatMap((client) =>
        Array.from({ length: CONCURRENCY }, async () => {
          while (clock.now() < end) await client.me().catch(() => (errors += 1))
        }),
      ),
    )
    const counts = started.requestCounts()
    return {
      total: counts.total,
      rateLimited: counts.rateLimited,
      ok: counts.total - counts.rateLimited,
      errors,
      gates,
    }
  }

  it('two replicas and a sync on one budget: at most 0.5% 429s, and at least 90% of the budget used', async () => {
    const outcome = await run(true)
    const used = outcome.ok / (WINDOWS * PER_WINDOW)
    const limited = outcome.rateLimited / outcome.total
    const shares = outcome.gates.map((gate) => (gate as SharedRateGate).sharedStats())
    expect(outcome.errors).toBe(0)
    expect(limited).toBeLessThanOrEqual(0.005)
    expect(used).toBeGreaterThanOrEqual(0.9)
    // A few more than the windows allow: requests admitted as the last window ended are counted in the next.
    expect(outcome.ok).toBeLessThanOrEqual(WINDOWS * PER_WINDOW + REPLICAS * CONCURRENCY)
    // Leases in batches: far fewer round trips to the database than requests; no fallback to the local gate.
    const takes = shares.reduce((sum, s) => sum + s.takes, 0)
    expect(takes).toBeLessThan(outcome.total / 4)
    expect(shares.every((s) => s.fallbacks === 0 && s.failures === 0)).toBe(true)
    // Every replica got its share.
    for (const gate of outcome.gates) expect(gate.stats().requests).toBeGreaterThan(outcome.total / (REPLICAS * 3))
  }, 20_000)

  it('the control: the same three processes each on its own budget draw many 429s', async () => {
    const outcome = await run(false)
    // Each window, the three send their in-flight requests into a budget the others already spent: a burst of
    // 429s per window at least (about 3% of the requests here), where the shared budget has none.
    expect(outcome.rateLimited).toBeGreaterThanOrEqual(WINDOWS)
    expect(outcome.rateLimited / outcome.total).toBeGreaterThan(0.01)
  }, 20_000)
})
