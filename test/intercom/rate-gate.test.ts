import { describe, expect, it } from 'vitest'

import { IntercomRateGate } from '../../src/intercom/rate-gate.js'
import { ManualClock, headers } from '../http/helpers.js'

async function admit(gate: { acquire(): Promise<() => void> }, n: number): Promise<void> {
  for (let i = 0; i < n; i++) (await gate.acquire())()
}

describe('IntercomRateGate', () => {
  it('starts from perMinute ÷ 6 per 10-second window', async () => {
    const clock = new ManualClock()
    const gate = new IntercomRateGate({ perMinute: 600, clock, sleep: clock.sleep })
    const start = clock.now()
    await admit(gate, 100)
    expect(clock.now()).toBe(start)
    await admit(gate, 1)
    expect(clock.now()).toBe(start + 10_000)
    await admit(gate, 99)
    expect(clock.now()).toBe(start + 10_000)
    await admit(gate, 1)
    expect(clock.now()).toBe(start + 20_000)
    expect(gate.stats()).toMatchObject({ requests: 201, rateLimited: 0, waits: 2, waitedMs: 20_000 })
  })

  it('follows X-RateLimit-Remaining/Reset once the server reports them', async () => {
    const clock = new ManualClock(1_700_000_003_000)
    const gate = new IntercomRateGate({ perMinute: 600, clock, sleep: clock.sleep })
    const release = await gate.acquire()
    // The server's window ends at :10 and only 2 requests are left in it (another process uses the app too).
    gate.observe(
      200,
      headers({ 'x-ratelimit-limit': 100, 'x-ratelimit-remaining': 2, 'x-ratelimit-reset': 1_700_000_010 }),
    )
    release()
    await admit(gate, 2)
    expect(clock.now()).toBe(1_700_000_003_000)
    await admit(gate, 1)
    expect(clock.now()).toBe(1_700_000_010_000)
    // A new window is aligned with the server's, at :20.
    await admit(gate, 99)
    expect(clock.now()).toBe(1_700_000_010_000)
    await admit(gate, 1)
    expect(clock.now()).toBe(1_700_000_020_000)
  })

  it('adopts a lower X-RateLimit-Limit for the next windows', async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const gate = new IntercomRateGate({ perMinute: 10_000, clock, sleep: clock.sleep })
    const release = await gate.acquire()
    gate.observe(
      200,
      headers({ 'x-ratelimit-limit': 5, 'x-ratelimit-remaining': 4, 'x-ratelimit-reset': 1_700_000_010 }),
    )
    release()
    await admit(gate, 4)
    await admit(gate, 5)
    expect(clock.now()).toBe(1_700_000_010_000)
    await admit(gate, 1)
    expect(clock.now()).toBe(1_700_000_020_000)
  })

  it('pauses every request after a 429 until the reset, and counts it', async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const gate = new IntercomRateGate({ perMinute: 600, clock, sleep: clock.sleep })
    const release = await gate.acquire()
    gate.observe(
      429,
      headers({ 'x-ratelimit-limit': 100, 'x-ratelimit-remaining': 0, 'x-ratelimit-reset': 1_700_000_007 }),
    )
    release()
    expect(gate.stats().pausedUntil).toBe(1_700_000_007_000)
    await admit(gate, 1)
    expect(clock.now()).toBe(1_700_000_007_000)
    expect(gate.stats()).toMatchObject({ rateLimited: 1, requests: 2, pausedUntil: 0 })
  })

  it('ignores a late response from an earlier window', async () => {
    const clock = new ManualClock(1_700_000_012_000)
    const gate = new IntercomRateGate({ perMinute: 600, clock, sleep: clock.sleep })
    const r = await gate.acquire()
    gate.observe(200, headers({ 'x-ratelimit-remaining': 50, 'x-ratelimit-reset': 1_700_000_020 }))
    gate.observe(200, headers({ 'x-ratelimit-remaining': 0, 'x-ratelimit-reset': 1_700_000_010 }))
    r()
    await admit(gate, 50)
    expect(clock.now()).toBe(1_700_000_012_000)
  })

  it('limits concurrency and shares the budget between concurrent requests', async () => {
    const clock = new ManualClock()
    const gate = new IntercomRateGate({ perMinute: 60, concurrency: 3, clock, sleep: clock.sleep })
    let active = 0
    let peak = 0
    const start = clock.now()
    await Promise.all(
      Array.from({ length: 30 }, async () => {
        const release = await gate.acquire()
        active++
        peak = Math.max(peak, active)
        await new Promise((r) => setImmediate(r))
        active--
        release()
      }),
    )
    expect(peak).toBe(3)
    expect(gate.stats()).toMatchObject({ requests: 30, maxInFlight: 3, inFlight: 0 })
    // 10 per window: 30 requests need three windows.
    expect(clock.now() - start).toBeGreaterThanOrEqual(20_000)
    expect(clock.now() - start).toBeLessThan(30_000)
  })
})

