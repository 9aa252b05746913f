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

const CLASSES: ReadonlySet<string> = new Set<FailureClass>(['retry', 'permanent', 'auth', 'bug'])

/**
 * Error classes declare their class with a `failure` field: this module cannot import the classes of
 * the layers above it (domain, listener, config), so it reads the marker instead of testing `instanceof`.
 */
export interface ClassifiedFailure {
  readonly failure: FailureClass
}

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
  return 'bug'
}
