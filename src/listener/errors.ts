import { AircallEventParseError } from '../domain/aircall-event.js'
import { IntercomEventParseError } from '../domain/intercom-event.js'
import { UserError } from '../errors.js'
import {
  AuthError,
  ForbiddenError,
  GoneError,
  NotFoundError,
  ResponseShapeError,
  ValidationError,
} from '../http/errors.js'

/** A failure that retrying cannot fix (missing config, a record that does not exist): dead-letter at once. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError'
}

/**
 * Whether the worker should dead-letter an event at once. Rate limits, 5xx, timeouts and network errors
 * are retried with backoff; everything a replay after a fix (config, data) would need is permanent.
 */
export const isPermanentError = (error: unknown): boolean =>
  error instanceof PermanentError ||
  error instanceof UserError ||
  error instanceof AircallEventParseError ||
  error instanceof IntercomEventParseError ||
  error instanceof ValidationError ||
  error instanceof NotFoundError ||
  error instanceof GoneError ||
  error instanceof AuthError ||
  error instanceof ForbiddenError ||
  error instanceof ResponseShapeError
