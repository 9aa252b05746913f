import { describe, expect, it } from 'vitest'

import { IntercomRateGate } from '../../src/intercom/rate-gate.js'
import { ManualClock, headers } from '../http/helpers.js'

async function admit(gate: { acquire(): Promise<() => void> }, n: number): Promise<void> {
  for (let i = 0; i < n; i++) (await gate.acquire())()
}

describe('IntercomRateGate.budget()', () => {
  it('before any request: the configured window, whole, with no window open yet', () => {
    const clock = new ManualClock(1_700_000_000_000)
    const gate = new IntercomRateGate({ perMinute: 600, clock, sleep: clock.sleep })
    expect(gate.budget()).toEqual({ limit: 100, remaining: 100, resetsAt: null, pausedUntil: null, windowMs: 10_000 })
  })

  it("counts the gate's own window until the server reports one", async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const gate = new IntercomRateGate({ perMinute: 600, clock, sleep: clock.sleep })
    await admit(gate, 3)
    expect(gate.budget()).toMatchObject({ limit: 100, remaining: 97, resetsAt: 1_700_000_010_000 })
    // The window ran out while idle: a new one opens with the next request, whole.
    clock.advance(10_000)
    expect(gate.budget()).toMatchObject({ remaining: 100, resetsAt: null })
  })

  it('follows the X-RateLimit headers last seen, and keeps the server window alignment when idle', async () => {
    const clock = new ManualClock(1_700_000_003_000)
    const gate = new IntercomRateGate({ perMinute: 600, clock, sleep: clock.sleep })
    const release = await gate.acquire()
    gate.observe(
      200,
      headers({ 'x-ratelimit-limit': 83, 'x-ratelimit-remaining': 7, 'x-ratelimit-reset': 1_700_000_010 }),
    )
    release()
    expect(gate.budget()).toEqual({
      limit: 83,
      remaining: 7,
      resetsAt: 1_700_000_010_000,
      pausedUntil: null,
      windowMs: 10_000,
    })
    // 25 s later: the server's windows end at :10, :20, :30 … so the current one ends at :30.
    clock.advance(25_000)
    expect(gate.budget()).toMatchObject({ limit: 83, remaining: 83, resetsAt: 1_700_000_030_000 })
  })

  it('while paused by a 429: nothing left and the pause end, which lapses on its own', async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const gate = new IntercomRateGate({ perMinute: 600, clock, sleep: clock.sleep })
    const release = await gate.acquire()
    gate.observe(
      429,
      headers({ 'x-ratelimit-limit': 100, 'x-ratelimit-remaining': 0, 'x-ratelimit-reset': 1_700_000_007 }),
    )
    release()
    expect(gate.budget()).toEqual({
      limit: 100,
      remaining: 0,
      resetsAt: 1_700_000_007_000,
      pausedUntil: 1_700_000_007_000,
      windowMs: 10_000,
    })
    clock.advance(7_000)
    expect(gate.budget()).toMatchObject({ remaining: 100, pausedUntil: null })
  })

  it('reading the budget changes nothing the gate admits', async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const gate = new IntercomRateGate({ perMinute: 60, clock, sleep: clock.sleep })
    for (let i = 0; i < 10; i++) {
      gate.budget()
      await admit(gate, 1)
    }
    expect(clock.now()).toBe(1_700_000_000_000)
    expect(gate.budget()).toMatchObject({ remaining: 0, resetsAt: 1_700_000_010_000 })
    await admit(gate, 1)
    expect(clock.now()).toBe(1_700_000_010_000)
  })
})
