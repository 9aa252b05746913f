import { BaseRateGate, type RateBudget, type RateGateDeps } from '../http/rate-gate.js'
import { parseResetHeader } from '../http/retry-policy.js'
import type { ResponseHeaders } from '../http/types.js'

/** Intercom's documented default: 10,000 requests per minute per app. */
export const INTERCOM_DEFAULT_PER_MINUTE = 10_000
const INTERCOM_WINDOW_MS = 10_000
const INTERCOM_UNANNOUNCED_PAUSE_MS = 1_000

export interface IntercomRateGateOptions extends RateGateDeps {
  /** Per-minute limit of the app; enforced as limit ÷ 6 per 10-second window until headers say otherwise. */
  perMinute?: number
}

/**
 * Intercom spreads the per-minute allowance over 10-second windows and reports the window in
 * `X-RateLimit-Limit/Remaining/Reset` on every authenticated response, so the gate starts from the configured
 * figure and then follows the server's count.
 */
export class IntercomRateGate extends BaseRateGate {
  private limit: number
  private remaining = 0
  private windowEnd: number | undefined
  /** True once the window boundaries come from the server's Reset header rather than our first request. */
  private synced = false

  protected readonly remainingHeader = 'x-ratelimit-remaining'

  constructor(options: IntercomRateGateOptions = {}) {
    super({ ...options, concurrency: options.concurrency ?? 8 })
    const perMinute = options.perMinute ?? INTERCOM_DEFAULT_PER_MINUTE
    if (!(perMinute >= 6)) throw new RangeError(`Intercom perMinute must be at least 6, got ${perMinute}`)
    this.limit = Math.floor(perMinute / 6)
  }

  protected take(now: number): number {
    if (this.windowEnd === undefined || now >= this.windowEnd) {
      if (this.synced && this.windowEnd !== undefined) {
        // Keep the server's alignment: skip whole windows that passed while idle.
        const skipped = Math.floor((now - this.windowEnd) / INTERCOM_WINDOW_MS) + 1
        this.windowEnd += skipped * INTERCOM_WINDOW_MS
      } else {
        this.windowEnd = now + INTERCOM_WINDOW_MS
      }
      this.remaining = this.limit
    }
    if (this.remaining > 0) {
      this.remaining--
      return 0
    }
    return this.windowEnd - now
  }

  protected resetFrom(headers: ResponseHeaders, now: number): number | undefined {
    return parseResetHeader(headers.get('x-ratelimit-reset'), now)
  }

  protected window(now: number): Omit<RateBudget, 'pausedUntil'> {
    const base = { limit: this.limit, windowMs: INTERCOM_WINDOW_MS }
    if (this.windowEnd !== undefined && now < this.windowEnd) {
      return { ...base, remaining: this.remaining, resetsAt: this.windowEnd }
    }
    // The window ran out: the next request opens a whole one, on the server's boundaries once they are known.
    if (this.synced && this.windowEnd !== undefined) {
      const skipped = Math.floor((now - this.windowEnd) / INTERCOM_WINDOW_MS) + 1
      return { ...base, remaining: this.limit, resetsAt: this.windowEnd + skipped * INTERCOM_WINDOW_MS }
    }
    return { ...base, remaining: this.limit, resetsAt: null }
  }

  /**
   * Intercom sends its reset on every authenticated response, so a 429 without one did not come from Intercom's
   * limiter (a proxy, a fault injector): a short pause, and a 429 after it pauses again.
   */
  protected defaultPauseEnd(now: number): number {
    return now + INTERCOM_UNANNOUNCED_PAUSE_MS
  }

  /**
   * The budget is spent until the pause ends; then a window starts. It is the server's when the pause ran to its
   * reset, otherwise ours until the next response's headers say where the server's windows are.
   */
  protected onPause(headers: ResponseHeaders, now: number, until: number): void {
    this.adoptLimit(headers)
    this.remaining = 0
    this.windowEnd = until
    this.synced = this.resetFrom(headers, now) === until
  }

  private adoptLimit(headers: ResponseHeaders): void {
    const limit = Number(headers.get('x-ratelimit-limit'))
    if (Number.isInteger(limit) && limit > 0) this.limit = limit
  }

  protected onHeaders(_status: number, headers: ResponseHeaders, now: number): void {
    const remainingHeader = headers.get('x-ratelimit-remaining')
    const reset = this.resetFrom(headers, now)
    this.adoptLimit(headers)
    if (reset === undefined || remainingHeader === null || reset <= now) return
    // Requests admitted after this one left may not be counted by the server yet: assume they are not.
    const others = Math.max(0, this.inFlight - 1)
    const derived = Math.max(0, Number(remainingHeader) - others)
    if (!Number.isFinite(derived)) return
    const tolerance = 1_000
    if (!this.synced || this.windowEnd === undefined || reset > this.windowEnd + tolerance) {
      this.windowEnd = reset
      this.remaining = derived
      this.synced = true
    } else if (Math.abs(reset - this.windowEnd) <= tolerance) {
      this.remaining = Math.min(this.remaining, derived)
    }
    // Otherwise the response belongs to an earlier window and says nothing about this one.
  }
}
