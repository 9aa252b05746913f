import { afterEach, describe, expect, test } from 'vitest'
import { type Harness, minimalSeed, type Receiver, startHarness, startReceiver, T0 } from './helpers.js'

let h: Harness | undefined
let rx: Receiver | undefined
afterEach(async () => {
  await h?.emu.close()
  await rx?.close()
  h = undefined
  rx = undefined
})

const S0 = T0 / 1000
const post = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body) })

describe('contacts', () => {
  test('create requires phone_numbers; search by any phone format or email; update by POST and PUT; delete 204; webhooks', async () => {
    h = await startHarness()
    rx = await startReceiver()
    await h.api(
      '/v1/webhooks',
      post({ url: rx.url, events: ['contact.created', 'contact.updated', 'contact.deleted'] }),
    )
    expect((await h.json('/v1/contacts', post({ first_name: 'No' }))).status).toBe(400)
    const created = await h.json<{ contact: Record<string, unknown> & { id: number } }>(
      '/v1/contacts',
      post({
        first_name: 'Ana',
        phone_numbers: [{ label: 'Work', value: '+33612345678' }],
        emails: [{ label: 'Office', value: 'ana@x.io' }],
      }),
    )
    expect(created.status).toBe(201)
    expect(created.body.contact).toMatchObject({ first_name: 'Ana', created_at: S0, updated_at: S0, is_shared: true })
    const id = created.body.contact.id
    const search = async (q: string): Promise<number> =>
      (await h!.json<{ contacts: unknown[] }>(`/v1/contacts/search?${q}`)).body.contacts.length
    expect(await search(`phone_number=${encodeURIComponent('+33 6 12 34 56 78')}`)).toBe(1)
    expect(await search('email=ANA@x.io')).toBe(1)
    expect(await search('phone_number=%2B33700000000')).toBe(0)
    expect((await h.json(`/v1/contacts/${id}`, post({ last_name: 'B' }))).status).toBe(200)
    expect(
      (await h.json(`/v1/contacts/${id}`, { method: 'PUT', body: JSON.stringify({ company_name: 'Acme' }) })).body,
    ).toMatchObject({
      contact: { last_name: 'B', company_name: 'Acme' },
    })
    const phone = await h.json<{ phone_detail: { id: number } }>(
      `/v1/contacts/${id}/phone_details`,
      post({ label: 'Home', value: '+33700000000' }),
    )
    expect(phone.body.phone_detail).toMatchObject({ label: 'Home', value: '+33700000000' })
    expect((await h.json(`/v1/contacts/${id}/email_details`, post({ value: 'b@x.io' }))).body).toMatchObject({
      email_detail: { value: 'b@x.io' },
    })
    expect(
      (await h.api(`/v1/contacts/${id}/phone_details/${phone.body.phone_detail.id}`, { method: 'DELETE' })).status,
    ).toBe(204)
    const emails = await h.json(`/v1/contacts/${id}/emails`, post({ value: 'c@x.io' }))
    expect(emails.status).toBe(404)
    expect(emails.body).toEqual({ message: 'Not Found' })
    expect((await h.api(`/v1/contacts/${id}`, { method: 'DELETE' })).status).toBe(204)
    expect((await h.api(`/v1/contacts/${id}`)).status).toBe(404)
    await h.emu.webhooksIdle()
    const events = rx.received.map((r) => r.body.event)
    expect(events[0]).toBe('contact.created')
    expect(events).toContain('contact.deleted')
    const data = rx.received[0]!.body.data as Record<string, unknown>
    expect(data.created_at).toBe('2026-09-28T12:00:00Z')
  })

  test('private contacts are never served; from/to are inclusive on created_at', async () => {
    h = await startHarness()
    const seed = minimalSeed()
    const base = {
      firstName: 'A',
      lastName: null,
      companyName: null,
      information: null,
      updatedAt: 0,
      phoneNumbers: [],
      emails: [],
    }
    seed.contacts = [
      { ...base, id: 1, isShared: true, createdAt: 100 },
      { ...base, id: 2, isShared: false, createdAt: 150 },
      { ...base, id: 3, isShared: true, createdAt: 200 },
    ]
    h.emu.seed(seed)
    const ids = async (q: string): Promise<number[]> =>
      (await h!.json<{ contacts: Array<{ id: number }> }>(`/v1/contacts?${q}`)).body.contacts.map((c) => c.id)
    expect(await ids('')).toEqual([1, 3])
    expect(await ids('from=100&to=200')).toEqual([1, 3])
    expect(await ids('from=101&to=199')).toEqual([])
    expect((await h.api('/v1/contacts/2')).status).toBe(404)
  })
})

