import { afterEach, describe, expect, it } from 'vitest'

import { ConflictError, GoneError, ServerError } from '../../src/http/errors.js'
import { collect } from '../../src/http/paginate.js'
import { IntercomRateGate } from '../../src/intercom/rate-gate.js'
import { IntercomClient, type IntercomClientOptions } from '../../src/intercom/client.js'
import { supportsFormattedPhone } from '../../src/intercom/contacts.js'
import { contactQuery as q } from '../../src/intercom/query.js'
import { type Handler, ManualClock, type TestServer, startServer } from '../http/helpers.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const contact = (id: string, extra: Record<string, unknown> = {}) => ({ type: 'contact', id, role: 'user', ...extra })
const errorList = (code: string, message: string) => ({
  type: 'error.list',
  request_id: 'rq',
  errors: [{ code, message }],
})

async function setup(handler: Handler, over: Partial<IntercomClientOptions> = {}) {
  server = await startServer(handler)
  const clock = new ManualClock()
  const c = new IntercomClient({
    accessToken: 'secret-token',
    baseUrl: server.url,
    clock,
    sleep: clock.sleep,
    random: () => 0,
    ...over,
  })
  return { c, clock, server }
}

describe('IntercomClient', () => {
  it('sends Bearer auth and the pinned Intercom-Version', async () => {
    const { c, server } = await setup(() => ({ json: { type: 'admin', id: '991', name: 'Ann', email: 'a@x.io' } }))
    const me = await c.me()
    expect(me.id).toBe('991')
    expect(server.requests[0]?.headers.authorization).toBe('Bearer secret-token')
    expect(server.requests[0]?.headers['intercom-version']).toBe('2.16')
  })

  it('resolves regional hosts unless a base URL is given', () => {
    const host = (c: IntercomClient) => (c.http as unknown as { baseUrl: URL }).baseUrl.host
    expect(host(new IntercomClient({ accessToken: 't' }))).toBe('api.intercom.io')
    expect(host(new IntercomClient({ accessToken: 't', region: 'eu' }))).toBe('api.eu.intercom.io')
    expect(host(new IntercomClient({ accessToken: 't', region: 'au' }))).toBe('api.au.intercom.io')
  })

  it('pages a search with starting_after in the request body', async () => {
    const { c, server } = await setup((req) => {
      const cursor = (req.body as { pagination: { starting_after?: string } }).pagination.starting_after
      if (!cursor)
        return { json: { type: 'list', data: [contact('a'), contact('b')], pages: { next: { starting_after: 'c1' } } } }
      return { json: { type: 'list', data: [contact('c')], pages: { type: 'pages' } } }
    })
    const all = await collect(c.contacts.listAll(), 100)
    expect(all.map((x) => x.id)).toEqual(['a', 'b', 'c'])
    expect(server.requests).toHaveLength(2)
    expect(server.requests[1]?.query.has('starting_after')).toBe(false)
    expect(server.requests[1]?.body).toMatchObject({
      query: {
        operator: 'OR',
        value: [
          { field: 'role', operator: '=', value: 'user' },
          { field: 'role', operator: '=', value: 'lead' },
        ],
      },
      pagination: { per_page: 150, starting_after: 'c1' },
    })
  })

  it('finds by phone with formatted_phone on 2.16 and phone IN variants before', async () => {
    const answer = { json: { type: 'list', data: [contact('a', { phone: '+14155550100' })] } }
    const { c, server } = await setup(() => answer)
    await c.contacts.findByPhone('+14155550100', ['+1 415-555-0100', '4155550100'])
    expect((server.requests[0]?.body as { query: unknown }).query).toEqual({
      operator: 'OR',
      value: [
        { field: 'formatted_phone', operator: '=', value: '+14155550100' },
        { field: 'phone', operator: 'IN', value: ['+14155550100', '+1 415-555-0100', '4155550100'] },
      ],
    })
    const old = new IntercomClient({ accessToken: 't', baseUrl: server.url, version: '2.14' })
    await old.contacts.findByPhone('+14155550100', ['4155550100'])
    expect(server.requests[1]?.headers['intercom-version']).toBe('2.14')
    expect((server.requests[1]?.body as { query: unknown }).query).toEqual({
      field: 'phone',
      operator: 'IN',
      value: ['+14155550100', '4155550100'],
    })
    expect(supportsFormattedPhone('2.15')).toBe(false)
    expect(supportsFormattedPhone('Preview')).toBe(true)
  })

  it('does not replay a contact create after a 503', async () => {
    const { c, server } = await setup(() => ({ status: 503, json: errorList('service_unavailable', 'down') }))
    await expect(c.contacts.create({ role: 'user', email: 'a@x.io' })).rejects.toBeInstanceOf(ServerError)
    expect(server.requests).toHaveLength(1)
  })

  it('replays a create the caller marks replaySafe', async () => {
    const { c, server } = await setup((_r, i) => (i === 0 ? { status: 503 } : { json: contact('n1') }))
    expect((await c.contacts.create({ email: 'a@x.io' }, { replaySafe: true })).id).toBe('n1')
    expect(server.requests).toHaveLength(2)
  })

  it('yields the existing contact on a 409 conflict', async () => {
    const existing = '6762f0dd1bb69f9f2193bb83'
    const { c } = await setup((req) =>
      req.method === 'POST'
        ? {
            status: 409,
            json: errorList('conflict', `A contact matching those details already exists with id=${existing}`),
          }
        : { json: contact(existing, { email: 'a@x.io' }) },
    )
    const err = (await c.contacts.create({ email: 'a@x.io' }).catch((e: unknown) => e)) as ConflictError
    expect(err).toBeInstanceOf(ConflictError)
    expect(err.existingId).toBe(existing)
    const got = await c.contacts.createOrGetExisting({ email: 'a@x.io' })
    expect(got).toMatchObject({ created: false, contact: { id: existing } })
  })

  it('follows a merged contact through 410 + Link to the canonical one', async () => {
    const { c } = await setup((req) =>
      req.path === '/contacts/old'
        ? {
            status: 410,
            headers: { link: '</contacts/new>; rel="canonical"' },
            json: errorList('contact_merged', 'merged'),
          }
        : { json: contact('new') },
    )
    await expect(c.contacts.get('old')).rejects.toBeInstanceOf(GoneError)
    expect((await c.contacts.getFollowingMerges('old')).id).toBe('new')
  })

  it('builds conversation, note, parts and message bodies as Intercom documents them', async () => {
    const conversation = { type: 'conversation', id: '77', state: 'open', open: true }
    const { c, server } = await setup((req) => {
      if (req.path === '/conversations') return { json: { type: 'user_message', id: '5', conversation_id: '77' } }
      if (req.path === '/messages') return { json: { type: 'admin_message', id: 19, message_type: 'inapp' } }
      return { json: conversation }
    })
    expect((await c.conversations.create({ contactId: 'c1', body: 'Missed call' })).conversation_id).toBe('77')
    await c.conversations.addNote('77', { adminId: '991', body: '<p>Call</p>' })
    await c.conversations.close('77', { adminId: '991' })
    await c.conversations.assign('77', { adminId: '991', assigneeId: '5', type: 'team' })
    await c.conversations.update('77', { customAttributes: { call_outcome: 'missed' } })
    expect((await c.messages.sendInApp({ adminId: '991', contactId: 'c1', body: 'Sorry' })).id).toBe('19')
    const bodies = server.requests.map((r) => [r.method, r.path, r.body])
    expect(bodies).toEqual([
      ['POST', '/conversations', { from: { type: 'contact', id: 'c1' }, body: 'Missed call' }],
      [
        'POST',
        '/conversations/77/reply',
        { message_type: 'note', type: 'admin', admin_id: '991', body: '<p>Call</p>' },
      ],
      ['POST', '/conversations/77/parts', { message_type: 'close', type: 'admin', admin_id: '991' }],
      [
        'POST',
        '/conversations/77/parts',
        { message_type: 'assignment', type: 'team', admin_id: '991', assignee_id: '5' },
      ],
      ['PUT', '/conversations/77', { custom_attributes: { call_outcome: 'missed' } }],
      [
        'POST',
        '/messages',
        {
          message_type: 'inapp',
          body: 'Sorry',
          from: { type: 'admin', id: 991 },
          to: { type: 'user', id: 'c1' },
          create_conversation_without_contact_reply: true,
        },
      ],
    ])
  })

  it('rejects queries Intercom would refuse', () => {
    const sixteen = Array.from({ length: 16 }, (_, i) => q.eq('phone', String(i)))
    expect(() => q.or(...sixteen)).toThrow(RangeError)
    expect(() => q.and(q.or(q.and(q.eq('role', 'user'))))).toThrow(RangeError)
    expect(q.and(q.or(q.eq('role', 'user'), q.eq('role', 'lead')), q.eq('email', 'a@x.io')).value).toHaveLength(2)
  })

  it('keeps three window budgets of requests to a handful of 429s, each honoured', async () => {
    // A fake Intercom with 100 requests per 10-s window aligned on the clock. Another app of the workspace
    // takes 30 of the first window and, unannounced, 60 more of the second once we are halfway through it.
    const clock = new ManualClock(1_700_000_000_000)
    const first = Math.floor(clock.now() / 10_000)
    const used = new Map<number, number>([[first, 30]])
    const served: Array<{ window: number; status: number }> = []
    server = await startServer(() => {
      const w = Math.floor(clock.now() / 10_000)
      let count = (used.get(w) ?? 0) + 1
      if (w === first + 1 && count === 50) count += 60
      used.set(w, count)
      const h = {
        'x-ratelimit-limit': '100',
        'x-ratelimit-remaining': String(Math.max(0, 100 - count)),
        'x-ratelimit-reset': String((w + 1) * 10),
      }
      const status = count > 100 ? 429 : 200
      served.push({ window: w, status })
      if (status === 429) {
        return {
          status,
          headers: h,
          json: errorList('rate_limit_exceeded', 'Exceeded rate limit of 100 in 10_seconds'),
        }
      }
      return { headers: h, json: { type: 'admin', id: '1' } }
    })
    const gate = new IntercomRateGate({ perMinute: 600, concurrency: 4, clock, sleep: clock.sleep })
    const c = new IntercomClient({
      accessToken: 't',
      baseUrl: server.url,
      gate,
      clock,
      sleep: clock.sleep,
      random: () => 0,
    })
    const results = await Promise.all(Array.from({ length: 300 }, () => c.me()))
    expect(results).toHaveLength(300)
    const limited = served.filter((s) => s.status === 429)
    expect(limited.length).toBeGreaterThan(0)
    expect(limited.length).toBeLessThanOrEqual(4)
    expect(gate.stats().rateLimited).toBe(limited.length)
    // Honoured: after the first 429 of a window, only requests already in flight reach that window.
    const firstLimited = served.findIndex((s) => s.status === 429)
    const sameWindowAfter = served.slice(firstLimited).filter((s) => s.window === served[firstLimited]!.window)
    expect(sameWindowAfter.length).toBeLessThanOrEqual(4)
    // Three budgets' worth of our requests fit in four windows (the first was a third used by someone else).
    expect(Math.max(...served.map((s) => s.window)) - first).toBeLessThanOrEqual(4)
  })
})
