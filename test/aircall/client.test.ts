import { afterEach, describe, expect, it } from 'vitest'

import type { CallWindow } from '../../src/aircall/call-windows.js'
import { type AircallClientOptions, type AircallWarning, AircallClient } from '../../src/aircall/client.js'
import { ServerError } from '../../src/http/errors.js'
import { AircallRateGate } from '../../src/aircall/rate-gate.js'
import { type Handler, ManualClock, type TestServer, startServer } from '../http/helpers.js'
import { type FakeAircall, fakeCall, startFakeAircall } from './fake-aircall.js'

const DAY = 86_400
// Fixed "now" for the clock: 2026-01-01T00:00:00Z.
const NOW_S = 1_767_225_600

let server: TestServer | FakeAircall | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

function client(url: string, over: Partial<AircallClientOptions> = {}) {
  const clock = new ManualClock(NOW_S * 1000)
  const warnings: AircallWarning[] = []
  const c = new AircallClient({
    credentials: { apiId: 'id1', apiToken: 'tok1' },
    baseUrl: url,
    clock,
    sleep: clock.sleep,
    gate: new AircallRateGate({ perMinute: 120, concurrency: 2, clock, sleep: clock.sleep }),
    onWarning: (w) => warnings.push(w),
    ...over,
  })
  return { c, clock, warnings }
}

async function drain<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

function pagesRequested(s: TestServer): Array<{ page: number; perPage: number }> {
  return s.requests
    .filter((r) => r.path === '/v1/calls')
    .map((r) => ({ page: Number(r.query.get('page')), perPage: Number(r.query.get('per_page')) }))
}

describe('AircallClient call windows', () => {
  it('reads 30,000 calls (15,000 on one day) completely, once each, without passing the 10k cap', async () => {
    const since = NOW_S - 40 * DAY
    const until = NOW_S - 10 * DAY
    const calls = []
    let id = 1
    // 15,000 spread over 29 days, 15,000 on one busy day.
    for (let i = 0; i < 15_000; i++) calls.push(fakeCall(id++, since + 1 + Math.floor((i * (29 * DAY)) / 15_000)))
    const busyDay = since + 20 * DAY
    for (let i = 0; i < 15_000; i++) calls.push(fakeCall(id++, busyDay + Math.floor((i * DAY) / 15_000)))
    const fake = await startFakeAircall(calls)
    server = fake
    const { c, clock } = client(fake.url)

    const windows: CallWindow[] = []
    const seen = new Map<number, number>()
    for await (const w of c.calls.windows({ since, until })) {
      windows.push(w)
      for await (const call of c.calls.inWindow(w)) {
        expect(call.started_at).toBeGreaterThan(w.from)
        expect(call.started_at).toBeLessThanOrEqual(w.to)
        seen.set(call.id, (seen.get(call.id) ?? 0) + 1)
      }
    }
    expect(seen.size).toBe(30_000)
    expect([...seen.values()].every((n) => n === 1)).toBe(true)
    expect(fake.capViolations).toBe(0)
    expect(pagesRequested(fake).every(({ page, perPage }) => page * perPage <= 10_000)).toBe(true)
    expect(windows[0]?.from).toBe(since)
    expect(windows.at(-1)?.to).toBe(until)
    for (let i = 1; i < windows.length; i++) expect(windows[i]?.from).toBe(windows[i - 1]?.to)
    expect(windows.every((w) => w.total <= 9_500)).toBe(true)
    // The gate held Aircall's budget: ~700 requests at 120/min take several (fake) minutes.
    expect(c.gate.stats().requests).toBe(fake.requests.length)
    expect(clock.now() - NOW_S * 1000).toBeGreaterThanOrEqual(Math.floor((fake.requests.length - 120) / 120) * 60_000)
  }, 120_000)

  it('treats from as exclusive and to as inclusive at every boundary', async () => {
    const since = NOW_S - 3 * DAY
    const until = NOW_S - DAY
    const calls = [
      fakeCall(1, since),
      fakeCall(2, since + 1),
      fakeCall(3, until),
      fakeCall(4, until + 1),
      // A dense second exactly on a likely halving boundary.
      ...Array.from({ length: 30 }, (_, i) => fakeCall(100 + i, since + DAY)),
    ]
    const fake = await startFakeAircall(calls)
    server = fake
    const { c } = client(fake.url, { windowMargin: 9_990 })
    const windows = await drain(c.calls.windows({ since, until }))
    expect(windows.length).toBeGreaterThan(1)
    const ids = (await drain(c.calls.iterate({ since, until }))).map((x) => x.id).sort((a, b) => a - b)
    expect(ids).toEqual([2, 3, ...Array.from({ length: 30 }, (_, i) => 100 + i)])
  })

  it('stops at the positional cap in a second holding more than 10,000 calls, and says so', async () => {
    const t = NOW_S - 5 * DAY
    const fake = await startFakeAircall(Array.from({ length: 10_050 }, (_, i) => fakeCall(i + 1, t)))
    server = fake
    const { c, warnings } = client(fake.url)
    const calls = await drain(c.calls.iterate({ since: t - 10, until: t + 10 }))
    expect(calls).toHaveLength(10_000)
    expect(fake.capViolations).toBe(0)
    expect(warnings.map((w) => w.type)).toEqual(['dense-window', 'pagination-cap'])
  })

  it('warns when the range reaches past the retention horizon', async () => {
    const fake = await startFakeAircall([fakeCall(1, NOW_S - 200 * DAY), fakeCall(2, NOW_S - DAY)])
    server = fake
    const { c, warnings } = client(fake.url, { retentionDays: 180 })
    const ids = (await drain(c.calls.iterate({ since: NOW_S - 365 * DAY, until: NOW_S }))).map((x) => x.id)
    expect(ids).toEqual([1, 2])
    expect(warnings).toEqual([
      { type: 'retention-horizon', since: NOW_S - 365 * DAY, horizon: NOW_S - 180 * DAY, retentionDays: 180 },
    ])
    const none = client(fake.url)
    await drain(none.c.calls.windows({ since: NOW_S - 10 * DAY, until: NOW_S }))
    expect(none.warnings).toEqual([])
  })
})

