import { type CodedError, EXIT, type ExitCode } from '../errors.js'
import { classifyFailure } from '../http/failure.js'

// The table lives beside the error classes, which carry their own exit codes; commands read it from here.
export { EXIT, type ExitCode }

export interface DescribedError {
  exitCode: ExitCode
  code: string
  message: string
  hint?: string
  problems?: Array<{ file: string; path: string; message: string }>
  /** Only for a bug: what a maintainer needs to find it. */
  stack?: string
}

const EXIT_CODES: ReadonlySet<number> = new Set<number>(Object.values(EXIT))

/** Reads the fields every explained error class declares; anything without them is a bug. */
const isCoded = (error: Error): error is Error & CodedError => {
  const { errorCode, exitCode } = error as Partial<CodedError>
  return typeof errorCode === 'string' && typeof exitCode === 'number' && EXIT_CODES.has(exitCode)
}

const problemsOf = (error: Error): DescribedError['problems'] => {
  const problems = (error as { problems?: unknown }).problems
  return Array.isArray(problems) ? (problems as DescribedError['problems']) : undefined
}

export const BUG_HINT =
  'this is a bug in aircall-intercom, not a problem with your data or configuration: please report it to the ' +
  "project's issue tracker with the command you ran and its --json output (which carries the stack trace)"

/** The caller's own cancellation (an aborted signal) is an interruption, not a failure. */
const isAbort = (error: unknown): boolean => error instanceof DOMException && error.name === 'AbortError'

/**
 * Maps any thrown value to an exit code and a stable machine-readable code, from the fields the error
 * class declares, never from its name or text. An error nothing declared is a bug (exit 70).
 */
export const describeError = (error: unknown): DescribedError => {
  if (isAbort(error)) return { exitCode: EXIT.interrupted, code: 'cancelled', message: 'interrupted' }
  if (!(error instanceof Error)) {
    return {
      exitCode: EXIT.bug,
      code: 'bug',
      message: `a non-error value was thrown: ${String(error)}`,
      hint: BUG_HINT,
    }
  }
  if (isCoded(error)) {
    const problems = problemsOf(error)
    return {
      exitCode: error.exitCode,
      code: error.errorCode,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      ...(problems ? { problems } : {}),
    }
  }
  // oclif's own parse errors (unknown flag, missing argument) carry oclif.exit = 2.
  const oclifExit = (error as Error & { oclif?: { exit?: number } }).oclif?.exit
  if (oclifExit === EXIT.usage) return { exitCode: EXIT.usage, code: 'usage', message: error.message }
  // The store's driver failing the way a database that went away does (every API error is coded above): the
  // run's committed work stays, and the same command resumes it.
  if (classifyFailure(error) === 'retry') {
    return {
      exitCode: EXIT.failure,
      code: 'store_unavailable',
      message: `the state store stopped answering: ${error.message}`,
      hint:
        'the database went away (a restart, a failover, the server down or full) or another process held the ' +
        'state file; run the same command again once it answers: what was committed stays, and the run resumes',
    }
  }
  return {
    exitCode: EXIT.bug,
    code: 'bug',
    message: `${error.name}: ${error.message}`,
    hint: BUG_HINT,
    ...(error.stack ? { stack: error.stack } : {}),
  }
}

/**
 * The exit code of a run over many items, the same for every command: interrupted wins (130), then any item
 * left in the dead letters, rejected or failed (3), else 0.
 */
export function runExitCode(run: {
  interrupted?: boolean
  deadLetters?: number
  rejected?: number
  failed?: number
}): ExitCode {
  if (run.interrupted) return EXIT.interrupted
  if ((run.deadLetters ?? 0) > 0 || (run.rejected ?? 0) > 0 || (run.failed ?? 0) > 0) return EXIT.partial
  return EXIT.ok
}
