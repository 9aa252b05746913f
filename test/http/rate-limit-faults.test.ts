import { afterEach, describe, expect, it } from 'vitest'

import { AircallClient } from '../../src/aircall/client.js'
import { startAircallEmulator } from '@aircall-intercom/emulators/aircall/server.js'
import { type IntercomEmulator, startIntercomEmulator } from '@aircall-intercom/emulators/intercom/index.js'
import type { FaultRule } from '@aircall-intercom/emulators/types.js'
import type { HttpEvent, Sleep } from '../../src/http/types.js'
import { IntercomClient } from '../../src/intercom/client.js'
import { baseSeed, SECRET, TOKEN } from '../../packages/emulators/test/intercom/helpers.js'
import { ManualClock, SharedClock } from './helpers.js'

/**
 * The real client against the Intercom emulator with injected 429s, on one virtual clock (the emulator's windows
 * and the client's waits), so what a 429 costs is counted in gate pauses and slept milliseconds, never measured
 * on the wall.
 */

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

const WINDOW_MS = 10_000
const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0)
const REQUESTS = 300
const WORKERS = 8

interface Figures {
  requests: number
  injected: number
  pauses: number
  pausedMs: number
  gateWaits: number
  retrySleepMs: number[]
  elapsedMs: number
}

async function drive(faults: FaultRule[]): Promise<Figures> {
  const clock = new SharedClock(Date.UTC(2026, 0, 15, 12, 0, 1))
  const emulator: IntercomEmulator = await startIntercomEmulator({
    accessToken: TOKEN,
    clientSecret: SECRET,
    rateLimitPerMinute: 10_000,
    contract: 'off',
    seed: 13,
    now: () => clock.now(),
  })
  closers.push(() => emulator.close())
  emulator.seed(baseSeed())
  emulator.setFaults(faults)
  const events: HttpEvent[] = []
  const client = new IntercomClient({
    accessToken: TOKEN,
    baseUrl: emulator.url,
    clock,
    sleep: clock.sleep,
    random: () => 0.5,
    onEvent: (event) => events.push(event),
  })
  const start = clock.now()
  let next = 0
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next++ < REQUESTS) await client.admins.list()
    }),
  )
  const stats = client.gate.stats()
  return {
    requests: stats.requests,
    injected: emulator.faults().reduce((sum, fault) => sum + fault.hits, 0),
    pauses: stats.pauses,
    pausedMs: stats.pausedMs,
    gateWaits: stats.waits,
    retrySleepMs: events.flatMap((event) => (event.type === 'retry' ? [event.waitMs] : [])),
    elapsedMs: clock.now() - start,
  }
}

describe('injected 429s through the real client and the Intercom emulator', () => {
  it('13% of 429s that leave budget in the window cost each refused request a backoff, never a pause', async () => {
    const figures = await drive([{ match: '*', kind: 'status', status: 429, rate: 0.13 }])
    expect(figures.injected).toBeGreaterThan(REQUESTS * 0.08)
    expect(figures.requests).toBe(REQUESTS + figures.injected)
    expect(figures.pauses).toBe(0)
    expect(figures.gateWaits).toBe(0)
    // One jittered backoff per refusal (500 ms · 2^(n-1) · 0.5), not a wait to the end of the 10-second window.
    expect(figures.retrySleepMs).toHaveLength(figures.injected)
    expect(Math.max(...figures.retrySleepMs)).toBeLessThanOrEqual(1_000)
    expect(figures.elapsedMs).toBeLessThanOrEqual(sum(figures.retrySleepMs))
  })

  it('one burst of 429s that spend the window (three in a row, eight in flight) costs one pause to its reset', async () => {
    const figures = await drive([{ match: '*', kind: 'rate-limit', nth: [40, 41, 42] }])
    expect(figures.injected).toBe(3)
    expect(figures.pauses).toBe(1)
    expect(figures.pausedMs).toBeLessThanOrEqual(WINDOW_MS)
    // Each refused request waits once for the announced reset; the others wait at most once at the gate.
    expect(figures.retrySleepMs).toHaveLength(3)
    expect(Math.max(...figures.retrySleepMs)).toBeLessThanOrEqual(WINDOW_MS)
    expect(figures.gateWaits).toBeLessThanOrEqual(WORKERS)
    expect(figures.elapsedMs).toBeLessThanOrEqual(WINDOW_MS)
  })

  it('13% of 429s that spend the window: at most one pause per window, none longer than announced', async () => {
    const figures = await drive([{ match: '*', kind: 'rate-limit', rate: 0.13 }])
    expect(figures.injected).toBeGreaterThan(REQUESTS * 0.08)
    // Honouring "no budget until :N0" costs up to a window per burst, and no more: the 429s of requests
    // admitted together share a pause, and none is extended or restarted by a late 429.
    expect(figures.pauses).toBeLessThanOrEqual(figures.injected)
    expect(figures.pausedMs).toBeLessThanOrEqual(figures.pauses * WINDOW_MS)
    expect(Math.max(...figures.retrySleepMs)).toBeLessThanOrEqual(WINDOW_MS)
    expect(figures.gateWaits).toBeLessThanOrEqual(figures.pauses * WORKERS)
    expect(figures.elapsedMs).toBeLessThanOrEqual((figures.pauses + 1) * WINDOW_MS)
  })
})

describe('separate gates', () => {
  it('Aircall paused for a minute by a 429 does not hold a single Intercom request', async () => {
    const aircallEmulator = await startAircallEmulator({ apiId: 'id', apiToken: 'token', rateLimitPerMinute: 0 })
    closers.push(() => aircallEmulator.close())
    aircallEmulator.setFaults([{ match: 'GET /v1/ping', kind: 'rate-limit', nth: [1] }])
    const intercomEmulator = await startIntercomEmulator({ accessToken: TOKEN, clientSecret: SECRET, contract: 'off' })
    closers.push(() => intercomEmulator.close())
    intercomEmulator.seed(baseSeed())

    // Aircall's waits only end when aborted: whatever Intercom does happens while Aircall is paused.
    const aircallSleeps: number[] = []
    const blocked: Sleep = (ms, signal) =>
      new Promise<void>((_resolve, reject) => {
        aircallSleeps.push(ms)
        signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true })
      })
    const aircall = new AircallClient({
      credentials: { apiId: 'id', apiToken: 'token' },
      baseUrl: aircallEmulator.url,
      sleep: blocked,
    })
    const intercomClock = new ManualClock()
    const intercom = new IntercomClient({
      accessToken: TOKEN,
      baseUrl: intercomEmulator.url,
      clock: intercomClock,
      sleep: intercomClock.sleep,
    })

    const stop = new AbortController()
    const ping = aircall.ping(stop.signal).catch((error: unknown) => error)
    while (aircallSleeps.length === 0) await new Promise((resolve) => setImmediate(resolve))
    expect(aircall.gate.stats()).toMatchObject({ rateLimited: 1, pauses: 1 })
    expect(aircallSleeps[0]).toBeGreaterThan(50_000)

    await Promise.all(Array.from({ length: 40 }, () => intercom.admins.list()))
    expect(intercom.gate.stats()).toMatchObject({ requests: 40, waits: 0, pauses: 0 })
    expect(intercomClock.sleeps).toEqual([])

    stop.abort(new Error('done'))
    expect(await ping).toEqual(new Error('done'))
  })
})
