import { afterEach, describe, expect, it } from 'vitest'
import { at, startHarness, TOKEN, type Harness } from './helpers.js'

describe('Intercom emulator: transport, rate limits and faults', () => {
  let h: Harness
  afterEach(async () => {
    await h.em.close()
  })

  it('answers 401 "Access Token Invalid" without rate-limit headers', async () => {
    h = await startHarness()
    const res = await h.api('GET', '/me', undefined, { authorization: 'Bearer wrong' })
    expect(res.status).toBe(401)
    expect(res.body).toMatchObject({
      type: 'error.list',
      errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }],
    })
    expect(res.headers.get('x-ratelimit-limit')).toBeNull()
    expect(res.headers.get('x-ratelimit-remaining')).toBeNull()
    const me = await h.api('GET', '/me')
    expect(me.status).toBe(200)
    expect(me.headers.get('x-ratelimit-limit')).toBe('1666')
  })

  it('rejects unknown Intercom-Version values and applies the default version', async () => {
    h = await startHarness({ defaultVersion: '2.14' })
    const bad = await h.api('GET', '/me', undefined, { 'intercom-version': '9.9' })
    expect(bad.status).toBe(400)
    expect(at(bad.body, 'errors', 0, 'code')).toBe('intercom_version_invalid')
    const attrs = await h.api('GET', '/data_attributes?model=conversation')
    expect(attrs.status).toBe(200)
    const attrs216 = await h.api('GET', '/data_attributes?model=conversation', undefined, {
      'intercom-version': '2.16',
    })
    expect(attrs216.status).toBe(422)
  })

  it('limits per 10-second window (limit/6) with X-RateLimit headers and the documented 429', async () => {
    h = await startHarness({ rateLimitPerMinute: 60 })
    h.clock.ms = Date.UTC(2026, 0, 15, 12, 0, 3)
    const windowEnd = String(Date.UTC(2026, 0, 15, 12, 0, 10) / 1000)
    for (let i = 0; i < 10; i++) {
      const ok = await h.api('GET', '/admins')
      expect(ok.status).toBe(200)
      expect(ok.headers.get('x-ratelimit-limit')).toBe('10')
      expect(ok.headers.get('x-ratelimit-remaining')).toBe(String(9 - i))
      expect(ok.headers.get('x-ratelimit-reset')).toBe(windowEnd)
    }
    const limited = await h.api('GET', '/admins')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(limited.body).toMatchObject({
      type: 'error.list',
      errors: [{ code: 'rate_limit_exceeded', message: 'Exceeded rate limit of 10 in 10_seconds' }],
    })
    expect(at(limited.body, 'request_id')).toEqual(expect.any(String))
    h.clock.advance(7000)
    expect((await h.api('GET', '/admins')).status).toBe(200)
    expect(h.em.requestCounts().rateLimited).toBe(1)
    expect(h.em.requestCounts().byRoute['GET /admins']).toEqual({ '200': 11, '429': 1 })
  })

  it('shares the workspace limit between app tokens', async () => {
    h = await startHarness({
      rateLimitPerMinute: 60,
      workspaceRateLimitPerMinute: 90,
      extraAccessTokens: ['other-app'],
    })
    for (let i = 0; i < 10; i++) expect((await h.api('GET', '/admins')).status).toBe(200)
    for (let i = 0; i < 5; i++)
      expect((await h.api('GET', '/admins', undefined, { authorization: 'Bearer other-app' })).status).toBe(200)
    const res = await h.api('GET', '/admins', undefined, { authorization: 'Bearer other-app' })
    expect(res.status).toBe(429)
    expect(at(res.body, 'errors', 0, 'message')).toBe('Exceeded rate limit of 15 in 10_seconds')
    expect(TOKEN).toBeTruthy()
  })

  it('injects faults by schedule, by seeded rate, and connection resets', async () => {
    h = await startHarness()
    h.em.setFaults([{ match: 'GET /admins', kind: 'status', status: 503, nth: [2, 3] }])
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await h.api('GET', '/admins')).status)
    expect(statuses).toEqual([200, 503, 503, 200])

    const draw = async (): Promise<number[]> => {
      const out: number[] = []
      for (let i = 0; i < 20; i++) out.push((await h.api('GET', '/teams')).status)
      return out
    }
    h.em.setFaults([{ match: 'GET /teams', kind: 'rate-limit', rate: 0.5 }])
    const first = await draw()
    expect(first.filter((s) => s === 429).length).toBeGreaterThan(2)
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(2)
    const again = await startHarness()
    again.em.setFaults([{ match: 'GET /teams', kind: 'rate-limit', rate: 0.5 }])
    const replay: number[] = []
    for (let i = 0; i < 20; i++) replay.push((await again.api('GET', '/teams')).status)
    await again.em.close()
    expect(replay).toEqual(first)

    h.em.setFaults([{ match: '*', kind: 'reset', limit: 1 }])
    await expect(h.api('GET', '/me')).rejects.toThrow()
    expect((await h.api('GET', '/me')).status).toBe(200)
  })

  it('requires JSON: an Accept that admits JSON (as Intercom does: */* passes) and a JSON Content-Type', async () => {
    h = await startHarness()
    const accepted = [
      '*/*',
      'application/json',
      'Application/JSON; charset=utf-8',
      'application/*',
      'text/html, */*;q=0.1',
      'text/plain;q=0.5, application/json;q=0.9',
      'application/json;q=abc',
    ]
    for (const accept of accepted) {
      const res = await h.api('GET', '/me', undefined, { accept })
      expect({ accept, status: res.status }).toEqual({ accept, status: 200 })
    }
    const emptyAccept = await fetch(`${h.em.url}/me`, { headers: { authorization: `Bearer ${TOKEN}`, accept: '' } })
    expect(emptyAccept.status).toBe(200)
    for (const accept of ['text/html', 'text/*', 'application/xml', 'application/json;q=0, */*', '*/*;q=0']) {
      const res = await h.api('GET', '/me', undefined, { accept })
      expect({ accept, status: res.status }).toEqual({ accept, status: 406 })
      expect(at(res.body, 'errors', 0, 'code')).toBe('not_acceptable')
    }
    const lenient = await startHarness({ requireAcceptJson: false })
    try {
      expect((await lenient.api('GET', '/me', undefined, { accept: 'text/html' })).status).toBe(200)
    } finally {
      await lenient.em.close()
    }
    const res = await fetch(`${h.em.url}/tags`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json', 'content-type': 'text/plain' },
      body: JSON.stringify({ name: 'x' }),
    })
    expect(res.status).toBe(415)
  })
})
