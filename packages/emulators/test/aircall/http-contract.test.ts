import { afterEach, describe, expect, test } from 'vitest'
import { PAGINATION_CAP_BODY } from '../../src/aircall/errors.js'
import { type Harness, minimalSeed, startHarness, T0 } from './helpers.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.emu.close()
  h = undefined
})

describe('auth', () => {
  test('basic and bearer pass, anything else is 403 (as live Aircall answers) before route logic, 401 when configured', async () => {
    h = await startHarness({ bearerTokens: ['oauth-tok'] })
    expect(await (await h.api('/v1/ping')).json()).toEqual({ ping: 'pong' })
    const bearer = await fetch(`${h.emu.url}/v1/ping`, { headers: { authorization: 'Bearer oauth-tok' } })
    expect(bearer.status).toBe(200)
    const bad = await fetch(`${h.emu.url}/v1/calls/999`, { headers: { authorization: 'Basic Zm9vOmJhcg==' } })
    expect(bad.status).toBe(403)
    expect(await bad.json()).toEqual({
      error: 'Forbidden',
      message: 'Forbidden',
      troubleshoot: 'Invalid API key or Bearer access token.',
    })
    expect(bad.headers.get('apigw-requestid')).toMatch(/^[0-9a-f]{16}$/)
    const wrongBearer = await fetch(`${h.emu.url}/v1/ping`, { headers: { authorization: 'Bearer nope' } })
    expect(wrongBearer.status).toBe(403)
    // Unknown routes are not revealed to unauthenticated callers either.
    expect((await fetch(`${h.emu.url}/v1/nope`)).status).toBe(403)
    await h.emu.close()
    h = await startHarness({ authFailureStatus: 401 })
    const refused = await fetch(`${h.emu.url}/v1/ping`)
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({ error: 'Unauthorized' })
  })
})

describe('pagination', () => {
  test('page 201 at per_page 50 gets the exact 400 body even with no data; page 200 is fine', async () => {
    h = await startHarness()
    const capped = await h.json('/v1/calls?page=201&per_page=50')
    expect(capped.status).toBe(400)
    expect(capped.body).toEqual(PAGINATION_CAP_BODY)
    expect(capped.body).toEqual({
      error: 'Bad Request',
      data: null,
      message: 'BAD_REQUEST',
      errors:
        'Your query is limited to 10k results and pagination is out of bound, please use timestamps or other filters.',
      troubleshoot: 'BAD_REQUEST',
      success: false,
    })
    const tags = await h.json('/v1/tags?page=201&per_page=50')
    expect(tags.status).toBe(400)
    const ok = await h.json<{ calls: unknown[]; meta: Record<string, unknown> }>('/v1/calls?page=200&per_page=50')
    expect(ok.status).toBe(200)
    expect(ok.body.calls).toEqual([])
    expect(ok.body.meta.next_page_link).toBeNull()
  })

  test('per_page 51 clamps to 50; meta links are absolute and echo the query with implicit order=asc', async () => {
    h = await startHarness()
    h.emu.seed(minimalSeed())
    h.emu.generateCalls({ count: 120, from: T0 / 1000 - 3600, to: T0 / 1000, seed: 3 })
    const r = await h.json<{ calls: unknown[]; meta: Record<string, unknown> }>('/v1/calls?per_page=51&page=2')
    expect(r.body.calls).toHaveLength(50)
    expect(r.body.meta).toEqual({
      count: 50,
      total: 120,
      current_page: 2,
      per_page: 50,
      next_page_link: `${h.emu.url}/v1/calls?order=asc&page=3&per_page=50`,
      previous_page_link: `${h.emu.url}/v1/calls?order=asc&page=1&per_page=50`,
    })
    const d = await h.json<{ meta: Record<string, unknown> }>('/v1/calls')
    expect(d.body.meta.per_page).toBe(20)
    expect(d.body.meta.previous_page_link).toBeNull()
  })
})

describe('rate limit', () => {
  test('the 121st request within a minute is 429 with the three headers; normal responses carry none', async () => {
    h = await startHarness()
    for (let i = 0; i < 120; i++) {
      const res = await h.api('/v1/ping')
      expect(res.status).toBe(200)
      if (i === 0 || i === 119) {
        expect(res.headers.get('x-aircallapi-limit')).toBeNull()
        expect(res.headers.get('x-aircallapi-remaining')).toBeNull()
        expect(res.headers.get('x-aircallapi-reset')).toBeNull()
      }
      await res.arrayBuffer()
    }
    const limited = await h.api('/v1/ping')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('x-aircallapi-limit')).toBe('120')
    expect(limited.headers.get('x-aircallapi-remaining')).toBe('0')
    const reset = Number(limited.headers.get('x-aircallapi-reset'))
    // UNIX seconds, at the end of the 60 s lockout measured on the injected clock.
    expect(reset).toBe(Math.ceil((T0 + 60_000) / 1000))
    expect(limited.headers.get('retry-after')).toBeNull()
    h.clock.now += 59_000
    expect((await h.api('/v1/ping')).status).toBe(429)
    h.clock.now += 1_001
    expect((await h.api('/v1/ping')).status).toBe(200)
    const stats = h.emu.requestStats()
    expect(stats.rateLimited).toBe(2)
    expect(stats.byRoute['GET /v1/ping 200']).toBe(121)
  })

  test('60/min budget, no lockout: a sliding window frees slots as requests age out; 0 disables', async () => {
    h = await startHarness({ rateLimitPerMinute: 60, rateLimitLockoutMs: 0 })
    for (let i = 0; i < 60; i++) {
      await (await h.api('/v1/ping')).arrayBuffer()
      h.clock.now += 500
    }
    const limited = await h.api('/v1/ping')
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('x-aircallapi-reset'))).toBe(Math.ceil((T0 + 60_000) / 1000))
    h.clock.now = T0 + 60_001
    expect((await h.api('/v1/ping')).status).toBe(200)
    h.emu.updateSettings({ rateLimitPerMinute: 0 })
    for (let i = 0; i < 130; i++) expect((await h.api('/v1/ping')).status).toBe(200)
  })
})

describe('errors', () => {
  test('unknown id → 404 {error, troubleshoot}; unknown route → {"message":"Not Found"}; malformed body → 400', async () => {
    h = await startHarness()
    h.emu.seed(minimalSeed())
    const missing = await h.json('/v1/calls/123')
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({ error: 'Not Found', troubleshoot: expect.any(String) })
    expect((await h.json('/v1/nothing-here')).body).toEqual({ message: 'Not Found' })
    const bad = await h.json('/v1/tags', { method: 'POST', body: '{"name":' })
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({ error: 'Bad Request', message: 'BAD_REQUEST', success: false })
    expect(h.emu.requestStats().badRequests).toBe(1)
  })
})
