import { describe, expect, it } from 'vitest'

import { AIRCALL_RATE_HEADER_SETS, AircallRateGate } from '../../src/aircall/rate-gate.js'
import { retryHintsFromHeaders } from '../../src/http/retry-policy.js'
import { ManualClock, headers } from '../http/helpers.js'

async function admit(gate: { acquire(): Promise<() => void> }, n: number): Promise<void> {
  for (let i = 0; i < n; i++) (await gate.acquire())()
}

describe('429 pauses: one per burst, as long as announced', () => {
  it('a burst of 429s from requests admitted together pauses once, to the first one’s reset', async () => {
    const clock = new ManualClock(1_700_000_001_000)
    const gate = new AircallRateGate({ perMinute: 120, clock, sleep: clock.sleep })
    const burst = await Promise.all([gate.acquire(), gate.acquire(), gate.acquire()])
    // Each 429 of Aircall's fault injection announces "now + 60 s", a little later each time.
    for (const release of burst) {
      gate.observe(
        429,
        headers({ 'x-aircallapi-remaining': 0, 'x-aircallapi-reset': clock.now() / 1000 + 60 }),
        release.admission,
      )
      clock.advance(400)
      release()
    }
    expect(gate.stats()).toMatchObject({ rateLimited: 3, pauses: 1, pausedMs: 60_000, pausedUntil: 1_700_000_061_000 })
  })
})

describe('AircallRateGate', () => {
  it('admits at most perMinute requests in any 60 s, with a 600 ms margin for their arrival', async () => {
    const clock = new ManualClock()
    const gate = new AircallRateGate({ perMinute: 60, clock, sleep: clock.sleep })
    const start = clock.now()
    await admit(gate, 60)
    expect(clock.now()).toBe(start)
    await admit(gate, 1)
    expect(clock.now()).toBe(start + 60_600)
    await admit(gate, 59)
    expect(clock.now()).toBe(start + 60_600)
    expect(gate.stats()).toMatchObject({ requests: 120, rateLimited: 0 })
  })

  it('does not depend on headers of healthy responses', async () => {
    const clock = new ManualClock()
    const gate = new AircallRateGate({ perMinute: 2, clock, sleep: clock.sleep })
    const r = await gate.acquire()
    gate.observe(200, headers({ 'x-ratelimit-remaining': 1000, 'x-ratelimit-reset': 1 }))
    r()
    await admit(gate, 1)
    const before = clock.now()
    await admit(gate, 1)
    expect(clock.now()).toBe(before + 60_600)
  })

  it('pauses until X-AircallApi-Reset after a 429 and adopts a lower limit', async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const gate = new AircallRateGate({ perMinute: 120, clock, sleep: clock.sleep })
    const r = await gate.acquire()
    gate.observe(
      429,
      headers({ 'x-aircallapi-limit': 60, 'x-aircallapi-remaining': 0, 'x-aircallapi-reset': 1_700_000_045 }),
    )
    r()
    await admit(gate, 1)
    expect(clock.now()).toBe(1_700_000_045_000)
    expect(gate.stats().rateLimited).toBe(1)
    // The limit is now 60, of which 2 are used within the last minute.
    await admit(gate, 58)
    const t = clock.now()
    await admit(gate, 1)
    expect(clock.now()).toBeGreaterThan(t)
  })

  it('pauses 60 s after a 429 without a reset header', async () => {
    const clock = new ManualClock()
    const gate = new AircallRateGate({ clock, sleep: clock.sleep })
    const r = await gate.acquire()
    gate.observe(429, new Headers())
    r()
    const t = clock.now()
    await admit(gate, 1)
    expect(clock.now()).toBe(t + 60_000)
  })

  it('refuses a budget above 120 per minute', () => {
    expect(() => new AircallRateGate({ perMinute: 121 })).toThrow(RangeError)
    expect(() => new AircallRateGate({ perMinute: 0 })).toThrow(RangeError)
  })
})

describe('AIRCALL_RATE_HEADER_SETS', () => {
  const NOW = 1_700_000_000_000
  it('takes X-AircallApi-Reset when X-RateLimit-Reset is absent', () => {
    const h = new Headers({ 'x-aircallapi-reset': '1700000060', 'retry-after': '2' })
    expect(retryHintsFromHeaders(h, NOW, AIRCALL_RATE_HEADER_SETS)).toEqual({
      retryAfterMs: 2_000,
      resetAt: 1_700_000_060_000,
    })
  })
  it('asks for no wait until the reset when X-AircallApi-Remaining says requests are left', () => {
    const h = new Headers({ 'x-aircallapi-remaining': '4', 'x-aircallapi-reset': '1700000060' })
    expect(retryHintsFromHeaders(h, NOW, AIRCALL_RATE_HEADER_SETS).resetAt).toBeUndefined()
  })
})