describe('429 pauses: one per burst, as long as announced', () => {
  const spent = (resetSeconds: number, extra: Record<string, string | number> = {}) =>
    headers({ 'x-ratelimit-limit': 100, 'x-ratelimit-remaining': 0, 'x-ratelimit-reset': resetSeconds, ...extra })

  it('a late 429 of a request admitted before the pause does not pause the window after it', async () => {
    const clock = new ManualClock(1_700_000_001_000)
    const gate = new IntercomRateGate({ perMinute: 600, clock, sleep: clock.sleep })
    const early = await gate.acquire()
    const slow = await gate.acquire()
    gate.observe(429, spent(1_700_000_010), early.admission)
    early()
    // The pause ends at :10; requests are admitted in the new window, then the slow one's 429 arrives.
    const fresh = await gate.acquire()
    expect(clock.now()).toBe(1_700_000_010_000)
    gate.observe(429, spent(1_700_000_020), slow.admission)
    slow()
    fresh()
    await admit(gate, 50)
    expect(clock.now()).toBe(1_700_000_010_000)
    expect(gate.stats()).toMatchObject({ rateLimited: 2, pauses: 1, pausedUntil: 0 })
  })

  it('a 429 of a request admitted after the pause is a new burst', async () => {
    const clock = new ManualClock(1_700_000_001_000)
    const gate = new IntercomRateGate({ perMinute: 600, clock, sleep: clock.sleep })
    const first = await gate.acquire()
    gate.observe(429, spent(1_700_000_010), first.admission)
    first()
    const second = await gate.acquire()
    gate.observe(429, spent(1_700_000_020), second.admission)
    second()
    await admit(gate, 1)
    expect(clock.now()).toBe(1_700_000_020_000)
    expect(gate.stats()).toMatchObject({ pauses: 2, pausedMs: 19_000 })
  })

  it('pauses for the Retry-After of the response rather than to the end of the window', async () => {
    const clock = new ManualClock(1_700_000_001_000)
    const gate = new IntercomRateGate({ perMinute: 600, clock, sleep: clock.sleep })
    const r = await gate.acquire()
    gate.observe(429, spent(1_700_000_010, { 'retry-after': 2 }), r.admission)
    r()
    await admit(gate, 1)
    expect(clock.now()).toBe(1_700_000_003_000)
  })

  it('does not pause for a 429 that says requests are left in the window', async () => {
    const clock = new ManualClock(1_700_000_001_000)
    const gate = new IntercomRateGate({ perMinute: 600, clock, sleep: clock.sleep })
    const r = await gate.acquire()
    gate.observe(429, headers({ 'x-ratelimit-remaining': 80, 'x-ratelimit-reset': 1_700_000_010 }), r.admission)
    r()
    await admit(gate, 50)
    expect(clock.now()).toBe(1_700_000_001_000)
    expect(gate.stats()).toMatchObject({ rateLimited: 1, pauses: 0, waits: 0 })
  })

  it('pauses 1 s for an Intercom 429 that announces nothing (Intercom itself always sends its reset)', async () => {
    const clock = new ManualClock(1_700_000_001_000)
    const gate = new IntercomRateGate({ perMinute: 600, clock, sleep: clock.sleep })
    const r = await gate.acquire()
    gate.observe(429, new Headers(), r.admission)
    r()
    await admit(gate, 1)
    expect(clock.now()).toBe(1_700_000_002_000)
  })

  it('grants Intercom its own default of 8 requests in flight when none is configured', async () => {
    const gate = new IntercomRateGate({ concurrency: undefined })
    const held = await Promise.all(Array.from({ length: 8 }, () => gate.acquire()))
    expect(gate.stats().inFlight).toBe(8)
    for (const release of held) release()
  })
})

describe('IntercomRateGate options', () => {
  it('refuses a budget below 6 per minute (one per 10-second window)', () => {
    expect(() => new IntercomRateGate({ perMinute: 1 })).toThrow(RangeError)
  })
})
