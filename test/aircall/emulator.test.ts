import { afterEach, describe, expect, it } from 'vitest'

import { AircallClient, type AircallWarning } from '../../src/aircall/client.js'
import { type AircallEmulator, startAircallEmulator } from '@aircall-intercom/emulators/aircall/server.js'
import type { AircallSeed } from '@aircall-intercom/emulators/aircall/model.js'
import { AuthError } from '../../src/http/errors.js'
import { classifyFailure } from '../../src/http/failure.js'
import { AircallRateGate } from '../../src/aircall/rate-gate.js'
import { ManualClock } from '../http/helpers.js'

const DAY = 86_400
const NOW_S = 1_767_225_600
let emulator: AircallEmulator | undefined
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

function seed(): AircallSeed {
  const iso = new Date(NOW_S * 1000 - 100 * DAY * 1000).toISOString()
  return {
    company: { name: 'Acme' },
    users: [
      {
        id: 11,
        name: 'Ann Agent',
        email: 'ann@acme.io',
        createdAt: iso,
        timeZone: 'Europe/Paris',
        language: 'en-US',
        availabilityStatus: 'available',
        available: true,
        substatus: 'always_opened',
        state: 'active',
        wrapUpTime: 0,
        extension: null,
        defaultNumberId: 21,
        numberIds: [21],
      },
    ],
    teams: [{ id: 31, name: 'Support', createdAt: iso, userIds: [11] }],
    numbers: [
      {
        id: 21,
        name: 'Paris',
        digits: '+33 1 76 11 11 11',
        country: 'FR',
        timeZone: 'Europe/Paris',
        businessHours: null,
        isIvr: false,
        liveRecordingActivated: true,
        priority: null,
        createdAt: iso,
        userIds: [11],
      },
    ],
    tags: [{ id: 41, name: 'VIP', color: '#ff0000', description: null }],
    contacts: [],
    calls: [],
  }
}

async function start(rateLimitPerMinute: number) {
  const clock = new ManualClock(NOW_S * 1000)
  emulator = await startAircallEmulator({
    apiId: 'id1',
    apiToken: 'tok1',
    rateLimitPerMinute,
    now: () => clock.now(),
  })
  emulator.seed(seed())
  const warnings: AircallWarning[] = []
  const client = new AircallClient({
    credentials: { apiId: 'id1', apiToken: 'tok1' },
    baseUrl: emulator.url,
    clock,
    sleep: clock.sleep,
    gate: new AircallRateGate({ perMinute: 120, concurrency: 4, clock, sleep: clock.sleep }),
    onWarning: (w) => warnings.push(w),
  })
  return { emulator, client, clock, warnings }
}

