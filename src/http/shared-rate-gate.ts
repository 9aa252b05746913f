import { createHash } from 'node:crypto'

import type { RateBudget, RateGate, RateGateStats, Release } from './rate-gate.js'
import { type RateLimitHeaders, STANDARD_RATE_HEADERS, parseResetHeader } from './retry-policy.js'
import { type Clock, type ResponseHeaders, type Sleep, realSleep, systemClock } from './types.js'

/**
 * The budget every process on one database draws from, as the gate needs it. http/ knows no store: the
 * PostgreSQL store's `sharedBudgets` (store/shared-budgets.ts) has this shape, and the composition root passes it.
 */
export interface SharedBudget {
  take(key: string, request: SharedTake): Promise<SharedGrant>
  pause(key: string, pause: { now: number; until: number }): Promise<void>
}

export interface SharedTake {
  now: number
  limit: number
  windowMs: number
  want: number
  sliding?: boolean
  /** The server's window as a response's headers last told it. */
  seen?: { remaining: number; resetAt: number } | undefined
}

export interface SharedGrant {
  granted: number
  /** When nothing was granted: how long until a unit may be. */
  waitMs: number
  /** Fixed windows: the window's end, after which the units are worth nothing. Sliding: the grant's time. */
  expiresAt: number
  remaining: number
  pausedUntil: number
}

/**
 * The key of an account's budget: the API's name and a digest of the credential that names the account, so no
 * secret reaches the database, and every process with the same credential meets the same row. Pass what the API
 * counts by: Intercom's access token (one app), Aircall's API id (one company's key).
 */
export function budgetKey(api: string, credential: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(api)) throw new RangeError(`a budget's API name is lower-case letters, got "${api}"`)
  if (credential === '') throw new RangeError(`the ${api} budget needs the credential that names the account`)
  const digest = createHash('sha256').update(`aircall-intercom budget\0${api}\0${credential}`).digest('hex')
  return `${api}:${digest.slice(0, 16)}`
}

export interface SharedRateGateOptions {
  /** The process's own gate: concurrency slots, header following, pauses, stats. Always asked first. */
  local: RateGate
  budget: SharedBudget
  /** See `budgetKey`. */
  key: string
  /** The budget's window (default: the local gate's); Aircall's gate counts a longer minute than it reports. */
  windowMs?: number
  /** A sliding window, as Aircall counts (default: fixed windows that follow the server's reset, as Intercom). */
  sliding?: boolean
  /** The headers that report the server's window, fed to the shared budget (fixed windows; null: none). */
  rateHeaders?: RateLimitHeaders | null
  /** The most units one take leases (default: a twentieth of the limit, 1 to 32). */
  maxLease?: number
  /** How long units of a sliding window may be kept after their grant (default 500 ms). */
  slidingLeaseMs?: number
  /** After the database failed, how long the local gate admits alone before the budget is asked again. */
  retryAfterFailureMs?: number
  /** A take that has not answered by then counts as failed (a real timer: a watchdog, never a wait). */
  timeoutMs?: number
  clock?: Clock
  sleep?: Sleep
  /** The database could not be reached: requests go on under the local gate alone. */
  onFailure?: (error: unknown) => void
}

/** What the shared part of the gate did, beside the local gate's own stats. */
export interface SharedGateStats {
  /** Round trips to the budget that answered. */
  takes: number
  /** Units the budget granted this process. */
  granted: number
  /** Granted units whose window ended unused (the shared count stays right: they are simply not spent). */
  expired: number
  /** Requests admitted by the local gate alone, the budget being unreachable. */
  fallbacks: number
  /** Takes or pauses that failed (error or timeout). */
  failures: number
  /** Times a request waited for the shared budget, and for how long in all. */
  waits: number
  waitedMs: number
  /** Units leased and not yet handed out. */
  leased: number
}

const DEFAULT_SLIDING_LEASE_MS = 500
const DEFAULT_RETRY_AFTER_FAILURE_MS = 5_000
const DEFAULT_TIMEOUT_MS = 2_000
/** How close a response's reset must be to the lease's end for both to mean the same window (as the store). */
const SAME_WINDOW_MS = 1_000
/** A grant of nothing that names no wait (a limit of 0) still waits this long, rather than spin. */
const MIN_WAIT_MS = 50

class TakeTimeout extends Error {
  constructor(ms: number) {
    super(`the shared budget did not answer within ${ms} ms`)
  }
}