describe('power dialer', () => {
  test('404 when none, 204 create, {numbers:[…]} list, 422 "already imported", deletes', async () => {
    h = await startHarness()
    h.emu.seed(minimalSeed())
    const base = '/v1/users/1/dialer_campaign'
    expect((await h.api(base)).status).toBe(404)
    expect((await h.api(base, post({ phone_numbers: ['+33612345678'] }))).status).toBe(204)
    expect((await h.json<{ dialer_campaign: Record<string, unknown> }>(base)).body.dialer_campaign).toMatchObject({
      id: expect.any(Number),
    })
    expect((await h.api(base, post({ phone_numbers: ['+33612345679'] }))).status).toBe(422)
    expect((await h.api(`${base}/phone_numbers`, post({ phone_numbers: ['33612345670'] }))).status).toBe(400)
    expect((await h.api(`${base}/phone_numbers`, post({ phone_numbers: ['+33612345670'] }))).status).toBe(204)
    const dup = await h.json<{ message: string }>(`${base}/phone_numbers`, post({ phone_numbers: ['+33612345678'] }))
    expect(dup.status).toBe(422)
    expect(JSON.stringify(dup.body)).toContain('already imported')
    const list = await h.json<{ numbers: Array<{ id: number; number: string; called: boolean; created_at: string }> }>(
      `${base}/phone_numbers`,
    )
    expect(list.body.numbers.map((n) => n.number)).toEqual(['+33612345678', '+33612345670'])
    expect(list.body.numbers[0]).toMatchObject({ called: false, created_at: expect.any(String) })
    expect((await h.api(`${base}/phone_numbers/${list.body.numbers[0]!.id}`, { method: 'DELETE' })).status).toBe(204)
    expect((await h.api(base, { method: 'DELETE' })).status).toBe(204)
    expect((await h.api(base)).status).toBe(404)
    expect((await h.api('/v1/users/99/dialer_campaign')).status).toBe(404)
  })
})

describe('directory', () => {
  test('users v1 (switchable to gone) and v2, availabilities, teams, numbers with open, tags create 201, company', async () => {
    h = await startHarness()
    h.emu.seed(minimalSeed())
    expect((await h.json<{ users: unknown[] }>('/v1/users')).body.users).toHaveLength(1)
    expect((await h.json('/v2/users/alice@example.com')).body).toMatchObject({ user: { id: 1, default_number_id: 10 } })
    expect((await h.json('/v1/users/availabilities')).body).toMatchObject({
      users: [{ id: 1, availability: 'available' }],
    })
    expect((await h.json('/v1/teams')).body).toMatchObject({ teams: [{ id: 5, users: [{ id: 1 }] }] })
    // T0 is a Monday 14:00 in Paris: open; Sunday is closed.
    expect((await h.json('/v1/numbers/10')).body).toMatchObject({
      number: { time_zone: 'Europe/Paris', open: true, availability_status: 'custom' },
    })
    h.clock.now -= 86_400_000
    expect((await h.json('/v1/numbers')).body).toMatchObject({ numbers: [{ open: false }] })
    const tag = await h.json('/v1/tags', post({ name: 'callback', color: '#f00' }))
    expect(tag.status).toBe(201)
    expect(tag.body).toMatchObject({ tag: { id: 3, name: 'callback' } })
    expect((await h.json('/v1/company')).body).toEqual({
      company: { name: 'Emulated Company', users_count: 1, numbers_count: 1 },
    })
    h.emu.updateSettings({ usersV1Gone: true })
    expect((await h.api('/v1/users')).status).toBe(410)
    expect((await h.api('/v2/users')).status).toBe(200)
  })
})

