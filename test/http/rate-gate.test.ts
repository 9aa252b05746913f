import { describe, expect, it } from 'vitest'

import { ConcurrencyGate } from '../../src/http/rate-gate.js'
import { STANDARD_RATE_HEADERS } from '../../src/http/retry-policy.js'
import { ManualClock, headers } from './helpers.js'

async function admit(gate: { acquire(): Promise<() => void> }, n: number): Promise<void> {
  for (let i = 0; i < n; i++) (await gate.acquire())()
}

const VENDOR = { limit: 'x-vendor-limit', remaining: 'x-vendor-remaining', reset: 'x-vendor-reset' }

describe('ConcurrencyGate', () => {
  it('releases a concurrency slot when a waiting acquire is aborted', async () => {
    const gate = new ConcurrencyGate({ concurrency: 1 })
    const held = await gate.acquire()
    const controller = new AbortController()
    const waiting = gate.acquire(controller.signal)
    controller.abort(new Error('stop'))
    await expect(waiting).rejects.toThrow('stop')
    held()
    const again = await gate.acquire()
    again()
    expect(gate.stats().inFlight).toBe(0)
  })

  it('pauses after a 429 until the first reset header present, in the order the header sets are given', async () => {
    const clock = new ManualClock(1_700_000_001_000)
    const gate = new ConcurrencyGate({ clock, sleep: clock.sleep, rateHeaders: [STANDARD_RATE_HEADERS, VENDOR] })
    const r = await gate.acquire()
    gate.observe(429, headers({ 'x-vendor-remaining': 0, 'x-vendor-reset': 1_700_000_030 }), r.admission)
    r()
    await admit(gate, 1)
    expect(clock.now()).toBe(1_700_000_030_000)
  })

  it('reads only the standard headers by default, and pauses 1 s for a 429 it cannot place', async () => {
    const clock = new ManualClock(1_700_000_001_000)
    const gate = new ConcurrencyGate({ clock, sleep: clock.sleep })
    const r = await gate.acquire()
    gate.observe(429, headers({ 'x-vendor-reset': 1_700_000_030 }), r.admission)
    r()
    await admit(gate, 1)
    expect(clock.now()).toBe(1_700_000_002_000)
  })

  it('does not pause for a 429 whose first header set says requests are left', async () => {
    const clock = new ManualClock(1_700_000_001_000)
    const gate = new ConcurrencyGate({ clock, sleep: clock.sleep })
    const r = await gate.acquire()
    gate.observe(429, headers({ 'x-ratelimit-remaining': 5, 'x-ratelimit-reset': 1_700_000_030 }), r.admission)
    r()
    expect(gate.stats()).toMatchObject({ rateLimited: 1, pauses: 0 })
  })
})
