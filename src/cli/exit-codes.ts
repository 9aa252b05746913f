import { ConfigError } from '../config/loader.js'
import { CancelledError, UserError } from '../errors.js'
import { StoreError } from '../store/sqlite-store.js'

/** The one table of exit codes; the README documents the same table. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  partial: 3,
  interrupted: 130,
} as const
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

export interface DescribedError {
  exitCode: ExitCode
  code: string
  message: string
  hint?: string
  problems?: Array<{ file: string; path: string; message: string }>
}

const hasHint = (error: Error): error is Error & { hint?: string } => 'hint' in error

/** Maps any thrown value to an exit code and a stable machine-readable code, by type, never by text. */
export const describeError = (error: unknown): DescribedError => {
  if (error instanceof ConfigError) {
    return { exitCode: EXIT.usage, code: 'config_invalid', message: error.message, problems: error.problems }
  }
  if (error instanceof CancelledError) {
    return { exitCode: EXIT.interrupted, code: 'cancelled', message: error.message }
  }
  if (error instanceof UserError) {
    return {
      exitCode: error.exitCode === 2 ? EXIT.usage : EXIT.failure,
      code: error.name === 'LockedError' ? 'locked' : error.exitCode === 2 ? 'usage' : 'failed',
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
    }
  }
  if (error instanceof StoreError) {
    return {
      exitCode: EXIT.failure,
      code: 'store_error',
      message: error.message,
      hint: 'check that the directory is writable, or move the store with --state',
    }
  }
  if (error instanceof Error) {
    // oclif's own parse errors (unknown flag, missing argument) carry oclif.exit = 2.
    const oclifExit = (error as Error & { oclif?: { exit?: number } }).oclif?.exit
    if (oclifExit === 2) return { exitCode: EXIT.usage, code: 'usage', message: error.message }
    const apiName = error.name
    const code =
      apiName
        .replace(/Error$/, '')
        .replace(/([a-z])([A-Z])/g, '$1_$2')
        .toLowerCase() || 'error'
    return {
      exitCode: EXIT.failure,
      code,
      message: error.message,
      ...(hasHint(error) && error.hint ? { hint: error.hint } : {}),
    }
  }
  return { exitCode: EXIT.failure, code: 'error', message: String(error) }
}
