import { describe, expect, it } from 'vitest'
import { errorEnvelope, resultEnvelope } from '../../src/cli/envelope.js'
import { BUG_HINT, describeError, EXIT } from '../../src/cli/exit-codes.js'
import { ConfigError } from '../../src/config/loader.js'
import { CancelledError, LockedError, PermanentError, UserError } from '../../src/errors.js'
import { AuthError, NotFoundError, ServerError } from '../../src/http/errors.js'

describe('the --json envelope', () => {
  it('is ok only for exit 0: a partial or interrupted run carries its result but is not ok', () => {
    expect(resultEnvelope({ logged: 3 }, EXIT.ok, [])).toEqual({
      ok: true,
      exitCode: 0,
      result: { logged: 3 },
      warnings: [],
    })
    expect(resultEnvelope({ logged: 2 }, EXIT.partial, ['1 dead letter'])).toEqual({
      ok: false,
      exitCode: 3,
      result: { logged: 2 },
      warnings: ['1 dead letter'],
    })
    expect(resultEnvelope(null, EXIT.interrupted, []).ok).toBe(false)
  })

  it('an error takes the exit code its description gives, with the warnings so far', () => {
    const described = describeError(new UserError('bad --since', 'write a date'))
    expect(errorEnvelope(described, ['w'])).toEqual({
      ok: false,
      exitCode: 2,
      error: { exitCode: 2, code: 'usage', message: 'bad --since', hint: 'write a date' },
      warnings: ['w'],
    })
  })
})

const api = { service: 'intercom' as const, endpoint: 'GET /contacts/1', status: 401 }

describe('error → exit code: one table, from what each error class declares', () => {
  it.each([
    ['a usage error', new UserError('bad flag'), EXIT.usage, 'usage'],
    ['a failed user-facing check', new UserError('no such event', undefined, 1), EXIT.failure, 'failed'],
    ['a held lock', new LockedError('another sync runs'), EXIT.failure, 'locked'],
    ['a declined confirmation', new CancelledError(), EXIT.interrupted, 'cancelled'],
    ['a permanent failure', new PermanentError('gone'), EXIT.failure, 'permanent_failure'],
    ['refused credentials', new AuthError(api), EXIT.failure, 'auth_failed'],
    ['a missing record', new NotFoundError({ ...api, status: 404 }), EXIT.failure, 'not_found'],
    ['a 5xx', new ServerError({ ...api, status: 503 }), EXIT.failure, 'server_error'],
    ['an aborted signal', new DOMException('aborted', 'AbortError'), EXIT.interrupted, 'cancelled'],
  ])('%s', (_what, error, exitCode, code) => {
    expect(describeError(error)).toMatchObject({ exitCode, code })
  })

  it('a config error carries every problem, exit 2', () => {
    const error = new ConfigError([{ file: 'a.yml', path: 'tags', message: 'Expected object, received number' }])
    expect(describeError(error)).toMatchObject({
      exitCode: EXIT.usage,
      problems: [{ file: 'a.yml', path: 'tags', message: 'Expected object, received number' }],
    })
  })

  it('an oclif parse error is usage; anything undeclared is a bug (70) with its stack and the report hint', () => {
    const parse = Object.assign(new Error('Nonexistent flag: --nope'), { oclif: { exit: 2 } })
    expect(describeError(parse)).toEqual({ exitCode: EXIT.usage, code: 'usage', message: 'Nonexistent flag: --nope' })
    const bug = describeError(new TypeError('x is undefined'))
    expect(bug).toMatchObject({ exitCode: EXIT.bug, code: 'bug', message: 'TypeError: x is undefined' })
    expect(bug.hint).toBe(BUG_HINT)
    expect(bug.stack).toContain('TypeError')
    expect(describeError('a string')).toMatchObject({ exitCode: EXIT.bug, code: 'bug' })
  })

  it('a database that went away is exit 1, store_unavailable, with a hint to rerun; not a bug', () => {
    const terminated = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    })
    expect(describeError(terminated)).toMatchObject({
      exitCode: EXIT.failure,
      code: 'store_unavailable',
      message: 'the state store stopped answering: terminating connection due to administrator command',
    })
    const refused = describeError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    )
    expect(refused).toMatchObject({ exitCode: EXIT.failure, code: 'store_unavailable' })
    expect(refused.hint).toContain('run the same command again once it answers')
    expect(refused.stack).toBeUndefined()
  })
})
