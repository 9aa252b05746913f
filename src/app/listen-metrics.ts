import { AggregatorRegistry, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { SharedGateStats } from '../http/shared-rate-gate.js'
import { coveredSeconds, spansOf } from '../sources/coverage.js'
import type { RateBudget } from '../http/rate-gate.js'
import type { HttpEvent, ServiceName } from '../http/types.js'
import type { MetricsSnapshot } from '../listener/intake-metrics.js'
import type { Checkpoint, EventStatus } from '../store/state-store.js'
import type { Effect } from '../pipeline/pipeline.js'

/** Retries and 429s the API clients report (HttpEvents), counted from the moment the runtime is built. */
export class ApiEventCounter {
  readonly retries: Record<ServiceName, Map<string, number>> = { aircall: new Map(), intercom: new Map() }

  readonly record = (event: HttpEvent): void => {
    if (event.type !== 'retry') return
    // The outcome class, never the endpoint: ids in paths would make the label set unbounded.
    const outcome = typeof event.outcome === 'number' ? String(event.outcome) : String(event.outcome)
    const counts = this.retries[event.service]
    counts.set(outcome, (counts.get(outcome) ?? 0) + 1)
  }
}

/** The rate gates' counters as `Runtime.requestStats()` reports them; null for a client never built. */
export interface GateStats {
  requests: number
  rateLimited: number
  pausedUntil: number
}

/** The per-window budget of each API, as configured (Aircall: per minute; Intercom: per minute ÷ 6 per 10 s). */
export interface RateBudgets {
  aircall: { limit: number; windowMs: number }
  intercom: { limit: number; windowMs: number }
}

/**
 * Requests admitted per API, sampled each second: the budget left is the window's limit less what the window used.
 * An estimate from the configured limits (the rate gates follow the servers' own headers more closely).
 */
export class RateBudgetSampler {
  private readonly samples: Array<{ at: number; requests: Record<ServiceName, number> }> = []
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly requestStats: () => Record<ServiceName, GateStats | null>,
    readonly budgets: RateBudgets,
    private readonly now: () => number,
  ) {
    this.sample()
    this.timer = setInterval(() => this.sample(), SAMPLE_MS)
    this.timer.unref()
  }

  /** Requests each API may still send in its current window (never below 0). */
  remaining(): Record<ServiceName, number> {
    this.sample()
    const newest = this.samples.at(-1)
    const left = {} as Record<ServiceName, number>
    for (const api of SERVICES) {
      const { limit, windowMs } = this.budgets[api]
      const since = (newest?.at ?? 0) - windowMs
      const oldest = this.samples.find((sample) => sample.at >= since) ?? newest
      const used = (newest?.requests[api] ?? 0) - (oldest?.requests[api] ?? 0)
      left[api] = Math.max(0, limit - used)
    }
    return left
  }

  close(): void {
    clearInterval(this.timer)
  }

  private sample(): void {
    const now = this.now()
    const stats = this.requestStats()
    const last = this.samples.at(-1)
    const requests = { aircall: stats.aircall?.requests ?? 0, intercom: stats.intercom?.requests ?? 0 }
    if (last && now - last.at < SAMPLE_MS / 2) {
      last.requests = requests
      return
    }
    this.samples.push({ at: now, requests })
    const horizon = now - 61_000
    while ((this.samples[0]?.at ?? now) < horizon) this.samples.shift()
  }
}

export interface ListenMetricsDeps {
  eventCounts: () => Promise<Record<EventStatus, number>>
  requestStats: () => Record<ServiceName, GateStats | null>
  budget: RateBudgetSampler
  /** Each API's budget from its rate gate (the servers' headers); null before the API is first used. */
  gateBudgets: () => Record<ServiceName, RateBudget | null>
  /** The store's backfill checkpoints: a backfill in another process on the same store shows its progress here. */
  backfillCheckpoints: () => Promise<Checkpoint[]>
  apiEvents: ApiEventCounter | null
  /** What each API's shared budget did (a PostgreSQL store); null where the process has only its own gate. */
  sharedBudgets?: () => Record<ServiceName, SharedGateStats | null>
  ready: () => Promise<boolean>
  now: () => number
}

/** Processing takes a few milliseconds (everything already done) to tens of seconds (retried API calls). */
const PROCESSING_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
const SERVICES: readonly ServiceName[] = ['aircall', 'intercom']
const SAMPLE_MS = 1_000

/**
 * The main thread's metrics (worker, queue, APIs, readiness), rendered with the intake's snapshot merged in.
 * Queue depth and API counters are read when scraped, not pushed on every event: a listener nobody scrapes
 * pays nothing for them.
 */
export class ListenMetrics {
  private readonly registry = new Registry()
  private readonly processing: Histogram
  private readonly effects: Counter<'rule' | 'status'>
  private readonly settled: Counter<'result'>

