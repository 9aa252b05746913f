import type { FailureClass } from './failure.js'
import type { AttemptOutcome, HttpMethod, ResponseHeaders } from './types.js'

export type Outcome = AttemptOutcome

export interface RetryOptions {
  /** Total attempts including the first one. */
  maxAttempts: number
  baseDelayMs: number
  maxDelayMs: number
  /** A server-requested wait longer than this is not waited for: the error surfaces instead. */
  maxServerWaitMs: number
  /**
   * Attempts in a row that may find nothing listening (connection refused, no such host) before giving up. A
   * refused connection is not a blip mid-request: nothing is there, and minutes of backoff only hide it.
   */
  unreachableAttempts: number
  /** Wait before trying an unreachable address again. */
  unreachableDelayMs: number
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxServerWaitMs: 5 * 60_000,
  unreachableAttempts: 2,
  unreachableDelayMs: 1_000,
}

export interface RetryInput {
  outcome: Outcome
  /**
   * `classifyFailure` of the typed error the attempt produced: only `retry` is retried, so the HTTP core,
   * the backfill engine and the worker agree on what is transient. The outcome still decides replay safety
   * and server-requested waits.
   */
  failure: FailureClass
  /** 1-based number of the attempt that just failed. */
  attempt: number
  method: HttpMethod
  /** The caller says replaying this request cannot duplicate an effect (a search, or a reconciled create). */
  replaySafe: boolean
  /** How many attempts in a row, this one included, found the address unreachable (default 1 for that outcome). */
  consecutiveUnreachable?: number | undefined
  /** From `Retry-After`, relative ms. */
  retryAfterMs?: number | undefined
  /** From the API's rate-limit reset header, UNIX ms. */
  resetAt?: number | undefined
  now: number
  /** Uniform in [0, 1); injected so jitter is deterministic in tests. */
  random: () => number
  options?: Partial<RetryOptions>
}

export type RetryDecision = { retry: true; waitMs: number } | { retry: false; reason: string }

const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set(['GET', 'HEAD', 'PUT', 'DELETE'])

/** Pure: decides whether and when to retry a failed attempt. */
export function decideRetry(input: RetryInput): RetryDecision {
  const opts = { ...DEFAULT_RETRY_OPTIONS, ...input.options }
  const { outcome, attempt } = input

  if (typeof outcome === 'number' && outcome < 400) return { retry: false, reason: 'not a failure' }
  if (input.failure !== 'retry') {
    const what = typeof outcome === 'number' ? `status ${outcome}` : outcome
    return { retry: false, reason: `${what} is not retryable (${input.failure})` }
  }
  if (attempt >= opts.maxAttempts) return { retry: false, reason: `gave up after ${attempt} attempts` }

  // Nothing reached the server, so any method may be sent again; but only briefly.
  if (outcome === 'unreachable') {
    const streak = input.consecutiveUnreachable ?? 1
    if (streak >= opts.unreachableAttempts) {
      return { retry: false, reason: `unreachable on ${streak} attempt${streak === 1 ? '' : 's'} in a row` }
    }
    return { retry: true, waitMs: opts.unreachableDelayMs }
  }

  // A 429 was refused before processing, so replaying it is safe for any method.
  if (outcome !== 429 && !IDEMPOTENT.has(input.method) && !input.replaySafe) {
    return { retry: false, reason: `${input.method} may have been processed; not replayed (not marked replaySafe)` }
  }

  const serverWait = serverRequestedWait(input)
  if (serverWait !== undefined) {
    if (serverWait > opts.maxServerWaitMs) {
      return { retry: false, reason: `server asked to wait ${Math.round(serverWait / 1000)} s, more than allowed` }
    }
    return { retry: true, waitMs: serverWait }
  }
  return { retry: true, waitMs: backoffMs(attempt, input.random, opts) }
}

function serverRequestedWait(input: RetryInput): number | undefined {
  if (input.retryAfterMs !== undefined && (input.outcome === 429 || input.outcome === 503)) {
    return Math.max(0, input.retryAfterMs)
  }
  // Some APIs send their reset header on every response; it only means "wait" on a 429.
  if (input.outcome === 429 && input.resetAt !== undefined) return Math.max(0, input.resetAt - input.now)
  return undefined
}

/** Capped exponential backoff with full jitter: uniform in [0, min(max, base * 2^(attempt-1))]. */
export function backoffMs(
  attempt: number,
  random: () => number,
  opts: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>,
): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(random() * ceiling)
}

/** `Retry-After` as seconds or an HTTP date, in ms from `now`. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

/**
 * A reset header as UNIX ms. The APIs we know document UNIX seconds, but one client in the wild sends ms, so
 * values above 1e12 are taken as ms. Values below 1e9 (before 2001) can only be a relative number of seconds.
 */
export function parseResetHeader(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const n = Number(value.trim())
  if (!Number.isFinite(n) || n < 0) return undefined
  if (n > 1e12) return Math.round(n)
  if (n < 1e9) return now + Math.round(n * 1000)
  return Math.round(n * 1000)
}

/** The headers in which an API reports its rate-limit window (lower case). */
export interface RateLimitHeaders {
  limit: string
  remaining: string
  reset: string
}

/** The de facto standard names; an API with its own lists them after these. */
export const STANDARD_RATE_HEADERS: RateLimitHeaders = {
  limit: 'x-ratelimit-limit',
  remaining: 'x-ratelimit-remaining',
  reset: 'x-ratelimit-reset',
}

export interface RetryHints {
  retryAfterMs: number | undefined
  resetAt: number | undefined
}

/**
 * The waits a response announces. A reset time only announces a wait while the budget is spent: a 429 whose
 * `X-RateLimit-Remaining` still counts requests left (the emulators' injected faults, a proxy's throttle) asks
 * for no wait until the window ends, so that request backs off like any transient failure instead.
 */
export function retryHintsFromHeaders(
  headers: ResponseHeaders,
  now: number,
  rateHeaders: readonly RateLimitHeaders[] = [STANDARD_RATE_HEADERS],
): RetryHints {
  const left = rateHeaders.some((names) => budgetLeft(headers, names.remaining))
  return {
    retryAfterMs: parseRetryAfter(headers.get('retry-after'), now),
    resetAt: left ? undefined : parseResetHeader(firstHeader(headers, rateHeaders, 'reset'), now),
  }
}

/** The value of the first of these header sets that the response carries, in the order given. */
export function firstHeader(
  headers: ResponseHeaders,
  rateHeaders: readonly RateLimitHeaders[],
  which: keyof RateLimitHeaders,
): string | null {
  for (const names of rateHeaders) {
    const value = headers.get(names[which])
    if (value !== null) return value
  }
  return null
}

/** True when a response says requests are left in the current window (so a 429 is not the budget running out). */
export function budgetLeft(headers: ResponseHeaders, remainingHeader: string): boolean {
  const value = headers.get(remainingHeader)
  return value !== null && value.trim() !== '' && Number(value) > 0
}
