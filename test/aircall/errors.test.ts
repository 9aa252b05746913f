import { describe, expect, it } from 'vitest'

import { AIRCALL_ERRORS, isCodeLike } from '../../src/aircall/errors.js'
import {
  ApiError,
  AuthError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  ServerError,
  ValidationError,
  mapHttpError,
} from '../../src/http/errors.js'

const map = (status: number, body?: unknown) =>
  mapHttpError({ service: 'aircall', endpoint: 'POST /contacts', status, headers: new Headers(), body }, AIRCALL_ERRORS)

describe('Aircall errors', () => {
  const table: Array<[number, unknown, new (...args: never[]) => ApiError]> = [
    [401, { message: 'Unauthorized' }, AuthError],
    [403, { message: 'Forbidden' }, ForbiddenError],
    [404, { message: 'Not Found' }, NotFoundError],
    [422, { error: 'Unprocessable', troubleshoot: 'already imported' }, ValidationError],
    [429, undefined, RateLimitedError],
    [502, undefined, ServerError],
    // Aircall's codes are status names or prose: none changes the class a status gives.
    [400, { troubleshoot: 'token_revoked' }, ValidationError],
  ]
  it.each(table)('%i %o → %o', (status, body, Ctor) => {
    const e = map(status, body)
    expect(e).toBeInstanceOf(Ctor)
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(status)
    expect(e.service).toBe('aircall')
  })

  it('gives the credentials hint for 401 and 403 alike, and one for an address nothing answers at', () => {
    const hint = 'check AIRCALL_API_ID and AIRCALL_API_TOKEN (Aircall answers 401 or 403 for bad keys)'
    expect(map(401).hint).toBe(hint)
    expect(map(403).hint).toBe(hint)
    expect(AIRCALL_ERRORS.hintFor('unreachable')).toBe(
      'check aircall.apiUrl / AIRCALL_API_URL and that this machine can reach it',
    )
  })

  it('reads the Aircall 400 body: a code-like token as the code, the prose as the detail', () => {
    const e = map(400, {
      error: 'Bad Request',
      message: 'BAD_REQUEST',
      errors:
        'Your query is limited to 10k results and pagination is out of bound, please use timestamps or other filters.',
      troubleshoot: 'BAD_REQUEST',
    })
    expect(e.code).toBe('BAD_REQUEST')
    expect(e.message).toBe(
      'aircall POST /contacts failed 400 BAD_REQUEST: Your query is limited to 10k results and pagination is out of bound, please use timestamps or other filters.',
    )
    expect(e.requestId).toBeUndefined()
  })

  it('tells a code from prose', () => {
    expect(isCodeLike('BAD_REQUEST')).toBe(true)
    expect(isCodeLike('Invalid API key or Bearer access token.')).toBe(false)
    expect(isCodeLike(undefined)).toBe(false)
  })
})
