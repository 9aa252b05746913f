import { createServer } from 'node:net'

import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'

import {
  AuthError,
  NetworkError,
  RateLimitedError,
  ResponseShapeError,
  ServerError,
  TimeoutError,
  UnreachableError,
} from '../../src/http/errors.js'
import { HttpClient, type HttpClientOptions } from '../../src/http/request.js'
import { type HttpEvent, type Sleep, realSleep } from '../../src/http/types.js'
import { INTERCOM_ERRORS } from '../../src/intercom/errors.js'
import { IntercomRateGate } from '../../src/intercom/rate-gate.js'
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
  // The core with a real API's error dialect, so its body parsing and hints travel through every path here.
  const http = new HttpClient({
    service: 'intercom',
    baseUrl: server.url,
    headers: { authorization: `Bearer ${SECRET}` },
    errors: INTERCOM_ERRORS,
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

  it('reports a refused connection with the URL and the cause after one retry 1 s later, even for a POST', async () => {
    const probe = createServer()
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
    const port = (probe.address() as { port: number }).port
    await new Promise<void>((r) => probe.close(() => r()))
    const clock = new ManualClock()
    const events: HttpEvent[] = []
    const http = new HttpClient({
      service: 'intercom',
      baseUrl: `http://127.0.0.1:${port}`,
      headers: {},
      errors: INTERCOM_ERRORS,
      clock,
      sleep: clock.sleep,
      onEvent: (e) => events.push(e),
    })
    const err = (await http
      .request({ method: 'POST', path: '/conversations', body: {} })
      .catch((e: unknown) => e)) as UnreachableError
    expect(err).toBeInstanceOf(UnreachableError)
    expect(err.message).toBe(`cannot reach Intercom at http://127.0.0.1:${port}/ : connection refused`)
    expect(err).toMatchObject({ endpoint: 'POST /conversations', errorCode: 'unreachable', failure: 'retry' })
    expect(err.hint).toMatch(/INTERCOM_API_URL/)
    expect(clock.sleeps).toEqual([1_000])
    expect(events).toEqual([
      {
        type: 'retry',
        service: 'intercom',
        endpoint: 'POST /conversations',
        attempt: 1,
        outcome: 'unreachable',
        waitMs: 1_000,
        reason: 'connection refused',
      },
      {
        type: 'unreachable',
        service: 'intercom',
        endpoint: 'POST /conversations',
        url: `http://127.0.0.1:${port}/`,
        reason: 'connection refused',
      },
    ])
  })

  it('says why in every retry event', async () => {
    const { http, events } = await setup((_r, i) =>
      i === 0
        ? { status: 503, json: { type: 'error.list', errors: [{ code: 'service_unavailable', message: 'down' }] } }
        : i === 1
          ? { hangUp: true }
          : { json: { ok: true } },
    )
    await http.request({ method: 'GET', path: '/me', schema: okSchema })
    const reasons = events.flatMap((e) => (e.type === 'retry' ? [e.reason] : []))
    expect(reasons[0]).toBe('503 service_unavailable')
    expect(reasons[1]).toMatch(/socket hang up|ECONNRESET|closed/)
  })

  describe('cancelOn: a run-wide signal reaches every request of the client', () => {
    /** A sleep that only ends when aborted, to prove the abort is what ends it. */
    const sleepUntilAborted =
      (slept: number[]): Sleep =>
      (ms, signal) =>
        new Promise<void>((_resolve, reject) => {
          slept.push(ms)
          signal?.throwIfAborted()
          signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true })
        })

    it('ends a request in flight', async () => {
      const { http, server } = await setup(() => ({ delayMs: 5_000, json: { ok: true } }))
      const run = new AbortController()
      http.cancelOn(run.signal)
      const pending = http.request({ method: 'GET', path: '/me', schema: okSchema }).catch((e: unknown) => e)
      while (server.requests.length === 0) await new Promise((r) => setImmediate(r))
      run.abort(new Error('stopped by the run'))
      expect(await pending).toEqual(new Error('stopped by the run'))
    })

    it('ends a request sleeping before its retry, and one waiting at the paused gate', async () => {
      const slept: number[] = []
      const clock = new ManualClock()
      const sleep = sleepUntilAborted(slept)
      const gate = new IntercomRateGate({ clock, sleep })
      const { http, server } = await setup(
        () => ({ status: 429, headers: { 'x-ratelimit-remaining': '0', 'retry-after': '30' } }),
        { gate, sleep },
      )
      const run = new AbortController()
      http.cancelOn(run.signal)
      const first = http.request({ method: 'GET', path: '/a', schema: okSchema }).catch((e: unknown) => e)
      while (slept.length === 0) await new Promise((r) => setImmediate(r))
      // The 429 paused the gate for 30 s: the next request waits at the gate, the first one in its retry backoff.
      const second = http.request({ method: 'GET', path: '/b', schema: okSchema }).catch((e: unknown) => e)
      while (slept.length < 2) await new Promise((r) => setImmediate(r))
      expect(slept).toEqual([30_000, 30_000])
      run.abort(new Error('stopped by the run'))
      expect(await first).toEqual(new Error('stopped by the run'))
      expect(await second).toEqual(new Error('stopped by the run'))
      expect(server.requests.map((r) => r.path)).toEqual(['/a'])
      expect(gate.stats().inFlight).toBe(0)
    })

    it('rejects with the run signal reason from the real sleep too', async () => {
      const { http, events } = await setup(() => ({ status: 503 }), {
        sleep: realSleep,
        random: () => 0.999,
        retry: { baseDelayMs: 60_000 },
      })
      const run = new AbortController()
      http.cancelOn(run.signal)
      const pending = http.request({ method: 'GET', path: '/me', schema: okSchema }).catch((e: unknown) => e)
      while (events.length === 0) await new Promise((r) => setImmediate(r))
      // Sleeping a minute before the retry; the abort ends that sleep at once.
      run.abort(new Error('stopped by the run'))
      expect(await pending).toEqual(new Error('stopped by the run'))
    })
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
