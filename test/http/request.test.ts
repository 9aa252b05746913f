import { createServer } from 'node:net'

import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod/v4'

import {
  AuthError,
  NetworkError,
  RateLimitedError,
  ResponseShapeError,
  ServerError,
  TimeoutError,
} from '../../src/http/errors.js'
import { IntercomRateGate } from '../../src/http/rate-gate.js'
import { HttpClient, type HttpClientOptions } from '../../src/http/request.js'
import type { HttpEvent } from '../../src/http/types.js'
import { type Handler, ManualClock, type TestServer, startServer } from './helpers.js'

const SECRET = 'tok_very_secret_123'
let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function setup(handler: Handler, over: Partial<HttpClientOptions> = {}) {
  server = await startServer(handler)
  const clock = new ManualClock()
  const events: HttpEvent[] = []
  const http = new HttpClient({
    service: 'intercom',
    baseUrl: server.url,
    headers: { authorization: `Bearer ${SECRET}` },
    clock,
    sleep: clock.sleep,
    random: () => 0.5,
    onEvent: (e) => events.push(e),
    ...over,
  })
  return { http, clock, events, server }
}

const okSchema = z.object({ ok: z.boolean() }).passthrough()

describe('HttpClient', () => {
  it('sends JSON with headers and query, and validates the body', async () => {
    const { http, server } = await setup(() => ({ json: { ok: true, extra: 1 } }))
    const res = await http.request({
      method: 'POST',
      path: '/contacts/search',
      query: { a: 1, skip: undefined, 'tags[]': [1, 2] },
      body: { q: 'x' },
      schema: okSchema,
    })
    expect(res.data).toEqual({ ok: true, extra: 1 })
    const req = server.requests[0]!
    expect(req.headers.authorization).toBe(`Bearer ${SECRET}`)
    expect(req.headers['content-type']).toBe('application/json')
    expect(req.query.get('a')).toBe('1')
    expect(req.query.has('skip')).toBe(false)
    expect(req.query.getAll('tags[]')).toEqual(['1', '2'])
    expect(req.body).toEqual({ q: 'x' })
  })

  it('retries a GET through fail, fail, succeed with backoff', async () => {
    const { http, clock, events, server } = await setup((_r, i) => (i < 2 ? { status: 503 } : { json: { ok: true } }))
    const res = await http.request({ method: 'GET', path: '/me', schema: okSchema })
    expect(res.data.ok).toBe(true)
    expect(server.requests).toHaveLength(3)
    // Full jitter at random()=0.5 of 500 ms then 1000 ms.
    expect(clock.sleeps).toEqual([250, 500])
    expect(events.filter((e) => e.type === 'retry').map((e) => e.type === 'retry' && e.outcome)).toEqual([503, 503])
  })

  it('does not replay a POST after a 503 unless it is replaySafe', async () => {
    const { http, server } = await setup((_r, i) => (i < 2 ? { status: 503 } : { json: { ok: true } }))
    await expect(
      http.request({ method: 'POST', path: '/contacts', body: {}, schema: okSchema }),
    ).rejects.toBeInstanceOf(ServerError)
    expect(server.requests).toHaveLength(1)
    const res = await http.request({
      method: 'POST',
      path: '/contacts/search',
      body: {},
      schema: okSchema,
      replaySafe: true,
    })
    expect(res.data.ok).toBe(true)
    expect(server.requests).toHaveLength(3)
  })

  it('replays a POST refused with 429, after the reset', async () => {
    const { http, clock, server } = await setup((_r, i) =>
      i === 0
        ? {
            status: 429,
            headers: { 'x-ratelimit-reset': String(Math.floor(clock.now() / 1000) + 4) },
            json: { type: 'error.list', errors: [{ code: 'rate_limit_exceeded', message: 'Exceeded' }] },
          }
        : { json: { ok: true } },
    )
    const start = clock.now()
    await http.request({ method: 'POST', path: '/contacts', body: {}, schema: okSchema })
    expect(server.requests).toHaveLength(2)
    expect(clock.now() - start).toBeGreaterThanOrEqual(3_000)
    expect(http.gate.stats().rateLimited).toBe(1)
  })

  it('honours a Retry-After date on 429 and gives up with RateLimitedError', async () => {
    const { http, clock } = await setup(
      () => ({
        status: 429,
        headers: { 'retry-after': new Date(clock.now() + 2_000).toUTCString() },
      }),
      { retry: { maxAttempts: 2 } },
    )
    const err = await http.request({ method: 'GET', path: '/me', schema: okSchema }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RateLimitedError)
    expect((err as RateLimitedError).resetAt).toBeGreaterThan(0)
  })

  it('maps 401 to AuthError with a hint and never leaks the token', async () => {
    const { http } = await setup(() => ({
      status: 401,
      json: {
        type: 'error.list',
        request_id: 'r-9',
        errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }],
      },
    }))
    const err = (await http
      .request({ method: 'GET', path: '/me', schema: okSchema })
      .catch((e: unknown) => e)) as AuthError
    expect(err).toBeInstanceOf(AuthError)
    expect(err.requestId).toBe('r-9')
    expect(err.endpoint).toBe('GET /me')
    expect(err.hint).toMatch(/INTERCOM_ACCESS_TOKEN/)
    expect(JSON.stringify({ ...err, message: err.message, stack: err.stack })).not.toContain(SECRET)
  })

  it('turns an unexpected shape into ResponseShapeError naming the endpoint and field path', async () => {
    const { http } = await setup(() => ({ json: { data: [{ id: 'a' }, { id: 7 }] } }))
    const schema = z.object({ data: z.array(z.object({ id: z.string() })) })
    const err = (await http
      .request({ method: 'GET', path: '/contacts', schema })
      .catch((e: unknown) => e)) as ResponseShapeError
    expect(err).toBeInstanceOf(ResponseShapeError)
    expect(err.issues[0]?.path).toBe('data[1].id')
    expect(err.message).toMatch(/intercom GET \/contacts failed 200: unexpected response shape at|data\[1\]\.id/)
  })

  it('reports a non-JSON 2xx body as a shape error', async () => {
    const { http } = await setup(() => ({ text: '<html>', status: 200 }))
    await expect(http.request({ method: 'GET', path: '/x', schema: okSchema })).rejects.toBeInstanceOf(
      ResponseShapeError,
    )
  })

  it('times out a slow response and retries a GET', async () => {
    const { http, server } = await setup(
      (_r, i) => (i === 0 ? { delayMs: 2_000, json: { ok: false } } : { json: { ok: true } }),
      { timeoutMs: 250 },
    )
    const res = await http.request({ method: 'GET', path: '/slow', schema: okSchema })
    expect(res.data.ok).toBe(true)
    expect(server.requests).toHaveLength(2)
  })

  it('raises TimeoutError for a POST that timed out (not replayed)', async () => {
    const { http, server } = await setup(() => ({ delayMs: 2_000, json: { ok: true } }), { timeoutMs: 100 })
    await expect(
      http.request({ method: 'POST', path: '/contacts', body: {}, schema: okSchema }),
    ).rejects.toBeInstanceOf(TimeoutError)
    expect(server.requests).toHaveLength(1)
  })

  it('raises NetworkError when the connection drops, after retrying a GET', async () => {
    const { http, server } = await setup(() => ({ hangUp: true }), { retry: { maxAttempts: 3 } })
    await expect(http.request({ method: 'GET', path: '/me', schema: okSchema })).rejects.toBeInstanceOf(NetworkError)
    expect(server.requests).toHaveLength(3)
  })

  it('raises NetworkError for a refused connection', async () => {
    const probe = createServer()
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
    const port = (probe.address() as { port: number }).port
    await new Promise<void>((r) => probe.close(() => r()))
    const clock = new ManualClock()
    const http = new HttpClient({
      service: 'aircall',
      baseUrl: `http://127.0.0.1:${port}`,
      headers: {},
      clock,
      sleep: clock.sleep,
      retry: { maxAttempts: 2 },
    })
    const err = (await http.request({ method: 'GET', path: '/v1/ping' }).catch((e: unknown) => e)) as NetworkError
    expect(err).toBeInstanceOf(NetworkError)
    expect(err.endpoint).toBe('GET /v1/ping')
  })

  it("propagates the caller's abort as is", async () => {
    const { http } = await setup(() => ({ delayMs: 2_000, json: { ok: true } }))
    const controller = new AbortController()
    const pending = http.request({ method: 'GET', path: '/me', schema: okSchema, signal: controller.signal })
    setTimeout(() => controller.abort(new Error('user cancelled')), 20)
    await expect(pending).rejects.toThrow('user cancelled')
  })

  it('keeps a base path prefix', async () => {
    const { http, server } = await setup(() => ({ json: { ok: true } }), {})
    const prefixed = new HttpClient({ service: 'aircall', baseUrl: `${server.url}/proxy`, headers: {} })
    await prefixed.request({ method: 'GET', path: '/v1/ping', schema: okSchema })
    await http.request({ method: 'GET', path: 'v1/ping', schema: okSchema })
    expect(server.requests.map((r) => r.path)).toEqual(['/proxy/v1/ping', '/v1/ping'])
  })

  it('feeds every response to the shared gate', async () => {
    const clock = new ManualClock()
    const gate = new IntercomRateGate({ perMinute: 600, clock, sleep: clock.sleep })
    const { http, server } = await setup(() => ({ json: { ok: true } }), { gate })
    await Promise.all(Array.from({ length: 5 }, () => http.request({ method: 'GET', path: '/me', schema: okSchema })))
    expect(server.requests).toHaveLength(5)
    expect(gate.stats()).toMatchObject({ requests: 5, inFlight: 0 })
  })
})