/**
 * A rate gate over a budget shared by every process on one database. A request first passes the process's own
 * gate, which keeps its concurrency slots, follows the server's headers and pauses on a 429, then takes a unit of
 * the shared budget. Units are leased a few at a time and handed out here, so most requests cost no round trip;
 * the lease grows while it is spent before its window ends and shrinks when units are left over, and units still
 * leased when the window ends are simply lost (the shared count never goes over the limit; it may be under).
 *
 * What the process learns is shared: the server's remaining and reset ride on the next take, a 429's pause is
 * written at once. When the database fails the request is not failed: the local gate admits alone for a while,
 * and each such request is counted.
 */
export class SharedRateGate implements RateGate {
  private readonly local: RateGate
  private readonly shared: SharedBudget
  private readonly key: string
  private readonly windowMs: number
  private readonly sliding: boolean
  private readonly rateHeaders: RateLimitHeaders | null
  private readonly maxLease: number | undefined
  private readonly slidingLeaseMs: number
  private readonly retryAfterFailureMs: number
  private readonly timeoutMs: number
  private readonly clock: Clock
  private readonly sleep: Sleep
  private readonly onFailure: ((error: unknown) => void) | undefined

  /** Units in hand, usable until `usableUntil`; `size` and `used` tell the next lease's size. */
  private lease = { units: 0, usableUntil: 0, size: 0, used: 0 }
  private nextWant = 1
  /** The one take in flight: every request that needs units waits on it rather than send its own. */
  private taking: Promise<void> | null = null
  /** The budget said nothing is left before then. */
  private blockedUntil = 0
  private sharedPausedUntil = 0
  private offlineUntil = 0
  private waiting = 0
  /** The server's window as the latest response said, for the next take. */
  private seen: { remaining: number; resetAt: number } | undefined
  private readonly background = new Set<Promise<void>>()
  private readonly counters = { takes: 0, granted: 0, expired: 0, fallbacks: 0, failures: 0, waits: 0, waitedMs: 0 }

  constructor(options: SharedRateGateOptions) {
    this.local = options.local
    this.shared = options.budget
    this.key = options.key
    const windowMs = options.windowMs ?? options.local.budget().windowMs
    if (windowMs === null || !(windowMs > 0)) {
      throw new RangeError('a shared budget needs a window: give windowMs, or a local gate that counts in one')
    }
    this.windowMs = windowMs
    this.sliding = options.sliding ?? false
    this.rateHeaders = options.rateHeaders === undefined ? STANDARD_RATE_HEADERS : options.rateHeaders
    if (options.maxLease !== undefined && !(Number.isInteger(options.maxLease) && options.maxLease >= 1)) {
      throw new RangeError(`maxLease must be a positive integer, got ${options.maxLease}`)
    }
    this.maxLease = options.maxLease
    this.slidingLeaseMs = options.slidingLeaseMs ?? DEFAULT_SLIDING_LEASE_MS
    this.retryAfterFailureMs = options.retryAfterFailureMs ?? DEFAULT_RETRY_AFTER_FAILURE_MS
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.clock = options.clock ?? systemClock
    this.sleep = options.sleep ?? realSleep
    this.onFailure = options.onFailure
  }

  async acquire(signal?: AbortSignal): Promise<Release> {
    const release = await this.local.acquire(signal)
    try {
      await this.admit(signal)
    } catch (error) {
      release()
      throw error
    }
    return release
  }

  /** One unit of the shared budget for a request the local gate admitted (its slot held meanwhile). */
  private async admit(signal?: AbortSignal): Promise<void> {
    const limit = this.local.budget().limit
    if (limit === null) return
    this.waiting++
    try {
      for (;;) {
        signal?.throwIfAborted()
        const now = this.clock.now()
        if (now < this.offlineUntil) {
          this.counters.fallbacks++
          return
        }
        if (this.spend(now)) return
        if (this.blockedUntil > now) {
          const wait = this.blockedUntil - now
          this.counters.waits++
          this.counters.waitedMs += wait
          await this.sleep(wait, signal)
          continue
        }
        this.taking ??= this.takeLease(now, limit).finally(() => {
          this.taking = null
        })
        await this.taking
      }
    } finally {
      this.waiting--
    }
  }

  private spend(now: number): boolean {
    const lease = this.lease
    if (lease.units > 0 && now < lease.usableUntil) {
      lease.units--
      lease.used++
      return true
    }
    this.drop()
    return false
  }

  /** The units in hand are worth nothing any more (their window ended, or a 429 or the server says it is spent). */
  private drop(): void {
    this.counters.expired += this.lease.units
    this.lease.units = 0
  }

  /**
   * A lease spent in full doubles the next one; one that lost units shrinks to what was spent. Never less than
   * the requests waiting now, nor more than `maxLease`.
   */
  private want(limit: number): number {
    const { size, used } = this.lease
    if (size > 0) this.nextWant = used >= size ? this.nextWant * 2 : Math.max(1, used)
    const max = Math.max(1, Math.min(limit, this.maxLease ?? Math.min(32, Math.floor(limit / 20))))
    this.nextWant = Math.min(this.nextWant, max)
    return Math.min(max, Math.max(this.nextWant, this.waiting, 1))
  }

