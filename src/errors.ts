/**
 * Errors a user can act on. Services throw these (or typed API errors); the CLI maps every error to
 * an exit code in one place (src/cli/exit-codes.ts) and never by message text.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    /** 2: the command could not start (usage, configuration); 1: it started and failed. */
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message)
    this.name = 'UserError'
  }
}

/** Another run holds the lock (e.g. overlapping cron `sync` runs). */
export class LockedError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, hint, 1)
    this.name = 'LockedError'
  }
}

/** The user declined a confirmation or interrupted the command. */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message)
    this.name = 'CancelledError'
  }
}
