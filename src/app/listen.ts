import { UserError } from '../errors.js'
import { isPermanentError } from '../http/failure.js'
import type { IntakeEvent } from '../listener/intake.js'
import { IntakeListenError, startIntake, type IntakeHandle } from '../listener/intake-host.js'
import { acquireWorkerLock } from '../listener/lock.js'
import { QueueWorker, type WorkerEvent } from '../listener/worker.js'
import type { Effect, EventPipeline } from '../pipeline/pipeline.js'
import { storeFileError } from '../store/store-file-errors.js'
import type { EventStatus } from '../store/state-store.js'
import { createConsole, isLoopback } from './console/console.js'
import { eventOutcome } from './event-outcome.js'
import { controlPlane, readinessOf } from './listen-control.js'
import type { ListenSummary } from './listen-summary.js'
import { ListenMetrics, RateBudgetSampler, type ApiEventCounter } from './listen-metrics.js'
import type { Runtime } from './runtime.js'

export type ListenEvent =
  | {
      type: 'listening'
      url: string
      aircall: boolean
      intercom: boolean
      concurrency: number
      recovered: number
      intake: IntakeHandle['mode']
    }
  | { type: 'warning'; message: string }
  | IntakeEvent
  | Exclude<WorkerEvent, { type: 'processed' }>
  | (Extract<WorkerEvent, { type: 'processed' }> & { effects: Effect[] })
  | { type: 'stopping' }

export type { ListenSummary } from './listen-summary.js'

export interface ListenOptions {
  host: string
  port: number
  onEvent?: (event: ListenEvent) => void
  /** Tests may pass a pipeline; by default the rules are wired to the runtime's clients. */
  pipeline?: Pick<EventPipeline, 'handle'>
  /** The retries the runtime's API clients reported (its `onHttpEvent`), for /metrics. */
  apiEvents?: ApiEventCounter
}

export interface ListenHandle {
  readonly url: string
  summary(): ListenSummary
  /** Stops accepting, lets in-flight events finish, releases the worker lock. */
  stop(): Promise<ListenSummary>
}

const LOCK_TTL_MS = 60_000
const MAINTENANCE_MS = 15_000

/** Checks the webhook secrets: neither set is a configuration error, one missing a warning. */
export const webhookSources = (runtime: Runtime): { aircall: boolean; intercom: boolean; warnings: string[] } => {
  const aircall = Boolean(runtime.config.aircall.webhookToken)
  const intercom = Boolean(runtime.config.intercom.clientSecret)
  if (!aircall && !intercom) {
    throw new UserError(
      'neither AIRCALL_WEBHOOK_TOKEN nor INTERCOM_CLIENT_SECRET is set: the listener could not verify any webhook',
      'export AIRCALL_WEBHOOK_TOKEN (the token of your Aircall webhook) and/or INTERCOM_CLIENT_SECRET (Developer Hub › your app › Basic information)',
    )
  }
  const warnings: string[] = []
  if (!aircall) warnings.push('AIRCALL_WEBHOOK_TOKEN is not set: every POST /aircall will be refused with 401')
  if (!intercom) warnings.push('INTERCOM_CLIENT_SECRET is not set: every POST /intercom will be refused with 401')
  return { aircall, intercom, warnings }
}

/**
 * The webhook listener: intake (verify → durable enqueue → 2xx) and the worker running the live rules, in one
 * process. Events a killed predecessor left mid-processing are released at start and processed again; every
 * effect is a ledger step, so they take effect once.
 */
