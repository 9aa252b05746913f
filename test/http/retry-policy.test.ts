import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { NetworkError, TimeoutError, UnreachableError, mapHttpError } from '../../src/http/errors.js'
import { classifyFailure } from '../../src/http/failure.js'
import {
  type Outcome,
  type RetryInput,
  backoffMs,
  decideRetry,
  parseResetHeader,
  parseRetryAfter,
  retryHintsFromHeaders,
  STANDARD_RATE_HEADERS,
} from '../../src/http/retry-policy.js'

const NOW = 1_700_000_000_000

/** The class the request core passes for an outcome: the typed error it maps to, then classifyFailure. */
const failureOf = (outcome: Outcome): RetryInput['failure'] => {
  const init = { service: 'intercom' as const, endpoint: 'GET /x' }
  if (outcome === 'network') return classifyFailure(new NetworkError(init))
  if (outcome === 'timeout') return classifyFailure(new TimeoutError(init))
  if (outcome === 'unreachable') {
    return classifyFailure(new UnreachableError({ ...init, url: 'http://127.0.0.1:9/', reason: 'connection refused' }))
  }
  const headers = { get: () => null }
  return classifyFailure(mapHttpError({ ...init, status: outcome, headers, body: undefined }))
}

const base = (over: Partial<RetryInput>): RetryInput => {
  const outcome = over.outcome ?? 503
  return {
    outcome,
    failure: failureOf(outcome),
    attempt: 1,
    method: 'GET',
    replaySafe: false,
    now: NOW,
    random: () => 0.5,
    ...over,
  }
}

describe('decideRetry', () => {
  const table: Array<[string, Partial<RetryInput>, boolean]> = [
    ['GET 503', { method: 'GET', outcome: 503 }, true],
    ['GET 500', { method: 'GET', outcome: 500 }, true],
    ['GET 408', { method: 'GET', outcome: 408 }, true],
    ['GET 429', { method: 'GET', outcome: 429 }, true],
    ['GET network', { method: 'GET', outcome: 'network' }, true],
    ['GET timeout', { method: 'GET', outcome: 'timeout' }, true],
    ['PUT 502', { method: 'PUT', outcome: 502 }, true],
    ['DELETE timeout', { method: 'DELETE', outcome: 'timeout' }, true],
    ['HEAD network', { method: 'HEAD', outcome: 'network' }, true],
    ['GET 400', { method: 'GET', outcome: 400 }, false],
    ['GET 401', { method: 'GET', outcome: 401 }, false],
    ['GET 404', { method: 'GET', outcome: 404 }, false],
    ['GET 409', { method: 'GET', outcome: 409 }, false],
    ['GET 422', { method: 'GET', outcome: 422 }, false],
    ['GET 200', { method: 'GET', outcome: 200 }, false],
    ['POST 429 (never processed)', { method: 'POST', outcome: 429 }, true],
    ['POST 503', { method: 'POST', outcome: 503 }, false],
    ['POST 500', { method: 'POST', outcome: 500 }, false],
    ['POST network', { method: 'POST', outcome: 'network' }, false],
    ['POST timeout', { method: 'POST', outcome: 'timeout' }, false],
    ['POST 408', { method: 'POST', outcome: 408 }, false],
    ['PATCH 503', { method: 'PATCH', outcome: 503 }, false],
    ['POST 503 replaySafe', { method: 'POST', outcome: 503, replaySafe: true }, true],
    ['POST network replaySafe', { method: 'POST', outcome: 'network', replaySafe: true }, true],
    ['POST timeout replaySafe', { method: 'POST', outcome: 'timeout', replaySafe: true }, true],
    ['POST 400 replaySafe', { method: 'POST', outcome: 400, replaySafe: true }, false],
    ['GET 503 at last attempt', { method: 'GET', outcome: 503, attempt: 6 }, false],
    ['GET 503 with maxAttempts 2, attempt 2', { outcome: 503, attempt: 2, options: { maxAttempts: 2 } }, false],
    ['GET 503 with maxAttempts 2, attempt 1', { outcome: 503, attempt: 1, options: { maxAttempts: 2 } }, true],
  ]
  it.each(table)('%s → retry=%s', (_name, over, expected) => {
    expect(decideRetry(base(over)).retry).toBe(expected)
  })

  it('retries only what classifyFailure calls transient, whatever the status', () => {
    // Intercom can name the real cause in the body: an auth code on a 500 is not retried, a rate limit on a 400 is.
    expect(decideRetry(base({ outcome: 500, failure: 'auth' }))).toEqual({
      retry: false,
      reason: 'status 500 is not retryable (auth)',
    })
    expect(decideRetry(base({ outcome: 400, failure: 'retry', random: () => 0 }))).toEqual({ retry: true, waitMs: 0 })
  })

  it('explains why a POST is not replayed', () => {
    const d = decideRetry(base({ method: 'POST', outcome: 503 }))
    expect(d).toEqual({ retry: false, reason: expect.stringMatching(/replaySafe/) as unknown })
  })

  it('uses capped exponential backoff with full jitter', () => {
    const opts = { baseDelayMs: 100, maxDelayMs: 1_000 }
    const waits = [1, 2, 3, 4, 5, 6].map((attempt) =>
      decideRetry(base({ attempt, random: () => 0.999999, options: { ...opts, maxAttempts: 10 } })),
    )
    expect(waits.map((w) => (w.retry ? w.waitMs : -1))).toEqual([99, 199, 399, 799, 999, 999])
    expect(decideRetry(base({ random: () => 0 }))).toEqual({ retry: true, waitMs: 0 })
  })

  it('keeps jittered backoff within [0, cap] for any attempt and random value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (attempt, r) => {
        const ms = backoffMs(attempt, () => r, { baseDelayMs: 500, maxDelayMs: 30_000 })
        return ms >= 0 && ms <= 30_000 && ms <= 500 * 2 ** (attempt - 1)
      }),
    )
  })

  it('honours Retry-After on 429 and 503, and the reset time on 429', () => {
    expect(decideRetry(base({ outcome: 429, retryAfterMs: 7_000 }))).toEqual({ retry: true, waitMs: 7_000 })
    expect(decideRetry(base({ outcome: 503, retryAfterMs: 2_000 }))).toEqual({ retry: true, waitMs: 2_000 })
    expect(decideRetry(base({ outcome: 429, resetAt: NOW + 4_200 }))).toEqual({ retry: true, waitMs: 4_200 })
    expect(decideRetry(base({ outcome: 429, resetAt: NOW - 10 }))).toEqual({ retry: true, waitMs: 0 })
    // Intercom sends reset headers on every response: on a 500 they are not a reason to wait.
    expect(decideRetry(base({ outcome: 500, resetAt: NOW + 9_000, random: () => 0 }))).toEqual({
      retry: true,
      waitMs: 0,
    })
  })

  it('retries an unreachable address once, after 1 s, for any method, then gives up', () => {
    expect(decideRetry(base({ outcome: 'unreachable' }))).toEqual({ retry: true, waitMs: 1_000 })
    // Nothing reached the server: a POST cannot have been processed.
    expect(decideRetry(base({ outcome: 'unreachable', method: 'POST' }))).toEqual({ retry: true, waitMs: 1_000 })
    expect(decideRetry(base({ outcome: 'unreachable', attempt: 2, consecutiveUnreachable: 2 }))).toEqual({
      retry: false,
      reason: 'unreachable on 2 attempts in a row',
    })
    // A refusal after two 503s (a restart) still gets its one retry; the overall cap still holds.
    expect(decideRetry(base({ outcome: 'unreachable', attempt: 3, consecutiveUnreachable: 1 })).retry).toBe(true)
    expect(decideRetry(base({ outcome: 'unreachable', attempt: 6, consecutiveUnreachable: 1 })).retry).toBe(false)
    const configured = { unreachableAttempts: 3, unreachableDelayMs: 200 }
    expect(decideRetry(base({ outcome: 'unreachable', consecutiveUnreachable: 2, options: configured }))).toEqual({
      retry: true,
      waitMs: 200,
    })
  })

  it('keeps the whole unreachable budget within about 2 s whatever else the options say', () => {
    let waited = 0
    for (let attempt = 1; ; attempt++) {
      const d = decideRetry(base({ outcome: 'unreachable', attempt, consecutiveUnreachable: attempt }))
      if (!d.retry) break
      waited += d.waitMs
    }
    expect(waited).toBeLessThanOrEqual(2_000)
  })

  it('does not wait for a server reset beyond maxServerWaitMs', () => {
    const d = decideRetry(base({ outcome: 429, resetAt: NOW + 3_600_000 }))
    expect(d.retry).toBe(false)
  })
})

