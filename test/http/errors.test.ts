import { describe, expect, it } from 'vitest'

import {
  ApiError,
  AuthError,
  ConflictError,
  ForbiddenError,
  GoneError,
  NotFoundError,
  RateLimitedError,
  ServerError,
  TimeoutError,
  ValidationError,
  mapHttpError,
  parseCanonicalLink,
} from '../../src/http/errors.js'
import type { ServiceName } from '../../src/http/types.js'

const intercomBody = (code: string, message = 'x') => ({
  type: 'error.list',
  request_id: 'req-1',
  errors: [{ code, message }],
})

const map = (service: ServiceName, status: number, body?: unknown, h: Record<string, string> = {}) =>
  mapHttpError({ service, endpoint: 'POST /contacts', status, headers: new Headers(h), body })

describe('mapHttpError', () => {
  const table: Array<[ServiceName, number, unknown, new (...args: never[]) => ApiError]> = [
    ['intercom', 401, intercomBody('unauthorized', 'Access Token Invalid'), AuthError],
    ['intercom', 403, intercomBody('api_plan_restricted'), ForbiddenError],
    ['intercom', 404, intercomBody('not_found'), NotFoundError],
    ['intercom', 409, intercomBody('conflict'), ConflictError],
    ['intercom', 410, intercomBody('contact_merged'), GoneError],
    ['intercom', 400, intercomBody('parameter_invalid'), ValidationError],
    ['intercom', 422, intercomBody('parameter_not_found'), ValidationError],
    ['intercom', 429, intercomBody('rate_limit_exceeded'), RateLimitedError],
    ['intercom', 500, undefined, ServerError],
    ['intercom', 503, 'not json', ServerError],
    ['intercom', 408, undefined, TimeoutError],
    // Classified by code even when the status is unusual.
    ['intercom', 400, intercomBody('token_revoked'), AuthError],
    ['aircall', 401, { message: 'Unauthorized' }, AuthError],
    ['aircall', 403, { message: 'Forbidden' }, ForbiddenError],
    ['aircall', 404, { message: 'Not Found' }, NotFoundError],
    ['aircall', 422, { error: 'Unprocessable', troubleshoot: 'already imported' }, ValidationError],
    ['aircall', 429, undefined, RateLimitedError],
    ['aircall', 502, undefined, ServerError],
  ]
  it.each(table)('%s %i → %o', (service, status, body, Ctor) => {
    const e = map(service, status, body)
    expect(e).toBeInstanceOf(Ctor)
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(status)
    expect(e.service).toBe(service)
    expect(e.endpoint).toBe('POST /contacts')
  })

  it('never classifies by message text', () => {
    // A 400 whose prose mentions "rate limit" or "unauthorized" is still a validation error.
    const e = map('intercom', 400, intercomBody('parameter_invalid', 'unauthorized rate limit exceeded'))
    expect(e).toBeInstanceOf(ValidationError)
  })

  it('parses the existing id out of a 409 conflict', () => {
    const e = map(
      'intercom',
      409,
      intercomBody('conflict', 'A contact matching those details already exists with id=6762f0dd1bb69f9f2193bb83'),
    )
    expect(e).toBeInstanceOf(ConflictError)
    expect((e as ConflictError).existingId).toBe('6762f0dd1bb69f9f2193bb83')
    expect(e.code).toBe('conflict')
    expect(e.requestId).toBe('req-1')
  })

  it('reads the canonical id of a merged contact from the Link header', () => {
    const e = map('intercom', 410, intercomBody('contact_merged'), {
      link: '</contacts/abc123>; rel="canonical"',
    })
    expect((e as GoneError).canonicalId).toBe('abc123')
    expect(parseCanonicalLink('<https://api.intercom.io/contacts/z9?x=1>; rel=canonical')).toBe('z9')
    expect(parseCanonicalLink('</contacts/n>; rel="next"')).toBeUndefined()
  })

  it('gives a hint for bad credentials and reads the Aircall 400 body', () => {
    expect(map('intercom', 401).hint).toMatch(/INTERCOM_ACCESS_TOKEN/)
    expect(map('aircall', 403).hint).toMatch(/AIRCALL_API_ID/)
    const e = map('aircall', 400, {
      error: 'Bad Request',
      message: 'BAD_REQUEST',
      errors:
        'Your query is limited to 10k results and pagination is out of bound, please use timestamps or other filters.',
      troubleshoot: 'BAD_REQUEST',
    })
    expect(e.code).toBe('BAD_REQUEST')
    expect(e.message).toMatch(/aircall POST \/contacts failed 400 BAD_REQUEST: Your query is limited to 10k/)
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
