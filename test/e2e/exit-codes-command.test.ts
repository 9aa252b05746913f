import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { BaseCommand } from '../../src/cli/base-command.js'
import { BUG_HINT, describeError, EXIT } from '../../src/cli/exit-codes.js'
import { ConfigError } from '../../src/config/loader.js'
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
} from '../../src/http/errors.js'
import { StoreError } from '../../src/store/sqlite/index.js'
import { REPO_ROOT } from '../helpers/run-cli.js'

const init: ApiErrorInit = { service: 'intercom', endpoint: 'POST /contacts', status: 400, code: 'conflict' }

describe('describeError', () => {
  const table: Array<[string, unknown, number, string]> = [
    ['UserError (did not start)', new UserError('bad --since'), 2, 'usage'],
    ['UserError (started and failed)', new UserError('no such event', undefined, 1), 1, 'failed'],
    ['UserError with its own code', new UserError('x', undefined, 2, 'file_not_found'), 2, 'file_not_found'],
    ['LockedError', new LockedError('another sync holds the lock'), 1, 'locked'],
    ['CancelledError', new CancelledError(), 130, 'cancelled'],
    ['ConfigError', new ConfigError([{ file: 'a.yml', path: 'x', message: 'unknown key' }]), 2, 'config_invalid'],
    ['StoreError', new StoreError('cannot open the state store', '/x'), 1, 'store_error'],
    ['PermanentError', new PermanentError('no admin'), 1, 'permanent_failure'],
    ['AuthError', new AuthError(init), 1, 'auth_failed'],
    ['ForbiddenError', new ForbiddenError(init), 1, 'forbidden'],
    ['NotFoundError', new NotFoundError(init), 1, 'not_found'],
    ['ValidationError', new ValidationError(init), 1, 'validation_failed'],
    ['ServerError', new ServerError(init), 1, 'server_error'],
    ['NetworkError', new NetworkError(init), 1, 'network_error'],
    ['TimeoutError', new TimeoutError(init), 1, 'timeout'],
    ['GoneError', new GoneError(init), 1, 'gone'],
    ['ConflictError', new ConflictError(init), 1, 'conflict'],
    ['RateLimitedError', new RateLimitedError(init), 1, 'rate_limited'],
    ['ResponseShapeError', new ResponseShapeError({ ...init, issues: [] }), 1, 'response_shape'],
    ['ApiError', new ApiError(init), 1, 'api_error'],
    ['an aborted signal', new DOMException('This operation was aborted', 'AbortError'), 130, 'cancelled'],
    ['the database gone (node-postgres)', new Error('Connection terminated unexpectedly'), 1, 'store_unavailable'],
    ['TypeError', new TypeError('x is not a function'), 70, 'bug'],
    ['a plain Error', new Error('unexpected'), 70, 'bug'],
    ['a thrown string', 'oops', 70, 'bug'],
  ]
  it.each(table)('%s → exit %s, code %s', (_name, error, exitCode, code) => {
    expect(describeError(error)).toMatchObject({ exitCode, code })
  })

  it('reads the declared code, not the class name: a renamed class keeps its code', () => {
    class RenamedConflict extends ConflictError {}
    expect(describeError(new RenamedConflict(init)).code).toBe('conflict')
  })

  it('keeps the API’s own error code on ApiError.code beside the machine code', () => {
    const error = new ConflictError(init)
    expect(error.code).toBe('conflict')
    expect(error.errorCode).toBe('conflict')
    expect(new ValidationError({ ...init, code: 'parameter_invalid' }).code).toBe('parameter_invalid')
  })

  it('a bug carries its stack and how to report it; an expected failure carries neither', () => {
    const bug = describeError(new TypeError("Cannot read properties of undefined (reading 'id')"))
    expect(bug).toMatchObject({
      exitCode: EXIT.bug,
      code: 'bug',
      message: "TypeError: Cannot read properties of undefined (reading 'id')",
      hint: BUG_HINT,
    })
    expect(bug.stack).toMatch(/^TypeError: Cannot read properties/)
    expect(bug.stack).toContain('exit-codes-command.test.ts')

    const expected = describeError(new AuthError({ ...init, hint: 'check INTERCOM_ACCESS_TOKEN' }))
    expect(expected.stack).toBeUndefined()
    expect(expected.hint).toBe('check INTERCOM_ACCESS_TOKEN')
  })

  it('names the bug exit code EX_SOFTWARE and keeps every code distinct', () => {
    expect(EXIT.bug).toBe(70)
    const codes = Object.values(EXIT)
    expect(new Set(codes).size).toBe(codes.length)
  })
})

describe('the base command’s error document', () => {
  const SECRET = 'dG9rOnNlY3JldC10b2tlbi1mb3ItdGVzdHM='

  /** A command whose code has a bug in it, run in-process through oclif as the CLI runs every command. */
  class Broken extends BaseCommand {
    async run(): Promise<void> {
      await this.parse(Broken)
      const calls: Array<{ id: string }> = []
      // The bug: reading a field of a call that is not there. The token is in scope, as it would be in a client.
      throw new TypeError(`cannot read id of ${String(calls[0]?.id)} with ${process.env.INTERCOM_ACCESS_TOKEN}`)
    }
  }

  let written: { stdout: string; stderr: string }
  let savedExitCode: typeof process.exitCode
  beforeEach(() => {
    written = { stdout: '', stderr: '' }
    savedExitCode = process.exitCode
    vi.stubEnv('INTERCOM_ACCESS_TOKEN', SECRET)
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.stdout += String(chunk)
      return true
    })
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.stderr += String(chunk)
      return true
    })
  })
  afterEach(() => {
    vi.restoreAllMocks()
    vi.unstubAllEnvs()
    process.exitCode = savedExitCode
  })

  it('under --json: exit 70 and one document whose error carries the stack, with secrets redacted', async () => {
    await Broken.run(['--json'], REPO_ROOT)
    const exitCode = process.exitCode
    const lines = written.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const document = JSON.parse(lines[0]!) as {
      ok: boolean
      exitCode: number
      error: { code: string; message: string; hint: string; stack: string }
    }
    expect(exitCode).toBe(70)
    expect(document).toMatchObject({ ok: false, exitCode: 70, error: { code: 'bug', hint: BUG_HINT } })
    expect(document.error.stack).toMatch(/^TypeError: cannot read id of undefined/)
    expect(document.error.stack).toMatch(/\n\s+at /)
    expect(written.stdout).not.toContain(SECRET)
    expect(written.stderr).toBe('')
  })

  it('for a person: says it is a bug and how to report it', async () => {
    await Broken.run([], REPO_ROOT)
    expect(process.exitCode).toBe(70)
    expect(written.stdout).toBe('')
    expect(written.stderr).toContain('Error: TypeError: cannot read id of undefined with ***')
    expect(written.stderr).toContain(`Bug: ${BUG_HINT}`)
    expect(written.stderr).not.toContain(SECRET)
  })
})