describe('header parsing', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3', NOW)).toBe(3_000)
    expect(parseRetryAfter('1.5', NOW)).toBe(1_500)
    expect(parseRetryAfter(new Date(NOW + 12_000).toUTCString(), NOW)).toBe(12_000)
    expect(parseRetryAfter(new Date(NOW - 12_000).toUTCString(), NOW)).toBe(0)
    expect(parseRetryAfter('soon', NOW)).toBeUndefined()
    expect(parseRetryAfter(null, NOW)).toBeUndefined()
  })

  it('reads reset headers as UNIX seconds, ms above 1e12, relative below 1e9', () => {
    expect(parseResetHeader('1700000010', NOW)).toBe(1_700_000_010_000)
    expect(parseResetHeader('1700000010500', NOW)).toBe(1_700_000_010_500)
    expect(parseResetHeader('30', NOW)).toBe(NOW + 30_000)
    expect(parseResetHeader('nope', NOW)).toBeUndefined()
    expect(parseResetHeader('-5', NOW)).toBeUndefined()
  })

  it('reads no wait until the reset from a 429 that says requests are left in the window', () => {
    const spent = new Headers({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1700000010' })
    expect(retryHintsFromHeaders(spent, NOW)).toEqual({ retryAfterMs: undefined, resetAt: 1_700_000_010_000 })
    const left = new Headers({ 'x-ratelimit-remaining': '1500', 'x-ratelimit-reset': '1700000010', 'retry-after': '1' })
    expect(retryHintsFromHeaders(left, NOW)).toEqual({ retryAfterMs: 1_000, resetAt: undefined })
  })

  it("takes an API's own reset header when the standard one is absent, and only the header sets it is given", () => {
    const vendor = { limit: 'x-vendor-limit', remaining: 'x-vendor-remaining', reset: 'x-vendor-reset' }
    const h = new Headers({ 'x-vendor-reset': '1700000060', 'retry-after': '2' })
    expect(retryHintsFromHeaders(h, NOW, [STANDARD_RATE_HEADERS, vendor])).toEqual({
      retryAfterMs: 2_000,
      resetAt: 1_700_000_060_000,
    })
    expect(retryHintsFromHeaders(h, NOW)).toEqual({ retryAfterMs: 2_000, resetAt: undefined })
    const left = new Headers({ 'x-vendor-remaining': '3', 'x-vendor-reset': '1700000060' })
    expect(retryHintsFromHeaders(left, NOW, [STANDARD_RATE_HEADERS, vendor]).resetAt).toBeUndefined()
  })
})