describe('faults', () => {
  test('by schedule (nth, limit) including a connection reset, and by seeded rate', async () => {
    h = await startHarness({ rateLimitPerMinute: 0 })
    h.emu.setFaults([
      { match: 'GET /v1/ping', kind: 'status', status: 503, nth: [1, 3] },
      { match: 'GET /v1/ping', kind: 'reset', nth: [2] },
      { match: 'GET /v1/company', kind: 'rate-limit', limit: 2 },
    ])
    expect((await h.api('/v1/ping')).status).toBe(503)
    await expect(h.api('/v1/ping')).rejects.toThrow()
    expect((await h.api('/v1/ping')).status).toBe(503)
    expect((await h.api('/v1/ping')).status).toBe(200)
    const burst = await h.api('/v1/company')
    expect(burst.status).toBe(429)
    expect(burst.headers.get('x-aircallapi-remaining')).toBe('0')
    expect((await h.api('/v1/company')).status).toBe(429)
    expect((await h.api('/v1/company')).status).toBe(200)
    h.emu.setFaults([{ match: '*', kind: 'status', status: 500, rate: 0.5 }])
    const statuses: number[] = []
    for (let i = 0; i < 40; i++) statuses.push((await h.api('/v1/ping')).status)
    const failures = statuses.filter((s) => s === 500).length
    expect(failures).toBeGreaterThan(8)
    expect(failures).toBeLessThan(32)
    expect(h.emu.faults()[0]).toMatchObject({ seen: 40, hits: failures })
  })
})

describe('control API', () => {
  test('mirrors the in-process methods over HTTP without auth', async () => {
    h = await startHarness()
    const ctl = (path: string, init?: RequestInit) => fetch(`${h!.emu.url}/_emulator${path}`, init)
    const send = (method: string, body: unknown): RequestInit => ({
      method,
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    })
    expect((await ctl('/seed', send('POST', minimalSeed()))).status).toBe(200)
    const gen = await (await ctl('/calls/generate', send('POST', { count: 500, from: S0 - 86_400, to: S0 }))).json()
    expect(gen).toEqual({ added: 500, total: 500 })
    expect((await ctl('/calls', send('POST', { calls: [{ startedAt: S0 - 5, phone: '+33612345678' }] }))).status).toBe(
      201,
    )
    const life = (await (
      await ctl('/lifecycle', send('POST', { stepDelayMs: 1, endedDelayMs: 1, finaliseDelayMs: 1 }))
    ).json()) as { call_id: number }
    expect(life.call_id).toBeGreaterThan(0)
    await h.api('/v1/ping')
    await h.api('/v1/calls?page=500&per_page=50')
    const stats = (await (await ctl('/requests')).json()) as { byRoute: Record<string, number>; badRequests: number }
    expect(stats.byRoute['GET /v1/ping 200']).toBe(1)
    expect(stats.badRequests).toBe(1)
    expect(
      (await ctl('/faults', send('PUT', { rules: [{ match: '*', kind: 'status', status: 502, nth: [1] }] }))).status,
    ).toBe(200)
    expect((await h.api('/v1/ping')).status).toBe(502)
    expect((await ctl('/settings', send('PATCH', { commentCap: 0 }))).status).toBe(200)
    expect((await ctl('/settings', send('PATCH', { nope: 1 }))).status).toBe(400)
    expect(((await (await ctl('/clock', send('POST', { advanceMs: 1000 }))).json()) as { now: number }).now).toBe(
      T0 + 1000,
    )
    expect((await ctl('/webhook-chaos', send('PUT', { duplicateRate: 1 }))).status).toBe(200)
    const reset = (await (await ctl('/reset', send('POST', {}))).json()) as { calls: number }
    expect(reset.calls).toBe(0)
    expect(h.emu.now()).toBe(T0)
  })
})