export const startListener = async (runtime: Runtime, options: ListenOptions): Promise<ListenHandle> => {
  const { config, store, now } = runtime
  const emit = options.onEvent ?? (() => undefined)
  const sources = webhookSources(runtime)
  const { pipeline, guard } = options.pipeline ? { pipeline: options.pipeline, guard: null } : runtime.pipeline

  const damage = await store.integrityProblems()
  if (damage.length > 0) {
    throw storeFileError(store.path, { kind: 'damaged', problems: damage })
  }
  const backend = runtime.stateLocation.kind
  const lock = await acquireWorkerLock(store, now, LOCK_TTL_MS, backend)
  // The only worker of an SQLite store may take back every lease; on PostgreSQL the other replicas' leases are
  // theirs until they lapse (a replica that died leaves them to lapse, and any replica then takes them).
  const recovered = await store.queue.releaseExpiredLeases(backend === 'sqlite' ? Number.MAX_SAFE_INTEGER : now())
  const summary: ListenSummary = {
    url: '',
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    processed: 0,
    retried: 0,
    deadLettered: 0,
    outcomes: {},
  }
  const effectsOf = new Map<number, { effects: Effect[]; seconds: number }>()
  const state = { workerRunning: false, draining: false }
  const readiness = () => readinessOf(store, state)
  // One count of the queue serves every scrape and console poll within half a second: several open consoles and a
  // scraper then cost the worker's connection one index scan, not one each.
  let counted: { at: number; counts: Promise<Record<EventStatus, number>> } | null = null
  const eventCounts = (): Promise<Record<EventStatus, number>> => {
    const at = performance.now()
    if (!counted || at - counted.at > 500) {
      const counts = store.queue.counts()
      counted = { at, counts }
      // A failed count is not kept: the next scrape asks the store again.
      counts.catch(() => {
        if (counted?.counts === counts) counted = null
      })
    }
    return counted.counts
  }
  const budget = new RateBudgetSampler(
    () => runtime.requestStats(),
    {
      aircall: { limit: config.aircall.rateLimitPerMinute, windowMs: 60_000 },
      intercom: { limit: Math.floor(config.intercom.rateLimitPerMinute / 6), windowMs: 10_000 },
    },
    now,
  )
  const metrics = config.listener.metrics
    ? new ListenMetrics({
        eventCounts,
        requestStats: () => runtime.requestStats(),
        budget,
        gateBudgets: () => runtime.rateBudgets(),
        backfillCheckpoints: () => store.checkpoints.list('backfill:'),
        apiEvents: options.apiEvents ?? null,
        sharedBudgets: () => runtime.sharedBudgetStats(),
        ready: async () => (await readiness()).ready,
        now,
      })
    : null

  const worker = new QueueWorker({
    store,
    concurrency: config.listener.workerConcurrency,
    maxAttempts: config.listener.maxAttempts,
    leaseMs: config.listener.leaseSeconds * 1000,
    isPermanent: isPermanentError,
    now,
    handle: async (event) => {
      const started = performance.now()
      const result = await pipeline.handle(event)
      const durationMs = performance.now() - started
      effectsOf.set(event.id, { effects: result.effects, seconds: durationMs / 1000 })
      // Stored with the event when it completes: `events show`, `events tail` and the console read it.
      return { summary: result.summary, outcome: await eventOutcome(store, event, result, durationMs) }
    },
    onEvent: (event) => {
      if (event.type === 'processed') {
        const handled = effectsOf.get(event.id)
        const effects = handled?.effects ?? []
        effectsOf.delete(event.id)
        metrics?.processed(effects, handled?.seconds ?? null)
        if (handled) operatorConsole.observeProcessing(handled.seconds * 1000)
        summary.processed += 1
        for (const effect of effects) {
          const key = [effect.rule, effect.status, effect.status === 'skipped' ? effect.detail : undefined]
            .filter(Boolean)
            .join(':')
          summary.outcomes[key] = (summary.outcomes[key] ?? 0) + 1
        }
        emit({ ...event, effects })
        return
      }
      if (event.type === 'retrying') {
        summary.retried += 1
        metrics?.retrying()
      }
      if (event.type === 'dead-lettered') {
        summary.deadLettered += 1
        metrics?.deadLettered()
      }
      emit(event)
    },
  })

  const operatorConsole = createConsole({
    runtime,
    store,
    eventCounts,
    host: options.host,
    token: config.listener.consoleToken ?? null,
    summary: () => summary,
    ready: async () => (await readiness()).ready,
    budget,
    gateBudgets: () => runtime.rateBudgets(),
    loopMarks: () => guard?.recentMarks() ?? null,
    requestStats: () => runtime.requestStats(),
    notifyWorker: () => worker.notify(),
    now,
  })

  let intake: IntakeHandle
  try {
    intake = await startIntake({
      store,
      location: runtime.stateLocation,
      aircallWebhookToken: config.aircall.webhookToken ?? null,
      intercomClientSecret: config.intercom.clientSecret ?? null,
      maxBodyBytes: config.listener.maxBodyBytes,
      limits: config.listener,
      host: options.host,
      port: options.port,
      metrics: config.listener.metrics,
      control: controlPlane({ readiness, metrics, console: operatorConsole.handle }),
      onEvent: (event) => {
        if (event.type === 'accepted') {
          operatorConsole.observeAck(event.ackMs)
          if (event.duplicate) summary.duplicates += 1
          else summary.accepted += 1
          worker.notify()
        } else {
          summary.rejected += event.count
        }
        emit(event)
      },
      onFatal: (error) => emit({ type: 'warning', message: `the webhook intake stopped: ${error.message}` }),
    })
  } catch (error) {
    await lock.release()
    budget.close()
    operatorConsole.close()
    const code = error instanceof IntakeListenError ? error.code : null
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new UserError(
        `cannot listen on ${options.host}:${options.port} (${code})`,
        'choose another --port, or stop what is using it',
        1,
      )
    }
    throw error
  }
  const { url } = intake
  summary.url = url
  emit({
    type: 'listening',
    url,
    aircall: sources.aircall,
    intercom: sources.intercom,
    concurrency: config.listener.workerConcurrency,
    recovered,
    intake: intake.mode,
  })
  for (const message of sources.warnings) emit({ type: 'warning', message })
  if (!isLoopback(options.host) && !config.listener.consoleToken) {
    emit({
      type: 'warning',
      message: `the console (${url}/console) is off: on ${options.host} it needs listener.consoleToken`,
    })
  }
  // The index is brought up to date before the first caller, then again every contactRefreshMinutes (0: only
  // that first time), each time lazily: a listener with no calls spends no request on it (contact.* webhooks keep it current in between).
  const refreshEveryMs = config.listener.contactRefreshMinutes * 60_000
  const rearmRefresh = (): void => {
    if (!options.pipeline) runtime.resolver.refreshBeforeFirstLookup()
  }
  rearmRefresh()
  const contactRefresh = refreshEveryMs > 0 ? setInterval(rearmRefresh, refreshEveryMs) : null
  contactRefresh?.unref()
  worker.start()
  state.workerRunning = true

  const maintenance = setInterval(() => {
    // A failed renewal is tried again at the next tick: the lock's TTL spans several.
    lock.renew().catch(() => false)
    guard?.prune().catch(() => 0)
  }, MAINTENANCE_MS)
  maintenance.unref()

  let stopping: Promise<ListenSummary> | null = null
  return {
    url,
    summary: () => structuredClone(summary),
    stop: () => {
      stopping ??= (async () => {
        // /readyz fails first; webhooks are still acknowledged during the grace, so a load balancer that has not
        // yet moved its traffic away loses nothing.
        state.draining = true
        emit({ type: 'stopping' })
        if (config.listener.drainGraceMs > 0) {
          await new Promise((resolve) => setTimeout(resolve, config.listener.drainGraceMs))
        }
        clearInterval(maintenance)
        if (contactRefresh) clearInterval(contactRefresh)
        const closed = intake.stop()
        await worker.stop()
        state.workerRunning = false
        await closed
        budget.close()
        operatorConsole.close()
        await lock.release()
        return structuredClone(summary)
      })()
      return stopping
    },
  }
}
