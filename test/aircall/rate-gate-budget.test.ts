import { describe, expect, it } from 'vitest'

import { AircallRateGate } from '../../src/aircall/rate-gate.js'
import { ManualClock, headers } from '../http/helpers.js'

async function admit(gate: { acquire(): Promise<() => void> }, n: number): Promise<void> {
  for (let i = 0; i < n; i++) (await gate.acquire())()
}

describe('AircallRateGate.budget()', () => {
  it('counts the requests of the sliding minute (and its 600 ms margin); whole again a minute after the last', async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const gate = new AircallRateGate({ perMinute: 60, clock, sleep: clock.sleep })
    expect(gate.budget()).toEqual({ limit: 60, remaining: 60, resetsAt: null, pausedUntil: null, windowMs: 60_000 })
    await admit(gate, 2)
    clock.advance(20_000)
    await admit(gate, 3)
    expect(gate.budget()).toMatchObject({ limit: 60, remaining: 55, resetsAt: 1_700_000_080_600 })
    // The first two leave the window at 60.6 s.
    clock.advance(40_000)
    expect(gate.budget()).toMatchObject({ remaining: 55 })
    clock.advance(600)
    expect(gate.budget()).toMatchObject({ remaining: 57, resetsAt: 1_700_000_080_600 })
    clock.advance(20_000)
    expect(gate.budget()).toMatchObject({ remaining: 60, resetsAt: null })
  })

  it('after a 429: the lower limit Aircall announced, nothing left until X-AircallApi-Reset', async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const gate = new AircallRateGate({ perMinute: 120, clock, sleep: clock.sleep })
    const release = await gate.acquire()
    gate.observe(
      429,
      headers({ 'x-aircallapi-limit': 60, 'x-aircallapi-remaining': 0, 'x-aircallapi-reset': 1_700_000_045 }),
    )
    release()
    expect(gate.budget()).toEqual({
      limit: 60,
      remaining: 0,
      resetsAt: 1_700_000_060_600,
      pausedUntil: 1_700_000_045_000,
      windowMs: 60_000,
    })
    clock.advance(45_000)
    expect(gate.budget()).toMatchObject({ remaining: 59, pausedUntil: null })
  })
})
