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
  return 'bug'
}
