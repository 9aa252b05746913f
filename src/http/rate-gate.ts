import { parseResetHeader, parseRetryAfter } from './retry-policy.js'
import { type Clock, type ResponseHeaders, type Sleep, realSleep, systemClock } from './types.js'

export interface RateGateStats {
  /** Requests admitted (every attempt, retries included). */
  requests: number
  /** 429 responses observed. */
  rateLimited: number
  /** Times a request had to wait for budget or a pause. */
  waits: number
  waitedMs: number
  inFlight: number
  maxInFlight: number
  /** UNIX ms until which the gate holds every request after a 429 (0 when not paused). */
  pausedUntil: number
}

/**
 * Admission control shared by every concurrent request of one process to one API. A request calls `acquire()`
 * before sending (waiting for a concurrency slot and budget), `observe()` with the response, then the release
 * function. Share one instance between every client talking to the same account.
 */
export interface RateGate {
  acquire(signal?: AbortSignal): Promise<() => void>
  observe(status: number, headers: ResponseHeaders): void
  stats(): RateGateStats
}

export interface RateGateDeps {
  clock?: Clock
  sleep?: Sleep
  /** Requests in flight at once (default 4). */
  concurrency?: number
}

abstract class BaseRateGate implements RateGate {
  protected readonly clock: Clock
  private readonly sleep: Sleep
  private readonly concurrency: number
  private readonly waiting: Array<() => void> = []
  protected inFlight = 0
  protected pausedUntil = 0
  private readonly counters = { requests: 0, rateLimited: 0, waits: 0, waitedMs: 0, maxInFlight: 0 }

  protected constructor(deps: RateGateDeps) {
    this.clock = deps.clock ?? systemClock
    this.sleep = deps.sleep ?? realSleep
    this.concurrency = deps.concurrency ?? 4
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${this.concurrency}`)
    }
  }

  /** Takes one unit of budget and returns 0, or returns how many ms until one may be available. */
  protected abstract take(now: number): number
  protected abstract onHeaders(status: number, headers: ResponseHeaders, now: number): void
  /** Where to pause after a 429 that carried no usable reset information. */
  protected abstract defaultPauseEnd(now: number): number

  async acquire(signal?: AbortSignal): Promise<() => void> {
    await this.slot(signal)
    try {
      for (;;) {
        signal?.throwIfAborted()
        const now = this.clock.now()
        const wait = this.pausedUntil > now ? this.pausedUntil - now : this.take(now)
        if (wait <= 0) break
        this.counters.waits++
        this.counters.waitedMs += wait
        await this.sleep(wait, signal)
      }
    } catch (error) {
      this.releaseSlot()
      throw error
    }
    this.counters.requests++
    let released = false
    return () => {
      if (released) return
      released = true
      this.releaseSlot()
    }
  }

  observe(status: number, headers: ResponseHeaders): void {
    const now = this.clock.now()
    if (status === 429) {
      this.counters.rateLimited++
      const retryAfter = parseRetryAfter(headers.get('retry-after'), now)
      const reset = this.resetFrom(headers, now)
      const until = reset ?? (retryAfter === undefined ? this.defaultPauseEnd(now) : now + retryAfter)
      this.pausedUntil = Math.max(this.pausedUntil, until)
    }
    this.onHeaders(status, headers, now)
  }

  protected abstract resetFrom(headers: ResponseHeaders, now: number): number | undefined

  stats(): RateGateStats {
    return {
      ...this.counters,
      inFlight: this.inFlight,
      pausedUntil: this.pausedUntil > this.clock.now() ? this.pausedUntil : 0,
    }
  }

  private async slot(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted()
    if (this.inFlight < this.concurrency) {
      this.takeSlot()
      return
    }
    await new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort)
        this.takeSlot()
        resolve()
      }
      const onAbort = (): void => {
        const i = this.waiting.indexOf(grant)
        if (i >= 0) this.waiting.splice(i, 1)
        reject(signal?.reason as Error)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiting.push(grant)
    })
  }

  private takeSlot(): void {
    this.inFlight++
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.inFlight)
  }

  private releaseSlot(): void {
    this.inFlight--
    const next = this.waiting.shift()
    if (next) next()
  }
}

/** Intercom's documented default: 10,000 requests per minute per app. */
export const INTERCOM_DEFAULT_PER_MINUTE = 10_000
const INTERCOM_WINDOW_MS = 10_000

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

  constructor(options: IntercomRateGateOptions = {}) {
    super({ concurrency: 8, ...options })
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

  protected defaultPauseEnd(now: number): number {
    return this.windowEnd !== undefined && this.windowEnd > now ? this.windowEnd : now + INTERCOM_WINDOW_MS
  }

  protected onHeaders(status: number, headers: ResponseHeaders, now: number): void {
    const limit = Number(headers.get('x-ratelimit-limit'))
    const remainingHeader = headers.get('x-ratelimit-remaining')
    const reset = this.resetFrom(headers, now)
    if (Number.isInteger(limit) && limit > 0) this.limit = limit
    if (status === 429) {
      this.remaining = 0
      if (reset !== undefined) {
        this.windowEnd = reset
        this.synced = true
      }
      return
    }
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
  private perMinute: number
  private readonly starts: number[] = []

  constructor(options: AircallRateGateOptions = {}) {
    super({ concurrency: 4, ...options })
    const perMinute = options.perMinute ?? AIRCALL_DEFAULT_PER_MINUTE
    if (!Number.isInteger(perMinute) || perMinute < 1 || perMinute > AIRCALL_MAX_PER_MINUTE) {
      throw new RangeError(`Aircall perMinute must be an integer from 1 to ${AIRCALL_MAX_PER_MINUTE}, got ${perMinute}`)
    }
    this.perMinute = perMinute
  }

  protected take(now: number): number {
    while (this.starts.length > 0 && (this.starts[0] ?? 0) <= now - MINUTE_MS) this.starts.shift()
    if (this.starts.length < this.perMinute) {
      this.starts.push(now)
      return 0
    }
    return (this.starts[this.starts.length - this.perMinute] ?? now) + MINUTE_MS - now
  }

  protected resetFrom(headers: ResponseHeaders, now: number): number | undefined {
    return parseResetHeader(headers.get('x-aircallapi-reset'), now)
  }

  protected defaultPauseEnd(now: number): number {
    return now + MINUTE_MS
  }

  protected onHeaders(status: number, headers: ResponseHeaders): void {
    const limit = Number(headers.get('x-aircallapi-limit'))
    // The company's real limit may be lower than configured (another integration, or an older plan).
    if (status === 429 && Number.isInteger(limit) && limit > 0 && limit < this.perMinute) this.perMinute = limit
  }
}

/** A gate without a budget (concurrency only): for emulators with rate limiting off and for tools. */
export class ConcurrencyGate extends BaseRateGate {
  constructor(options: RateGateDeps = {}) {
    super(options)
  }
  protected take(): number {
    return 0
  }
  protected resetFrom(headers: ResponseHeaders, now: number): number | undefined {
    return parseResetHeader(headers.get('x-ratelimit-reset') ?? headers.get('x-aircallapi-reset'), now)
  }
  protected defaultPauseEnd(now: number): number {
    return now + 1_000
  }
  protected onHeaders(): void {}
}
