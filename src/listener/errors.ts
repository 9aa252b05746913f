import { classifyFailure } from '../http/failure.js'

export { PermanentError } from '../errors.js'

/**
 * Whether the worker should dead-letter an event at once. Rate limits, 5xx, timeouts and network errors
 * are retried with backoff; everything a replay after a fix (config, data, credentials) would need is
 * permanent. A bug is retried like a transient failure, so the listener keeps serving the other events and
 * the error ends up in the dead letters with its message after the last attempt.
 */
export const isPermanentError = (error: unknown): boolean => {
  const failure = classifyFailure(error)
  return failure === 'permanent' || failure === 'auth'
}
