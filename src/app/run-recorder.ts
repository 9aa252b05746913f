import type { BackfillEvent } from '../pipeline/backfill-engine.js'
import type { ServiceName } from '../http/types.js'
import type { RequestFigures } from './backfill-service.js'

/** What one call day came to in a run. */
export interface DayTally {
  /** UTC date of the calls, YYYY-MM-DD. */
  day: string
  logged: number
  updated: number
  alreadyDone: number
  wouldLog: number
  skipped: number
  dead: number
}

/** Requests and 429s of both APIs in one stretch of the run. */
export interface TrafficBucket {
  /** Start of the bucket, UNIX ms. */
  at: number
  aircall: RequestFigures
  intercom: RequestFigures
}

export interface RunTraffic {
  /** Width of each bucket, ms: chosen so the run fits in a readable number of points. */
  bucketMs: number
  buckets: TrafficBucket[]
}

export type RequestTotals = Record<ServiceName, RequestFigures>

export interface RunRecorderOptions {
  now: () => number
  /** The clients' running totals (requests admitted, 429s received) since the process started. */
  totals: () => RequestTotals
  /** How often the totals are read while nothing else happens (default 1 s; 0: only on events). */
  sampleEveryMs?: number
}

const SECOND = 1_000
/** Bucket widths a chart may use, from a short sync to a backfill of hours. */
const BUCKETS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 21_600, 43_200, 86_400].map(
  (seconds) => seconds * SECOND,
)
const MAX_POINTS = 60
const WIDEST_BUCKET_MS = 86_400 * SECOND

const emptyDay = (day: string): DayTally => ({
  day,
  logged: 0,
  updated: 0,
  alreadyDone: 0,
  wouldLog: 0,
  skipped: 0,
  dead: 0,
})

const zero = (): RequestFigures => ({ requests: 0, rateLimited: 0 })

/**
 * What a run report charts over time, gathered while the run goes: calls per call day from the engine's events,
 * and requests and 429s per second from the clients' totals. The clients count requests but announce only the
 * unusual ones (retries, 429s), so the totals are read at every event the command sees and on a timer between:
 * a request is placed in the second its total was next read, never more than a sample late.
 */
export class RunRecorder {
  private readonly days = new Map<string, DayTally>()
  private readonly seconds = new Map<number, RequestTotals>()
  private readonly deadLetters: number[] = []
  private last: RequestTotals
  private readonly started: number
  private ended: number
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly options: RunRecorderOptions) {
    this.started = options.now()
    this.ended = this.started
    this.last = this.read()
    const every = options.sampleEveryMs ?? SECOND
    if (every > 0) {
      this.timer = setInterval(() => this.sample(), every)
      // Sampling never keeps a finished command alive.
      this.timer.unref()
    }
  }

  /** An engine event: the call ones are tallied by the day the call started. */
  event(event: BackfillEvent): void {
    if (event.type === 'call-logged' || event.type === 'call-skipped' || event.type === 'call-failed') {
      const day = new Date(event.startedAt * 1000).toISOString().slice(0, 10)
      const tally = this.days.get(day) ?? emptyDay(day)
      this.days.set(day, tally)
      if (event.type === 'call-skipped') tally.skipped++
      else if (event.type === 'call-failed') {
        tally.dead++
        if (event.deadLetterId !== null) this.deadLetters.push(event.deadLetterId)
      } else if (event.status === 'logged') tally.logged++
      else if (event.status === 'updated') tally.updated++
      else if (event.status === 'already-done') tally.alreadyDone++
      else tally.wouldLog++
    }
    this.sample()
  }

  /**
   * Reads the totals now and books what grew since the last read in the current second. Called on every HTTP
   * event (a retry, a 429) too, so a 429 lands in its own second.
   */
  sample(): void {
    const now = this.options.now()
    this.ended = Math.max(this.ended, now)
    const current = this.read()
    const second = Math.floor(now / SECOND) * SECOND
    for (const service of ['aircall', 'intercom'] as const) {
      const requests = current[service].requests - this.last[service].requests
      const rateLimited = current[service].rateLimited - this.last[service].rateLimited
      if (requests <= 0 && rateLimited <= 0) continue
      const bucket = this.seconds.get(second) ?? { aircall: zero(), intercom: zero() }
      this.seconds.set(second, bucket)
      bucket[service].requests += Math.max(0, requests)
      bucket[service].rateLimited += Math.max(0, rateLimited)
    }
    this.last = current
  }

  /** Stops the timer after one last read; the recorder still answers. */
  stop(): void {
    this.sample()
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** Calls per call day, oldest first. */
  perDay(): DayTally[] {
    return [...this.days.values()].sort((a, b) => a.day.localeCompare(b.day))
  }

  /** Queue ids of the calls this run dead-lettered, in the order they failed. */
  deadLetterIds(): number[] {
    return [...this.deadLetters]
  }

  /** Requests and 429s per bucket from the run's start to its last read, empty buckets included. */
  traffic(): RunTraffic {
    const span = Math.max(SECOND, this.ended - this.started)
    const bucketMs = BUCKETS_MS.find((width) => span / width <= MAX_POINTS) ?? WIDEST_BUCKET_MS
    const first = Math.floor(this.started / bucketMs) * bucketMs
    const last = Math.floor(this.ended / bucketMs) * bucketMs
    const buckets: TrafficBucket[] = []
    for (let at = first; at <= last; at += bucketMs) buckets.push({ at, aircall: zero(), intercom: zero() })
    for (const [second, figures] of this.seconds) {
      const bucket = buckets[Math.floor((second - first) / bucketMs)] ?? buckets.at(-1)
      if (!bucket) continue
      for (const service of ['aircall', 'intercom'] as const) {
        bucket[service].requests += figures[service].requests
        bucket[service].rateLimited += figures[service].rateLimited
      }
    }
    return { bucketMs, buckets }
  }

  private read(): RequestTotals {
    const totals = this.options.totals()
    return {
      aircall: { requests: totals.aircall.requests, rateLimited: totals.aircall.rateLimited },
      intercom: { requests: totals.intercom.requests, rateLimited: totals.intercom.rateLimited },
    }
  }
}