describe('AircallClient endpoints', () => {
  async function fakeApi(handler: Handler) {
    server = await startServer(handler)
    return client(server.url)
  }

  it('authenticates with Basic api_id:api_token and pings', async () => {
    const { c } = await fakeApi(() => ({ json: { ping: 'pong' } }))
    expect(await c.ping()).toBe(true)
    expect(server!.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('id1:tok1').toString('base64')}`)
  })

  it('tags a call by names through a cached lookup, creating a missing tag once', async () => {
    let nextTag = 10
    const { c } = await fakeApi((req) => {
      if (req.method === 'GET' && req.path === '/v1/tags') {
        return {
          json: {
            tags: [{ id: 1, name: 'VIP', color: '#fff' }],
            meta: { count: 1, total: 1, current_page: 1, per_page: 50, next_page_link: null },
          },
        }
      }
      if (req.method === 'POST' && req.path === '/v1/tags') {
        return { status: 201, json: { tag: { id: nextTag++, name: (req.body as { name: string }).name } } }
      }
      return { status: 201 }
    })
    const [a, b] = await Promise.all([c.calls.tagByName(5, ['vip', 'Callback']), c.calls.tagByName(6, ['callback '])])
    expect(a).toEqual([1, 10])
    expect(b).toEqual([10])
    const reqs = server!.requests
    expect(reqs.filter((r) => r.method === 'GET' && r.path === '/v1/tags')).toHaveLength(1)
    expect(reqs.filter((r) => r.method === 'POST' && r.path === '/v1/tags')).toHaveLength(1)
    expect(reqs.find((r) => r.path === '/v1/calls/5/tags')?.body).toEqual({ tags: [1, 10] })
  })

  it('does not replay a comment after a 503', async () => {
    const { c } = await fakeApi(() => ({ status: 503 }))
    await expect(c.calls.addComment(1, 'hi')).rejects.toBeInstanceOf(ServerError)
    expect(server!.requests).toHaveLength(1)
  })

  it('counts a 422 on dialer numbers as success when the campaign already holds them', async () => {
    const { c } = await fakeApi((req) => {
      if (req.method === 'GET' && req.path === '/v1/users/7/dialer_campaign') {
        return { json: { dialer_campaign: { id: 3, number_id: null } } }
      }
      if (req.method === 'GET' && req.path === '/v1/users/7/dialer_campaign/phone_numbers') {
        return { json: { numbers: [{ id: 1, number: '+33612345678', called: false }] } }
      }
      const body = req.body as { phone_numbers: string[] }
      if (body.phone_numbers.includes('+33 6 12 34 56 78')) return { status: 422, json: { error: 'already imported' } }
      return { status: 204 }
    })
    const result = await c.dialer.ensureCampaign(7, ['+33 6 12 34 56 78', '+14155550100'])
    expect(result).toEqual({ created: false, added: ['+14155550100'], alreadyImported: ['+33 6 12 34 56 78'] })
    const posts = server!.requests.filter((r) => r.method === 'POST').map((r) => r.body)
    expect(posts).toEqual([
      { phone_numbers: ['+33 6 12 34 56 78', '+14155550100'] },
      { phone_numbers: ['+14155550100'] },
    ])
  })

  it('creates a dialer campaign when the user has none', async () => {
    const { c } = await fakeApi((req) =>
      req.method === 'GET' ? { status: 404, json: { error: 'Not found', troubleshoot: 'x' } } : { status: 204 },
    )
    expect(await c.dialer.ensureCampaign(7, ['+14155550100'])).toEqual({
      created: true,
      added: ['+14155550100'],
      alreadyImported: [],
    })
  })

  it('falls back from /v2/users to /v1/users on 404 and remembers it', async () => {
    const users = (ids: number[]) => ({
      users: ids.map((id) => ({ id, name: `u${id}`, email: `u${id}@x.io` })),
      meta: { count: ids.length, total: ids.length, current_page: 1, per_page: 50, next_page_link: null },
    })
    const { c } = await fakeApi((req) =>
      req.path.startsWith('/v2/') ? { status: 404, json: { message: 'Not Found' } } : { json: users([1, 2]) },
    )
    expect((await drain(c.users.list())).map((u) => u.id)).toEqual([1, 2])
    expect((await drain(c.users.list())).map((u) => u.id)).toEqual([1, 2])
    expect(server!.requests.map((r) => r.path)).toEqual(['/v2/users', '/v1/users', '/v1/users'])
  })

  it('pages webhooks whose meta has no links', async () => {
    const hook = (i: number) => ({
      webhook_id: `w${i}`,
      id: i,
      url: 'https://x.io/h',
      active: true,
      events: [],
      token: 't',
    })
    const { c } = await fakeApi((req) => {
      const page = Number(req.query.get('page'))
      const items = page === 1 ? Array.from({ length: 50 }, (_, i) => hook(i)) : [hook(50), hook(51)]
      return { json: { webhooks: items, meta: { count: items.length, total: 52, current_page: page, per_page: 50 } } }
    })
    expect(await drain(c.webhooks.list())).toHaveLength(52)
    expect(server!.requests).toHaveLength(2)
  })

  it('sends search filters as Aircall expects', async () => {
    const { c } = await fakeApi(() => ({
      json: { calls: [], meta: { count: 0, total: 0, current_page: 1, per_page: 50, next_page_link: null } },
    }))
    await drain(c.calls.search({ phoneNumber: '+14155550100', tagIds: [1, 2], direction: 'inbound', from: 5 }))
    const q = server!.requests[0]!.query
    expect(q.get('phone_number')).toBe('+14155550100')
    expect(q.getAll('tags[]')).toEqual(['1', '2'])
    expect(q.get('direction')).toBe('inbound')
    expect(q.get('per_page')).toBe('50')
  })
})
