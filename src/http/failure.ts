import type { ClassifiedFailure, FailureClass } from '../errors.js'

/** The one failure taxonomy (its classes are declared in src/errors.ts, the bottom layer every error class imports). */

export type { ClassifiedFailure, FailureClass }

const CLASSES: ReadonlySet<string> = new Set<FailureClass>(['retry', 'permanent', 'auth', 'bug'])

const isFailureClass = (value: unknown): value is FailureClass => typeof value === 'string' && CLASSES.has(value)

/** Pure: the class of any thrown value. Only an `Error` carrying a known marker escapes `bug`. */
export function classifyFailure(error: unknown): FailureClass {
  if (!(error instanceof Error)) return 'bug'
  const marker = (error as Partial<ClassifiedFailure>).failure
  if (isFailureClass(marker)) return marker
  // The store's driver throws its own class: another process holding the write lock past the busy timeout is
  // a wait, not a bug.
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code)) return 'retry'
  if (isPostgresTransient(code, error.message)) return 'retry'
  return 'bug'
}

/**
 * PostgreSQL's driver, when the database is briefly away (a failover, a restart, connections terminated, the
 * server full) or a transaction lost a race the server broke: the same statement works again in a moment.
 * SQLSTATE class 08 is "connection exception", 57P01–03 the server shutting down or starting, 53300 too many
 * connections, 40001/40P01 a serialization failure or a deadlock.
 */
const isPostgresTransient = (code: unknown, message: string): boolean => {
  if (typeof code === 'string') {
    if (/^08[0-9A-Z]{3}$/.test(code) || /^57P0[123]$/.test(code)) return true
    if (code === '53300' || code === '40001' || code === '40P01') return true
    if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code)) return true
  }
  return /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Query read timeout)/.test(
    message,
  )
}

/**
 * Whether an item should be dead-lettered at once. Rate limits, 5xx, timeouts and network errors are retried
 * with backoff; everything a replay after a fix (config, data, credentials) would need is permanent. A bug is
 * retried like a transient failure, so a listener keeps serving the other events and the error ends up in the
 * dead letters with its message after the last attempt.
 */
export const isPermanentError = (error: unknown): boolean => {
  const failure = classifyFailure(error)
  return failure === 'permanent' || failure === 'auth'
}
