import { createServer } from 'node:http'
import { afterEach, describe, expect, test } from 'vitest'
import { FaultInjector, matches, parseFaultRules } from '../../src/common/faults.js'
import { readJsonBody, sendJson } from '../../src/common/http.js'
import { closeServer, listen } from '../../src/common/listen.js'
import { createRng, mulberry32 } from '../../src/common/prng.js'
import { isRouteMatch, Router } from '../../src/common/router.js'
import { WebhookDeliverer } from '../../src/common/webhook-deliverer.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

describe('router', () => {
  test('matches method + params and reports a verb mismatch', () => {
    const r = new Router().get('/v1/calls/:id', () => undefined).post('/v1/calls/:id/tags', () => undefined)
    const m = r.match('GET', '/v1/calls/42')
    expect(isRouteMatch(m) && m.params).toEqual({ id: '42' })
    expect(isRouteMatch(m) && m.route).toBe('GET /v1/calls/:id')
    expect(r.match('DELETE', '/v1/calls/42')).toEqual({ methodMismatch: true })
    expect(r.match('GET', '/v1/calls/42/x')).toEqual({ methodMismatch: false })
  })
})

describe('prng', () => {
  test('same seed, same sequence; helpers stay in range', () => {
    const a = mulberry32(9)
    const b = mulberry32(9)
    expect([a(), a(), a()]).toEqual([b(), b(), b()])
    const rng = createRng(1)
    for (let i = 0; i < 1000; i++) {
      const n = rng.int(3, 5)
      expect(n >= 3 && n <= 5).toBe(true)
    }
    expect(rng.hex(13)).toMatch(/^[0-9a-f]{13}$/)
  })
})

describe('http + faults', () => {
  test('JSON body limit, malformed body, and faults by schedule, rate and limit, including a reset', async () => {
    const faults = new FaultInjector(createRng(5))
    const server = createServer((req, res) => {
      void (async () => {
        if ((await faults.apply(req, res)) === 'handled') return
        const body = await readJsonBody(req, 64)
        sendJson(res, body.ok ? 200 : 400, body.ok ? { echo: body.value } : { reason: body.reason })
      })()
    })
    const url = await listen(server)
    cleanups.push(() => closeServer(server))
    const post = (body: string) => fetch(`${url}/contacts`, { method: 'POST', body })
    expect(await (await post('{"a":1}')).json()).toEqual({ echo: { a: 1 } })
    expect(await (await post('{"a"')).json()).toEqual({ reason: 'malformed' })
    expect(await (await post(JSON.stringify({ a: 'x'.repeat(100) }))).json()).toEqual({ reason: 'too-large' })

    faults.set([
      { match: 'POST /contacts', kind: 'status', status: 503, nth: [1, 3] },
      { match: 'POST /contacts', kind: 'reset', nth: [2] },
      { match: 'POST /contacts', kind: 'latency', latencyMs: 30, limit: 1 },
    ])
    const t = Date.now()
    expect((await post('{}')).status).toBe(503)
    expect(Date.now() - t).toBeGreaterThanOrEqual(25)
    await expect(post('{}')).rejects.toThrow()
    expect((await post('{}')).status).toBe(503)
    expect((await post('{}')).status).toBe(200)
    expect(faults.list().map((f) => f.hits)).toEqual([2, 1, 1])

    faults.set([{ match: '*', kind: 'rate-limit', rate: 0.3, limit: 5 }])
    let limited = 0
    for (let i = 0; i < 60; i++) if ((await post('{}')).status === 429) limited++
    expect(limited).toBe(5)
  })

  test('rule matching and validation', () => {
    expect(matches('*', 'GET', '/x')).toBe(true)
    expect(matches('POST /contacts', 'POST', '/contacts/search')).toBe(true)
    expect(matches('POST /contacts', 'GET', '/contacts')).toBe(false)
    expect(matches('/v1', 'DELETE', '/v1/x')).toBe(true)
    expect(parseFaultRules([{ match: '*', kind: 'nope' }])).toBeTypeOf('string')
    expect(parseFaultRules({ match: '*', kind: 'status', status: 500, nth: [1] })).toEqual([
      { match: '*', kind: 'status', status: 500, nth: [1] },
    ])
  })
})

describe('webhook deliverer', () => {
  test('retries on the schedule until a 2xx, with a timeout per attempt, and records every attempt', async () => {
    let calls = 0
    const server = createServer((req, res) => {
      calls++
      if (calls === 1) return // never answers: must time out
      res.writeHead(calls === 2 ? 500 : 204)
      res.end()
    })
    const url = await listen(server)
    cleanups.push(() => closeServer(server))
    const d = new WebhookDeliverer({ timeoutMs: 100, retryScheduleMs: [10, 10, 10] })
    cleanups.push(() => {
      d.close()
      return Promise.resolve()
    })
    d.enqueue({ id: 'e1', targetId: 'w1', url, body: '{"x":1}', headers: { 'content-type': 'application/json' } })
    await d.idle()
    expect(d.attempts.map((a) => [a.attempt, a.ok, a.status])).toEqual([
      [1, false, null],
      [2, false, 500],
      [3, true, 204],
    ])
    expect(d.failures[0]!.error).toMatch(/timeout/)
    expect(d.exhausted).toEqual([])
  })
})
