import {
  type RateLimitHeaders,
  STANDARD_RATE_HEADERS,
  budgetLeft,
  firstHeader,
  parseResetHeader,
  parseRetryAfter,
} from './retry-policy.js'
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
  /** The window's length: fixed windows of some seconds, or a sliding minute, as the API counts. */
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

/**
 * What every gate shares: concurrency slots, waiting for budget, and the pause after a 429. An API's gate says how
 * it counts its budget and reads its headers (the vendor folders hold one each).
 */
export abstract class BaseRateGate implements RateGate {
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

export interface ConcurrencyGateOptions extends RateGateDeps {
  /**
   * Where the API reports its window, most trusted first: the first set's remaining header tells a spent budget
   * from a throttled request, a 429 pauses until the first reset header present (default: the standard names).
   */
  rateHeaders?: readonly RateLimitHeaders[]
}

/** A gate without a budget (concurrency only): for emulators with rate limiting off and for tools. */
export class ConcurrencyGate extends BaseRateGate {
  protected readonly remainingHeader: string
  private readonly rateHeaders: readonly RateLimitHeaders[]

  constructor(options: ConcurrencyGateOptions = {}) {
    super(options)
    this.rateHeaders = options.rateHeaders?.length ? options.rateHeaders : [STANDARD_RATE_HEADERS]
    this.remainingHeader = (this.rateHeaders[0] ?? STANDARD_RATE_HEADERS).remaining
  }
  protected take(): number {
    return 0
  }
  protected resetFrom(headers: ResponseHeaders, now: number): number | undefined {
    return parseResetHeader(firstHeader(headers, this.rateHeaders, 'reset'), now)
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
