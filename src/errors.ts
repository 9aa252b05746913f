/**
 * The one failure taxonomy. Every caller that must decide what to do with an error (the HTTP core's
 * retries, the backfill engine, the queue worker) asks `classifyFailure`, so a class of error cannot be
 * retried in one place and dead-lettered in another.
 *
 * - `retry`: a later attempt can succeed (5xx, network, timeout, rate limit).
 * - `permanent`: retrying cannot help until the data or configuration is fixed; dead-letter at once.
 * - `auth`: no request will succeed with these credentials; stop instead of failing every item.
 * - `bug`: an error nobody classified (TypeError, RangeError…): surfaced as a bug, never dead-lettered quietly.
 */
export type FailureClass = 'retry' | 'permanent' | 'auth' | 'bug'

/**
 * Error classes declare their class with a `failure` field: `classifyFailure` (src/http/failure.ts)
 * cannot import the classes of the layers above it (domain, listener, config), so it reads the marker
 * instead of testing `instanceof`.
 */
export interface ClassifiedFailure {
  readonly failure: FailureClass
}

/**
 * The APIs this CLI talks to, as errors and HTTP events name them. Declared at the bottom so that the request core
 * in src/http/ can tag what it reports without knowing either vendor.
 */
export type ServiceName = 'aircall' | 'intercom'

/** How the CLI names a service in sentences. */
export const SERVICE_TITLES: Readonly<Record<ServiceName, string>> = { aircall: 'Aircall', intercom: 'Intercom' }

/** The one table of exit codes; the README documents the same table. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  partial: 3,
  /** EX_SOFTWARE (sysexits.h): an error no code path expected, so a bug to report rather than a user's fault. */
  bug: 70,
  interrupted: 130,
} as const
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/**
 * What an error the CLI can explain carries: a stable machine code (`error.code` under --json) and the exit
 * code it maps to. Declared on each class, so renaming a class cannot change what scripts read.
 */
export interface CodedError {
  readonly errorCode: string
  readonly exitCode: ExitCode
  readonly hint?: string | undefined
}

/**
 * Errors a user can act on. Services throw these (or typed API errors); the CLI maps every error to
 * an exit code in one place (src/cli/exit-codes.ts) and never by message text.
 */
export class UserError extends Error implements CodedError, ClassifiedFailure {
  readonly failure: FailureClass = 'permanent'
  readonly errorCode: string

  constructor(
    message: string,
    readonly hint?: string,
    /** 2: the command could not start (usage, configuration); 1: it started and failed. */
    readonly exitCode: 1 | 2 = 2,
    errorCode?: string,
  ) {
    super(message)
    this.name = 'UserError'
    this.errorCode = errorCode ?? (exitCode === EXIT.usage ? 'usage' : 'failed')
  }
}

/** Another run holds the lock (e.g. overlapping cron `sync` runs). */
export class LockedError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, hint, 1, 'locked')
    this.name = 'LockedError'
  }
}

/** The user declined a confirmation or interrupted the command. */
export class CancelledError extends Error implements CodedError {
  readonly errorCode = 'cancelled'
  readonly exitCode = EXIT.interrupted

  constructor(message = 'cancelled') {
    super(message)
    this.name = 'CancelledError'
  }
}

/**
 * A failure that retrying cannot fix (missing config, a record that does not exist): the worker
 * dead-letters it at once. Lives here, below the listener, so any layer can throw it.
 */
export class PermanentError extends Error implements CodedError, ClassifiedFailure {
  override readonly name = 'PermanentError'
  readonly failure: FailureClass = 'permanent'
  readonly errorCode: string = 'permanent_failure'
  readonly exitCode: ExitCode = EXIT.failure
}