describe('AircallClient against the Aircall emulator', () => {
  it('reads a 30,000-call range with 15,000 on one day: no 400, no duplicate, nothing missing', async () => {
    const { emulator, client } = await start(0)
    const since = NOW_S - 60 * DAY
    const until = NOW_S - 30 * DAY
    const busy = since + 12 * DAY
    expect(emulator.generateCalls({ count: 15_000, from: since, to: until, seed: 1 })).toBe(15_000)
    expect(emulator.generateCalls({ count: 15_000, from: busy, to: busy + DAY, seed: 2 })).toBe(15_000)

    const ids = new Set<number>()
    let read = 0
    let windows = 0
    for await (const window of client.calls.windows({ since, until })) {
      windows++
      for await (const call of client.calls.inWindow(window)) {
        ids.add(call.id)
        read++
      }
    }
    const stats = emulator.requestStats()
    expect(stats.badRequests).toBe(0)
    expect(stats.byStatus['400']).toBeUndefined()
    expect(read).toBe(30_000)
    expect(ids.size).toBe(30_000)
    expect(windows).toBeGreaterThan(3)
  }, 120_000)

  it('honours a 429 and X-AircallApi-Reset when the company budget is lower than configured', async () => {
    const { emulator, client, clock } = await start(10)
    const start0 = clock.now()
    const results = await Promise.all(Array.from({ length: 25 }, () => client.ping()))
    expect(results.every(Boolean)).toBe(true)
    const stats = emulator.requestStats()
    expect(stats.rateLimited).toBeGreaterThan(0)
    expect(stats.rateLimited).toBeLessThanOrEqual(4)
    expect(client.gate.stats().rateLimited).toBe(stats.rateLimited)
    // 25 pings at 10/min, with the lockout honoured, take at least two (fake) minutes.
    expect(clock.now() - start0).toBeGreaterThanOrEqual(120_000)
  })

  it('speaks every endpoint family with the emulator’s shapes', async () => {
    const { emulator, client } = await start(0)
    emulator.addCalls([{ startedAt: NOW_S - DAY, phone: '+33612345678', numberId: 21, userId: 11 }])
    expect(await client.ping()).toBe(true)
    expect((await client.company()).name).toBe('Acme')
    const users = []
    for await (const u of client.users.list()) users.push(u)
    expect(users.map((u) => u.id)).toEqual([11])
    expect((await client.users.get(11)).email).toBe('ann@acme.io')
    for await (const t of client.teams.list()) expect(t.name).toBe('Support')
    for await (const n of client.numbers.list()) expect(n.id).toBe(21)

    const [call] = await collectAll(client.calls.iterate({ since: NOW_S - 2 * DAY, until: NOW_S }))
    expect(call?.raw_digits).toContain('+33')
    const full = await client.calls.get(call!.id)
    expect(full.id).toBe(call!.id)
    expect(await client.calls.tagByName(call!.id, ['vip', 'Callback'])).toHaveLength(2)
    expect((await client.calls.get(call!.id)).tags?.map((t) => t.name).sort()).toEqual(['Callback', 'VIP'])
    await client.calls.addComment(call!.id, 'Logged to Intercom')

    const created = await client.contacts.create({
      first_name: 'Bob',
      phone_numbers: [{ label: 'Work', value: '+14155550100' }],
    })
    const found = await collectAll(client.contacts.search({ phoneNumber: '+14155550100' }))
    expect(found.map((c) => c.id)).toEqual([created.id])
    expect((await client.contacts.update(created.id, { last_name: 'Builder' })).last_name).toBe('Builder')

    expect(await client.dialer.ensureCampaign(11, ['+14155550100'])).toMatchObject({ created: true })
    expect(await client.dialer.ensureCampaign(11, ['+14155550100', '+14155550101'])).toEqual({
      created: false,
      added: ['+14155550101'],
      alreadyImported: ['+14155550100'],
    })
    expect((await client.dialer.listNumbers(11)).map((n) => n.number).sort()).toEqual(['+14155550100', '+14155550101'])

    const hook = await client.webhooks.create({ url: 'https://example.com/aircall', events: ['call.ended'] })
    expect((await collectAll(client.webhooks.list())).map((w) => w.webhook_id)).toEqual([hook.webhook_id])
    const updated = await client.webhooks.update(hook.webhook_id, { events: ['call.created'], eventsAction: 'add' })
    expect(updated.events.sort()).toEqual(['call.created', 'call.ended'])
    await client.webhooks.delete(hook.webhook_id)
    expect(await collectAll(client.webhooks.list())).toEqual([])
  })
})

describe('AircallClient with bad credentials', () => {
  async function refusal(
    authFailureStatus: 401 | 403 | undefined,
    credentials: { apiId: string; apiToken: string } | { accessToken: string },
  ): Promise<{ error: AuthError; requests: number }> {
    const clock = new ManualClock(NOW_S * 1000)
    emulator = await startAircallEmulator({ apiId: 'id1', apiToken: 'tok1', now: () => clock.now(), authFailureStatus })
    emulator.seed(seed())
    const client = new AircallClient({
      credentials,
      baseUrl: emulator.url,
      clock,
      sleep: clock.sleep,
      gate: new AircallRateGate({ perMinute: 120, concurrency: 1, clock, sleep: clock.sleep }),
    })
    const error = await client.calls
      .list({ from: NOW_S - DAY })
      .next()
      .catch((e: unknown) => e)
    const requests = emulator.requestStats().total
    await emulator.close()
    emulator = undefined
    if (!(error instanceof AuthError)) throw new Error(`expected an AuthError, got ${String(error)}`)
    return { error, requests }
  }

  it('reads the emulator’s 403 (live Aircall’s answer, its default) as wrong API ID or token: auth_failed, not retried', async () => {
    const { error, requests } = await refusal(undefined, { apiId: 'id1', apiToken: 'not-the-token' })
    expect(error.status).toBe(403)
    expect(error.errorCode).toBe('auth_failed')
    expect(classifyFailure(error)).toBe('auth')
    expect(error.message).toBe(
      'aircall GET /v1/calls failed 403: Aircall refused the credentials: the API ID or API token is wrong (or revoked); Aircall says "Invalid API key or Bearer access token."',
    )
    expect(error.hint).toMatch(/^check AIRCALL_API_ID and AIRCALL_API_TOKEN/)
    expect(error.requestId).toMatch(/^[0-9a-f]{16}$/)
    expect(error.message).not.toContain('not-the-token')
    expect(requests).toBe(1)
  })

  it('treats a 401 the same way, and names the access token for OAuth credentials', async () => {
    const { error: basic } = await refusal(401, { apiId: 'id1', apiToken: 'nope' })
    expect(basic).toMatchObject({ status: 401, errorCode: 'auth_failed' })
    expect(basic.message).toContain('the API ID or API token is wrong')
    const { error: oauth } = await refusal(403, { accessToken: 'expired' })
    expect(oauth).toMatchObject({ status: 403, errorCode: 'auth_failed' })
    expect(oauth.message).toContain('the OAuth access token is wrong')
    expect(oauth.hint).toMatch(/access token/)
  })
})

async function collectAll<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}