  private async takeLease(now: number, limit: number): Promise<void> {
    const want = this.want(limit)
    const seen = this.seen
    this.seen = undefined
    try {
      const request: SharedTake = { now, limit, windowMs: this.windowMs, want, sliding: this.sliding, seen }
      const grant = await this.withTimeout(this.shared.take(this.key, request))
      this.counters.takes++
      this.counters.granted += grant.granted
      this.drop()
      const usableUntil = this.sliding ? grant.expiresAt + this.slidingLeaseMs : grant.expiresAt
      this.lease = { units: grant.granted, usableUntil, size: grant.granted, used: 0 }
      this.sharedPausedUntil = grant.pausedUntil
      if (grant.granted === 0) this.blockedUntil = now + Math.max(grant.waitMs, MIN_WAIT_MS)
    } catch (error) {
      this.fail(error)
    }
  }

  private fail(error: unknown): void {
    this.counters.failures++
    this.offlineUntil = this.clock.now() + this.retryAfterFailureMs
    this.onFailure?.(error)
  }

  private async withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TakeTimeout(this.timeoutMs)), this.timeoutMs)
      timer.unref()
    })
    try {
      return await Promise.race([promise, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  observe(status: number, headers: ResponseHeaders, admission?: number): void {
    const pausesBefore = this.local.stats().pauses
    this.local.observe(status, headers, admission)
    const now = this.clock.now()
    if (status === 429) {
      const { pauses, pausedUntil } = this.local.stats()
      // Only a 429 that paused the local gate speaks for the window (not one of its burst, nor a throttled request).
      if (pauses === pausesBefore || pausedUntil <= now) return
      this.drop()
      this.blockedUntil = Math.max(this.blockedUntil, pausedUntil)
      this.sharedPausedUntil = Math.max(this.sharedPausedUntil, pausedUntil)
      this.inBackground(this.shared.pause(this.key, { now, until: pausedUntil }))
      return
    }
    if (this.sliding || this.rateHeaders === null) return
    const resetAt = parseResetHeader(headers.get(this.rateHeaders.reset), now)
    const remaining = Number(headers.get(this.rateHeaders.remaining) ?? Number.NaN)
    if (resetAt === undefined || resetAt <= now || !Number.isInteger(remaining) || remaining < 0) return
    // Keep the latest window's lowest count: responses of one window may come back out of order.
    const kept = this.seen
    if (kept === undefined || resetAt > kept.resetAt + SAME_WINDOW_MS) this.seen = { remaining, resetAt }
    else if (Math.abs(resetAt - kept.resetAt) <= SAME_WINDOW_MS) {
      this.seen = { remaining: Math.min(kept.remaining, remaining), resetAt }
    }
    // Units of a window the server does not count in, or that the server says is spent, would only draw 429s.
    if (this.lease.units > 0 && (remaining === 0 || Math.abs(resetAt - this.lease.usableUntil) > SAME_WINDOW_MS)) {
      this.drop()
    }
  }

  private inBackground(promise: Promise<void>): void {
    const tracked = this.withTimeout(promise)
      .catch((error: unknown) => this.fail(error))
      .finally(() => this.background.delete(tracked))
    this.background.add(tracked)
  }

  /** Resolves once the pauses sent to the budget have landed (or failed): for tests and an orderly shutdown. */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.all(this.background)
  }

  /** The local gate's figures; the waits for the shared budget count among its waits, its pause among the pauses. */
  stats(): RateGateStats {
    const local = this.local.stats()
    const now = this.clock.now()
    const sharedPause = this.sharedPausedUntil > now ? this.sharedPausedUntil : 0
    return {
      ...local,
      waits: local.waits + this.counters.waits,
      waitedMs: local.waitedMs + this.counters.waitedMs,
      pausedUntil: Math.max(local.pausedUntil, sharedPause),
    }
  }

  sharedStats(): SharedGateStats {
    return { ...this.counters, leased: this.lease.units }
  }

  /** The local gate's window, held while another process's 429 pauses the shared budget. */
  budget(): RateBudget {
    const local = this.local.budget()
    const now = this.clock.now()
    if (this.sharedPausedUntil <= now || this.sharedPausedUntil <= (local.pausedUntil ?? 0)) return local
    return {
      ...local,
      remaining: local.remaining === null ? null : 0,
      resetsAt: Math.max(local.resetsAt ?? 0, this.sharedPausedUntil),
      pausedUntil: this.sharedPausedUntil,
    }
  }
}
