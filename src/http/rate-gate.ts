import { budgetLeft, parseResetHeader, parseRetryAfter } from './retry-policy.js'
import { type Clock, type ResponseHeaders, type Sleep, realSleep, systemClock } from './types.js'

export interface RateGateStats {
  /** Requests admitted (every attempt, retries included). */
  requests: number
  /** 429 responses observed. */
  rateLimited: number
  /** Times a 429 paused the gate: once per burst, since the 429s of requests admitted together share one pause. */
  pauses: number
  /** Sum of those pauses as the 429s announced them (the time the gate held every request). */
  pausedMs: number
  /** Times a request had to wait for budget or a pause. */
  waits: number
  waitedMs: number
  inFlight: number
  maxInFlight: number
  /** UNIX ms until which the gate holds every request after a 429 (0 when not paused). */
  pausedUntil: number
}

/**
 * Where the gate stands in its API's window now: the figures it admits by (the server's headers last seen, and its
 * own count of what it admitted since). Read-only: asking changes nothing the gate admits.
 */
export interface RateBudget {
  /** Requests one window allows (null: a gate with no budget). */
  limit: number | null
  /** Requests the gate would still admit in the current window (0 while paused). */
  remaining: number | null
  /** UNIX ms at which `remaining` is back to `limit`; null when no request counts in a window. */
  resetsAt: number | null
  /** UNIX ms until which every request is held after a 429; null when not paused. */
  pausedUntil: number | null
  /** The window's length: Intercom 10 s, Aircall a sliding 60 s. */
  windowMs: number | null
}

/** What `acquire` grants: call it once the response is read. */
export interface Release {
  (): void
  /**
   * The pause generation the request was admitted in: a 429 answering a request admitted before the latest pause
   * belongs to the burst that set it (or to an older window) and must not pause the requests admitted since.
   */
  readonly admission: number
}

/**
 * Admission control shared by every concurrent request of one process to one API. A request calls `acquire()`
 * before sending (waiting for a concurrency slot and budget), `observe()` with the response and its admission,
 * then the release function. Share one instance between every client talking to the same account; each API has
 * its own, so a 429 from one never holds the other's requests.
 */
export interface RateGate {
  acquire(signal?: AbortSignal): Promise<Release>
  observe(status: number, headers: ResponseHeaders, admission?: number): void
  stats(): RateGateStats
  budget(): RateBudget
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
  /** Bumped by every pause; see `Release.admission`. */
  private generation = 0
  private readonly counters = {
    requests: 0,
    rateLimited: 0,
    pauses: 0,
    pausedMs: 0,
    waits: 0,
    waitedMs: 0,
    maxInFlight: 0,
  }

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
  /** Every response but a 429: the budget headers. */
  protected abstract onHeaders(status: number, headers: ResponseHeaders, now: number): void
  /** A 429 that pauses the gate until `until`. */
  protected abstract onPause(headers: ResponseHeaders, now: number, until: number): void
  /** Where to pause after a 429 that carried no usable reset information. */
  protected abstract defaultPauseEnd(now: number): number
  /** The header that counts the requests left in the window, if the API sends one on a 429. */
  protected abstract readonly remainingHeader: string

  async acquire(signal?: AbortSignal): Promise<Release> {
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
    const release = (): void => {
      if (released) return
      released = true
      this.releaseSlot()
    }
    return Object.assign(release, { admission: this.generation })
  }

  /**
   * A 429 pauses every request until the time that response announced: its Retry-After, else its reset, else a
   * default. Only the first 429 of a burst does: the others answer requests admitted before the pause (same
   * generation no longer), so they neither extend it nor pause the requests admitted in the window after it.
   * A 429 that says requests are left in the window is not the budget running out: only that request retries.
   */
  observe(status: number, headers: ResponseHeaders, admission?: number): void {
    const now = this.clock.now()
    if (status !== 429) {
      this.onHeaders(status, headers, now)
      return
    }
    this.counters.rateLimited++
    if (admission !== undefined && admission !== this.generation) return
    if (budgetLeft(headers, this.remainingHeader)) return
    const until = this.pauseEnd(headers, now)
    this.generation++
    this.counters.pauses++
    this.counters.pausedMs += Math.max(0, until - Math.max(now, this.pausedUntil))
    this.pausedUntil = Math.max(this.pausedUntil, until)
    this.onPause(headers, now, until)
  }

  private pauseEnd(headers: ResponseHeaders, now: number): number {
    // Retry-After speaks of this response; a reset header of the window, which may be the later of the two.
    const retryAfter = parseRetryAfter(headers.get('retry-after'), now)
    if (retryAfter !== undefined) return now + retryAfter
    return this.resetFrom(headers, now) ?? this.defaultPauseEnd(now)
  }

  protected abstract resetFrom(headers: ResponseHeaders, now: number): number | undefined

  /** The window as the subclass counts it, at `now`, ignoring any pause. */
  protected abstract window(now: number): Omit<RateBudget, 'pausedUntil'>

  budget(): RateBudget {
    const now = this.clock.now()
    const window = this.window(now)
    if (this.pausedUntil <= now) return { ...window, pausedUntil: null }
    return {
      ...window,
      remaining: window.remaining === null ? null : 0,
      resetsAt: Math.max(window.resetsAt ?? 0, this.pausedUntil),
      pausedUntil: this.pausedUntil,
    }
  }

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

  protected readonly remainingHeader = 'x-aircallapi-remaining'

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
    return parseResetHeader(headers.get('x-aircallapi-reset'), now)
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
    const limit = Number(headers.get('x-aircallapi-limit'))
    // The company's real limit may be lower than configured (another integration, or an older plan).
    if (Number.isInteger(limit) && limit > 0 && limit < this.perMinute) this.perMinute = limit
  }
}

/** A gate without a budget (concurrency only): for emulators with rate limiting off and for tools. */
export class ConcurrencyGate extends BaseRateGate {
  protected readonly remainingHeader = 'x-ratelimit-remaining'

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
  protected window(): Omit<RateBudget, 'pausedUntil'> {
    return { limit: null, remaining: null, resetsAt: null, windowMs: null }
  }
  protected onHeaders(): void {}
  protected onPause(): void {}
}
