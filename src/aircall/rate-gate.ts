import { BaseRateGate, type RateBudget, type RateGateDeps } from '../http/rate-gate.js'
import { type RateLimitHeaders, STANDARD_RATE_HEADERS, parseResetHeader } from '../http/retry-policy.js'
import type { ResponseHeaders } from '../http/types.js'

/** Aircall's own rate headers, sent only on the 429 itself. */
export const AIRCALL_RATE_HEADERS: RateLimitHeaders = {
  limit: 'x-aircallapi-limit',
  remaining: 'x-aircallapi-remaining',
  reset: 'x-aircallapi-reset',
}

/**
 * Where an answer reports the window, most trusted first: a proxy in front of Aircall may throttle with the
 * standard names, Aircall itself sends its own on a 429.
 */
export const AIRCALL_RATE_HEADER_SETS: readonly RateLimitHeaders[] = [STANDARD_RATE_HEADERS, AIRCALL_RATE_HEADERS]

export const AIRCALL_DEFAULT_PER_MINUTE = 60
/** The highest per-company limit Aircall documents. */
export const AIRCALL_MAX_PER_MINUTE = 120
const MINUTE_MS = 60_000

export interface AircallRateGateOptions extends RateGateDeps {
  /** Requests per minute, 1..120 (default 60: the budget is shared by every integration of the company). */
  perMinute?: number
}

/**
 * Aircall sends rate headers only once the limit is hit, so the gate budgets on its own with a sliding
 * one-minute log (never more than `perMinute` starts in any 60 s), and a 429 pauses it until
 * `X-AircallApi-Reset` (Aircall's best-practice page says access is blocked for 60 s).
 */
export class AircallRateGate extends BaseRateGate {
  /**
   * Aircall counts a request when it arrives, and one 429 locks the company out for a whole minute: a request
   * admitted exactly 60 s after another may arrive less than 60 s after it. A 1% longer window absorbs that jitter.
   */
  static readonly WINDOW_MS = MINUTE_MS + 600

  private perMinute: number
  private readonly starts: number[] = []

  protected readonly remainingHeader = AIRCALL_RATE_HEADERS.remaining

  constructor(options: AircallRateGateOptions = {}) {
    super({ ...options, concurrency: options.concurrency ?? 4 })
    const perMinute = options.perMinute ?? AIRCALL_DEFAULT_PER_MINUTE
    if (!Number.isInteger(perMinute) || perMinute < 1 || perMinute > AIRCALL_MAX_PER_MINUTE) {
      throw new RangeError(`Aircall perMinute must be an integer from 1 to ${AIRCALL_MAX_PER_MINUTE}, got ${perMinute}`)
    }
    this.perMinute = perMinute
  }

  protected take(now: number): number {
    const window = AircallRateGate.WINDOW_MS
    while (this.starts.length > 0 && (this.starts[0] ?? 0) <= now - window) this.starts.shift()
    if (this.starts.length < this.perMinute) {
      this.starts.push(now)
      return 0
    }
    return (this.starts[this.starts.length - this.perMinute] ?? now) + window - now
  }

  protected resetFrom(headers: ResponseHeaders, now: number): number | undefined {
    return parseResetHeader(headers.get(AIRCALL_RATE_HEADERS.reset), now)
  }

  /** A sliding minute: the budget is whole again a minute after the last request it counts. */
  protected window(now: number): Omit<RateBudget, 'pausedUntil'> {
    const counted = this.starts.filter((start) => start > now - AircallRateGate.WINDOW_MS)
    const last = counted.at(-1)
    return {
      limit: this.perMinute,
      remaining: Math.max(0, this.perMinute - counted.length),
      resetsAt: last === undefined ? null : last + AircallRateGate.WINDOW_MS,
      windowMs: MINUTE_MS,
    }
  }

  protected defaultPauseEnd(now: number): number {
    return now + MINUTE_MS
  }

  // Aircall sends no budget headers on other responses.
  protected onHeaders(): void {}

  protected onPause(headers: ResponseHeaders): void {
    const limit = Number(headers.get(AIRCALL_RATE_HEADERS.limit))
    // The company's real limit may be lower than configured (another integration, or an older plan).
    if (Number.isInteger(limit) && limit > 0 && limit < this.perMinute) this.perMinute = limit
  }
}
