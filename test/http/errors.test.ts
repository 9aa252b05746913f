import { describe, expect, it } from 'vitest'

import {
  ApiError,
  AuthError,
  ConflictError,
  type ErrorDialect,
  ForbiddenError,
  GoneError,
  NotFoundError,
  RateLimitedError,
  ServerError,
  TimeoutError,
  UnreachableError,
  ValidationError,
  mapHttpError,
  parseCanonicalLink,
} from '../../src/http/errors.js'

const map = (status: number, body?: unknown, h: Record<string, string> = {}, dialect?: ErrorDialect) =>
  mapHttpError({ service: 'intercom', endpoint: 'POST /contacts', status, headers: new Headers(h), body }, dialect)

/** A made-up API: `{ error: { code, message } }` bodies, one code that means a revoked key. */
const TEST_DIALECT: ErrorDialect = {
  describeErrorBody: (body) => {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error
    return { code: error?.code, detail: error?.message, requestId: undefined }
  },
  hintFor: (kind) => `hint for ${kind}`,
  failureOfCode: (code) => (code === 'key_revoked' ? 'auth' : code === 'taken' ? 'conflict' : undefined),
  conflictingId: (detail) => /#(\w+)/.exec(detail)?.[1],
}

describe('mapHttpError', () => {
  const table: Array<[number, new (...args: never[]) => ApiError]> = [
    [401, AuthError],
    [403, ForbiddenError],
    [404, NotFoundError],
    [409, ConflictError],
    [410, GoneError],
    [400, ValidationError],
    [422, ValidationError],
    [429, RateLimitedError],
    [500, ServerError],
    [503, ServerError],
    [408, TimeoutError],
    [418, ApiError],
  ]
  it.each(table)('%i → %o, by status alone without a dialect', (status, Ctor) => {
    const e = map(status, { error: { code: 'key_revoked' } })
    expect(e).toBeInstanceOf(Ctor)
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(status)
    expect(e.service).toBe('intercom')
    expect(e.endpoint).toBe('POST /contacts')
    expect(e.code).toBeUndefined()
    expect(e.hint).toBe(status === 410 ? 'the contact was merged; use the canonical id' : undefined)
  })

  it("reads the body, the codes and the hints through the client's dialect", () => {
    const revoked = map(400, { error: { code: 'key_revoked', message: 'revoked' } }, {}, TEST_DIALECT)
    expect(revoked).toBeInstanceOf(AuthError)
    expect(revoked.message).toBe('intercom POST /contacts failed 400 key_revoked: revoked')
    expect(revoked.hint).toBe('hint for auth')
    expect(map(403, undefined, {}, TEST_DIALECT).hint).toBe('hint for forbidden')
    const taken = map(400, { error: { code: 'taken', message: 'already #abc1' } }, {}, TEST_DIALECT)
    expect(taken).toBeInstanceOf(ConflictError)
    expect((taken as ConflictError).existingId).toBe('abc1')
  })

  it('reads the canonical id of a merged record from the Link header', () => {
    const e = map(410, undefined, { link: '</contacts/abc123>; rel="canonical"' })
    expect((e as GoneError).canonicalId).toBe('abc123')
    expect(parseCanonicalLink('<https://api.example.com/contacts/z9?x=1>; rel=canonical')).toBe('z9')
    expect(parseCanonicalLink('</contacts/n>; rel="next"')).toBeUndefined()
  })

  it('carries the reset time of a 429 and the request id header', () => {
    const e = mapHttpError({
      service: 'aircall',
      endpoint: 'GET /v1/calls',
      status: 429,
      headers: new Headers({ 'apigw-requestid': 'gw-7' }),
      body: undefined,
      resetAt: 123_000,
    })
    expect((e as RateLimitedError).resetAt).toBe(123_000)
    expect(e.requestId).toBe('gw-7')
  })
})

describe('UnreachableError', () => {
  it('names the service and the URL, and carries the hint it was given', () => {
    const e = new UnreachableError({
      service: 'aircall',
      endpoint: 'GET /v1/ping',
      url: 'http://127.0.0.1:9/',
      reason: 'connection refused',
      hint: 'check the URL',
    })
    expect(e.message).toBe('cannot reach Aircall at http://127.0.0.1:9/ : connection refused')
    expect(e.detail).toBe('connection refused')
    expect(e.hint).toBe('check the URL')
  })
})