  constructor(private readonly deps: ListenMetricsDeps) {
    const registers = [this.registry]
    this.processing = new Histogram({
      name: 'aircall_intercom_event_processing_seconds',
      help: 'Time the pipeline took on an event, per attempt that completed it.',
      buckets: PROCESSING_BUCKETS,
      registers,
    })
    this.effects = new Counter({
      name: 'aircall_intercom_event_effects_total',
      help: "Rules' decisions on processed events, by rule and status (e.g. log logged, missed-call skipped).",
      labelNames: ['rule', 'status'],
      registers,
    })
    this.settled = new Counter({
      name: 'aircall_intercom_events_processed_total',
      help: 'Attempts the worker finished, by result: done, retrying or dead (dead-lettered).',
      labelNames: ['result'],
      registers,
    })
    for (const result of ['done', 'retrying', 'dead']) this.settled.labels(result).inc(0)
    const { deps: d } = this
    new Gauge({
      name: 'aircall_intercom_queue_events',
      help: 'Events in the store by status (queued and processing: the queue depth; dead: the dead letters).',
      labelNames: ['status'],
      registers,
      async collect() {
        for (const [status, count] of Object.entries(await d.eventCounts())) this.set({ status }, count)
      },
    })
    new Gauge({
      name: 'aircall_intercom_listener_ready',
      help: '1 while /readyz answers 200.',
      registers,
      async collect() {
        this.set((await d.ready()) ? 1 : 0)
      },
    })
    /** A counter by `api` read from per-API stats when scraped; an API without stats counts `absent` (or not at all). */
    const perApiCounter = <T>(
      name: string,
      help: string,
      source: () => Record<ServiceName, T | null> | undefined,
      read: (stats: T) => number,
      absent: number | null,
    ): void => {
      new Counter({
        name,
        help,
        labelNames: ['api'],
        registers,
        collect() {
          this.reset()
          const stats = source()
          for (const api of SERVICES) {
            const value = stats?.[api]
            if (value) this.inc({ api }, read(value))
            else if (absent !== null) this.inc({ api }, absent)
          }
        },
      })
    }
    const gateCounter = (name: string, help: string, read: (stats: GateStats) => number): void =>
      perApiCounter(name, help, () => d.requestStats(), read, 0)
    gateCounter(
      'aircall_intercom_api_requests_total',
      'API requests sent (every attempt, retries included).',
      (s) => s.requests,
    )
    gateCounter('aircall_intercom_api_rate_limited_total', 'API answers 429 Too Many Requests.', (s) => s.rateLimited)
    const sharedCounter = (name: string, help: string, read: (stats: SharedGateStats) => number): void =>
      perApiCounter(name, help, () => d.sharedBudgets?.(), read, null)
    sharedCounter(
      'aircall_intercom_shared_budget_takes_total',
      'Leases taken from the API budget every process on the PostgreSQL store shares.',
      (s) => s.takes,
    )
    sharedCounter(
      'aircall_intercom_shared_budget_fallbacks_total',
      'Requests admitted by this process alone because the shared budget could not be reached.',
      (s) => s.fallbacks,
    )
    new Counter({
      name: 'aircall_intercom_api_retries_total',
      help: 'API attempts retried, by what the failed attempt got (an HTTP status, network or timeout).',
      labelNames: ['api', 'outcome'],
      registers,
      collect() {
        this.reset()
        for (const api of SERVICES) {
          this.inc({ api, outcome: '429' }, 0)
          for (const [outcome, count] of d.apiEvents?.retries[api] ?? []) this.inc({ api, outcome }, count)
        }
      },
    })
    const budget = (): Record<ServiceName, number> => {
      const estimate = d.budget.remaining()
      const exact = d.gateBudgets()
      const left = (api: ServiceName): number => exact[api]?.remaining ?? estimate[api]
      return { aircall: left('aircall'), intercom: left('intercom') }
    }
    new Gauge({
      name: 'aircall_intercom_api_rate_budget_remaining',
      help: "Requests left in the API's current window (Aircall: 60 s; Intercom: 10 s), as the rate gate knows it from the API's rate-limit headers (before the API is first used: the configured limit less the requests sent).",
      labelNames: ['api'],
      registers,
      collect() {
        for (const [api, left] of Object.entries(budget())) this.set({ api }, left)
      },
    })
    new Gauge({
      name: 'aircall_intercom_backfill_covered_seconds',
      help: 'Seconds of call history an API backfill on this store has covered, by checkpoint (read from the store when scraped).',
      labelNames: ['checkpoint'],
      registers,
      async collect() {
        this.reset()
        for (const checkpoint of await d.backfillCheckpoints()) {
          const spans = spansOf(checkpoint.value)
          if (spans.length > 0) this.set({ checkpoint: checkpoint.name }, coveredSeconds(spans))
        }
      },
    })
    new Gauge({
      name: 'aircall_intercom_backfill_checkpoint_updated_timestamp_seconds',
      help: 'When each backfill checkpoint (API range or CSV file) last advanced: a backfill that stopped moving shows as an old timestamp.',
      labelNames: ['checkpoint'],
      registers,
      async collect() {
        this.reset()
        for (const checkpoint of await d.backfillCheckpoints()) {
          this.set({ checkpoint: checkpoint.name }, Math.floor(checkpoint.updatedAt / 1000))
        }
      },
    })
    new Gauge({
      name: 'aircall_intercom_api_rate_paused',
      help: '1 while the API client holds every request after a 429, until the reset it was told.',
      labelNames: ['api'],
      registers,
      collect() {
        const stats = d.requestStats()
        const now = d.now()
        for (const api of SERVICES) this.set({ api }, (stats[api]?.pausedUntil ?? 0) > now ? 1 : 0)
      },
    })
  }

  /** One completed event: its processing time and its effects. */
  processed(effects: readonly Effect[], seconds: number | null): void {
    this.settled.labels('done').inc()
    if (seconds !== null) this.processing.observe(seconds)
    for (const effect of effects) this.effects.inc({ rule: effect.rule, status: effect.status })
  }

  retrying(): void {
    this.settled.labels('retrying').inc()
  }

  deadLettered(): void {
    this.settled.labels('dead').inc()
  }

  /** Prometheus text: this thread's metrics and the intake's (when it counted them), merged. */
  async render(intake: MetricsSnapshot | null): Promise<{ contentType: string; text: string }> {
    const own = (await this.registry.getMetricsAsJSON()) as MetricsSnapshot
    const merged = intake ? AggregatorRegistry.aggregate([own, intake]) : this.registry
    return { contentType: this.registry.contentType, text: await merged.metrics() }
  }
}
