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
} from '../../src/http/errors.js'
import { INTERCOM_ERRORS } from '../../src/intercom/errors.js'

const intercomBody = (code: string, message = 'x') => ({
  type: 'error.list',
  request_id: 'req-1',
  errors: [{ code, message }],
})

const map = (status: number, body?: unknown, h: Record<string, string> = {}) =>
  mapHttpError(
    { service: 'intercom', endpoint: 'POST /contacts', status, headers: new Headers(h), body },
    INTERCOM_ERRORS,
  )

describe('Intercom errors', () => {
  const table: Array<[number, unknown, new (...args: never[]) => ApiError]> = [
    [401, intercomBody('unauthorized', 'Access Token Invalid'), AuthError],
    [403, intercomBody('api_plan_restricted'), ForbiddenError],
    [404, intercomBody('not_found'), NotFoundError],
    [409, intercomBody('conflict'), ConflictError],
    [410, intercomBody('contact_merged'), GoneError],
    [400, intercomBody('parameter_invalid'), ValidationError],
    [422, intercomBody('parameter_not_found'), ValidationError],
    [429, intercomBody('rate_limit_exceeded'), RateLimitedError],
    [500, undefined, ServerError],
    [503, 'not json', ServerError],
    [408, undefined, TimeoutError],
    // Classified by code even when the status is unusual.
    [400, intercomBody('token_revoked'), AuthError],
    [400, intercomBody('unique_user_constraint'), ConflictError],
    [400, intercomBody('contact_merged'), GoneError],
    [400, intercomBody('rate_limit_exceeded'), RateLimitedError],
  ]
  it.each(table)('%i %o → %o', (status, body, Ctor) => {
    const e = map(status, body)
    expect(e).toBeInstanceOf(Ctor)
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(status)
    expect(e.service).toBe('intercom')
    expect(e.endpoint).toBe('POST /contacts')
  })

  it('never classifies by message text', () => {
    // A 400 whose prose mentions "rate limit" or "unauthorized" is still a validation error.
    const e = map(400, intercomBody('parameter_invalid', 'unauthorized rate limit exceeded'))
    expect(e).toBeInstanceOf(ValidationError)
  })

  it('parses the existing id out of a 409 conflict', () => {
    const e = map(
      409,
      intercomBody('conflict', 'A contact matching those details already exists with id=6762f0dd1bb69f9f2193bb83'),
    )
    expect(e).toBeInstanceOf(ConflictError)
    expect((e as ConflictError).existingId).toBe('6762f0dd1bb69f9f2193bb83')
    expect(e.code).toBe('conflict')
    expect(e.requestId).toBe('req-1')
    expect(e.message).toBe(
      'intercom POST /contacts failed 409 conflict: A contact matching those details already exists with id=6762f0dd1bb69f9f2193bb83',
    )
  })

  it('reads the canonical id of a merged contact from the Link header', () => {
    const e = map(410, intercomBody('contact_merged'), { link: '</contacts/abc123>; rel="canonical"' })
    expect((e as GoneError).canonicalId).toBe('abc123')
    expect(e.hint).toBe('the contact was merged; use the canonical id')
  })

  it('gives a hint for bad credentials, a missing permission and an address nothing answers at', () => {
    expect(map(401).hint).toBe('check INTERCOM_ACCESS_TOKEN (and the region: us, eu or au)')
    expect(map(403).hint).toBe('the Intercom app lacks a permission or plan for this endpoint')
    expect(INTERCOM_ERRORS.hintFor('unreachable')).toBe(
      'check intercom.apiUrl / INTERCOM_API_URL (or intercom.region) and that this machine can reach it',
    )
  })
})
