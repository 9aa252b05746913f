import { describe, expect, it } from 'vitest'

import { ConfigError } from '../../src/config/loader.js'
import { AircallEventParseError } from '../../src/domain/aircall-event.js'
import { IntercomEventParseError } from '../../src/domain/intercom-event.js'
import { CancelledError, LockedError, PermanentError, UserError } from '../../src/errors.js'
import {
  ApiError,
  type ApiErrorInit,
  AuthError,
  ConflictError,
  ForbiddenError,
  GoneError,
  NetworkError,
  NotFoundError,
  RateLimitedError,
  ResponseShapeError,
  ServerError,
  TimeoutError,
  ValidationError,
  mapHttpError,
} from '../../src/http/errors.js'
import { type FailureClass, classifyFailure, isPermanentError } from '../../src/http/failure.js'
import { INTERCOM_ERRORS } from '../../src/intercom/errors.js'

const init: ApiErrorInit = { service: 'intercom', endpoint: 'POST /conversations', status: 400 }

const table: Array<[string, unknown, FailureClass]> = [
  ['ServerError', new ServerError(init), 'retry'],
  ['NetworkError', new NetworkError(init), 'retry'],
  ['TimeoutError', new TimeoutError(init), 'retry'],
  ['RateLimitedError', new RateLimitedError(init), 'retry'],
  ['AuthError', new AuthError(init), 'auth'],
  ['ForbiddenError', new ForbiddenError(init), 'auth'],
  ['ValidationError', new ValidationError(init), 'permanent'],
  ['NotFoundError', new NotFoundError(init), 'permanent'],
  ['GoneError', new GoneError(init), 'permanent'],
  ['ConflictError', new ConflictError(init), 'permanent'],
  [
    'ResponseShapeError',
    new ResponseShapeError({ ...init, issues: [{ path: 'id', message: 'Required' }] }),
    'permanent',
  ],
  ['an unmapped 4xx (ApiError)', new ApiError({ ...init, status: 405 }), 'permanent'],
  ['UserError', new UserError('bad input'), 'permanent'],
  ['LockedError', new LockedError('another run holds the lock'), 'permanent'],
  ['PermanentError', new PermanentError('no such admin'), 'permanent'],
  ['AircallEventParseError', new AircallEventParseError('Malformed call', ['data.id: Required']), 'permanent'],
  ['IntercomEventParseError', new IntercomEventParseError('No conversation id', ['data.item']), 'permanent'],
  ['ConfigError', new ConfigError([{ file: 'a.yml', path: 'x', message: 'unknown key' }]), 'permanent'],
  ['TypeError', new TypeError("Cannot read properties of undefined (reading 'id')"), 'bug'],
  ['RangeError', new RangeError('Invalid time value'), 'bug'],
  ['a plain Error', new Error('something'), 'bug'],
  ['a thrown string', 'oops', 'bug'],
  ['undefined', undefined, 'bug'],
  ['an Error with a made-up marker', Object.assign(new Error('x'), { failure: 'later' }), 'bug'],
  ['a non-Error object with a marker', { failure: 'retry' }, 'bug'],
]

describe('classifyFailure', () => {
  it.each(table)('%s → %s', (_name, error, expected) => {
    expect(classifyFailure(error)).toBe(expected)
  })

  it('classifies what the HTTP core maps from a response, by status and by the API’s own code', () => {
    const headers = { get: () => null }
    const of = (status: number, code?: string): FailureClass =>
      classifyFailure(
        mapHttpError(
          {
            service: 'intercom',
            endpoint: 'GET /contacts',
            status,
            headers,
            body: code ? { type: 'error.list', errors: [{ code, message: 'x' }] } : undefined,
          },
          INTERCOM_ERRORS,
        ),
      )
    expect([500, 502, 503, 408, 429].map((status) => of(status))).toEqual(['retry', 'retry', 'retry', 'retry', 'retry'])
    expect([400, 404, 409, 410, 422].map((status) => of(status))).toEqual([
      'permanent',
      'permanent',
      'permanent',
      'permanent',
      'permanent',
    ])
    expect([401, 403].map((status) => of(status))).toEqual(['auth', 'auth'])
    expect(of(400, 'rate_limit_exceeded')).toBe('retry')
    expect(of(500, 'token_revoked')).toBe('auth')
  })
})

describe('isPermanentError (the queue worker’s question)', () => {
  it('dead-letters permanent and auth failures at once; retries transient ones and bugs', () => {
    expect(isPermanentError(new ValidationError(init))).toBe(true)
    expect(isPermanentError(new AuthError(init))).toBe(true)
    expect(isPermanentError(new PermanentError('x'))).toBe(true)
    expect(isPermanentError(new ServerError(init))).toBe(false)
    expect(isPermanentError(new TypeError('x'))).toBe(false)
    expect(isPermanentError(new CancelledError())).toBe(false)
  })

  it('a database briefly away is a retry; its other errors are bugs', () => {
    const pgError = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code })
    // node-postgres' errors as a failover, a restart or pg_terminate_backend raise them.
    for (const code of ['57P01', '57P02', '57P03', '08006', '08003', '53300', '40001', '40P01', 'ECONNREFUSED']) {
      expect(classifyFailure(pgError(code)), code).toBe('retry')
    }
    expect(classifyFailure(new Error('Connection terminated unexpectedly'))).toBe('retry')
    expect(classifyFailure(new Error('Client has encountered a connection error and is not queryable'))).toBe('retry')
    expect(classifyFailure(new Error('timeout exceeded when trying to connect'))).toBe('retry')
    // A statement that is wrong stays wrong: retrying it cannot help, and it is reported as the bug it is.
    expect(classifyFailure(pgError('42P01', 'relation "ledger" does not exist'))).toBe('bug')
    expect(classifyFailure(pgError('23505', 'duplicate key value'))).toBe('bug')
  })
})
