import type { Duration } from '../domain/duration.js'
import { LockedError, UserError } from '../errors.js'
import { isPermanentError } from '../http/failure.js'
import { acquireWorkerLock, type WorkerLock } from '../listener/lock.js'
import { QueueWorker, type WorkerEvent } from '../listener/worker.js'
import type {
  EventOutcome,
  EventSource,
  EventStatus,
  OutcomeObject,
  QueuedEvent,
  SettledCursor,
  StateStore,
} from '../store/state-store.js'
import { eventOutcome, parseOutcomeFilter } from './event-outcome.js'
import type { Runtime } from './runtime.js'
import { storeExists } from '../store/location.js'

export interface EventView {
  id: number
  source: EventSource
  /** What the item is: a webhook received live, or a typed job a history run dead-lettered. */
  kind: 'live-webhook' | 'history-call' | 'history-tag-attributes'
  /** The origin a replay runs it with: live rules only for a live webhook. */
  origin: 'live' | 'history'
  type: string
  subject: string | null
  status: EventStatus
  attempts: number
  lastError: string | null
  receivedAt: string
  updatedAt: string
  nextAttemptAt: string | null
  /** The rules' decisions, e.g. `log:logged(conversation 100002) missed-call:skipped(anonymous)`; null until done. */
  summary: string | null
}

/** An object the event wrote or acted on, with where a person opens it. */
export interface OutcomeObjectView extends OutcomeObject {
  url: string
}

export interface EventDetail extends EventView {
  identity: string
  /** The stored body as JSON (an Aircall token is masked before storage). */
  payload: unknown
  /** The trail of the run that completed the event (null while not done, and for events done before it was kept). */
  outcome: (Omit<EventOutcome, 'objects'> & { objects: OutcomeObjectView[] }) | null
}

/** One settled event as `events tail` reports it. */
export interface TailedEvent {
  id: number
  type: string
  subject: string | null
  status: 'done' | 'dead'
  at: string
  attempts: number
  summary: string | null
  effects: EventOutcome['effects']
  objects: OutcomeObjectView[]
  error: string | null
}

export interface EventListResult {
  statePath: string
  events: EventView[]
  counts: Record<EventStatus, number>
}

export interface ReplayResult {
  requeued: number[]
  /** Ids that were not replayed, with why (unknown id, still queued or processing). */
  skipped: Array<{ id: number; reason: string }>
  /** With --process: how each replayed event ended. */
  processed: { done: number[]; dead: Array<{ id: number; error: string | null }> } | null
  /** With --process while a listener works this store: it processes the requeued events, this command does not. */
  listenerRunning: boolean
}

export interface PurgeResult {
  statuses: EventStatus[]
  olderThan: string | null
  purged: number
}

const iso = (ms: number): string => new Date(ms).toISOString()

const kindOf = (event: QueuedEvent): EventView['kind'] => {
  if (event.source !== 'job') return 'live-webhook'
  return event.type === 'job.tag-attributes' ? 'history-tag-attributes' : 'history-call'
}

export const eventView = (event: QueuedEvent): EventView => ({
  id: event.id,
  source: event.source,
  kind: kindOf(event),
  origin: event.source === 'job' ? 'history' : 'live',
  type: event.type,
  subject: event.subject,
  status: event.status,
  attempts: event.attempts,
  lastError: event.lastError,
  receivedAt: iso(event.receivedAt),
  updatedAt: iso(event.updatedAt),
  nextAttemptAt: event.status === 'queued' ? iso(event.nextAttemptAt) : null,
  summary: event.outcome?.summary ?? null,
})

/**
 * Where a person opens an object. Intercom's `_` app segment opens the signed-in workspace; an Aircall call's
 * link is its API resource, as Aircall's own `direct_link` field gives it.
 */
export const objectUrl = (runtime: Runtime, object: OutcomeObject): string => {
  const intercom = runtime.config.insightCards.intercomAppUrl.replace(/\/+$/, '')
  const aircall = runtime.config.aircall.apiUrl.replace(/\/+$/, '')
  const id = encodeURIComponent(object.id)
  if (object.service === 'intercom') {
    return object.kind === 'contact'
      ? `${intercom}/a/apps/_/users/${id}/all-conversations`
      : `${intercom}/a/apps/_/inbox/inbox/all/conversations/${id}`
  }
  return object.kind === 'user' ? `${aircall}/v1/users/${id}` : `${aircall}/v1/calls/${id}`
}

export const objectViews = (runtime: Runtime, objects: readonly OutcomeObject[]): OutcomeObjectView[] =>
  objects.map((object) => ({ ...object, url: objectUrl(runtime, object) }))

const EMPTY_COUNTS: Record<EventStatus, number> = { queued: 0, processing: 0, done: 0, dead: 0 }

/** Reading commands must not leave a store file behind where none existed. */
const hasStore = (runtime: Runtime): Promise<boolean> => storeExists(runtime.stateLocation)

export const listEvents = async (
  runtime: Runtime,
  filter: { status?: EventStatus; source?: EventSource; limit: number; outcome?: string },
): Promise<EventListResult> => {
  const outcome = filter.outcome === undefined ? undefined : parseOutcomeFilter(filter.outcome)
  if (outcome && !/^[a-z-]+$/.test(outcome.rule)) {
    throw new UserError(
      `"${filter.outcome}" is not an outcome`,
      'write rule or rule:status, e.g. log:logged or missed-call:skipped (see `events show`)',
    )
  }
  if (!(await hasStore(runtime)))
    return { statePath: runtime.loaded.statePath, events: [], counts: { ...EMPTY_COUNTS } }
  const store = runtime.readonlyStore
  // Newest first: the events someone is looking for are usually the latest.
  const all = await store.queue.list({ status: filter.status, source: filter.source, outcome })
  return {
    statePath: store.path,
    events: all.slice(-filter.limit).reverse().map(eventView),
    counts: (await store.counts()).events,
  }
}

export const showEvent = async (runtime: Runtime, id: number): Promise<EventDetail> => {
  const event = (await hasStore(runtime)) ? await runtime.readonlyStore.queue.get(id) : undefined
  if (!event) throw new UserError(`no event #${id} in ${runtime.loaded.statePath}`, 'list them with `events list`', 1)
  let payload: unknown = event.payload
  try {
    payload = JSON.parse(event.payload) as unknown
  } catch {
    // Kept as text: showing what was stored matters more than its shape.
  }
  const outcome = event.outcome ? { ...event.outcome, objects: objectViews(runtime, event.outcome.objects) } : null
  return { ...eventView(event), identity: event.identity, payload, outcome }
}

const tailed = (runtime: Runtime, event: QueuedEvent): TailedEvent => ({
  id: event.id,
  type: event.type,
  subject: event.subject,
  status: event.status === 'dead' ? 'dead' : 'done',
  at: iso(event.updatedAt),
  attempts: event.attempts,
  summary: event.outcome?.summary ?? null,
  effects: event.outcome?.effects ?? [],
  objects: objectViews(runtime, event.outcome?.objects ?? []),
  error: event.status === 'dead' ? event.lastError : null,
})

/**
 * Follows the store: reports every event that becomes done (with its trail) or dead (with its error) from now
 * on, until `signal` aborts or `max` were reported. Reads through its own read-only connection, so it works
 * beside a running listener and changes nothing. Resolves with how many it reported.
 */
export const tailEvents = async (
  runtime: Runtime,
  options: {
    onEvent: (event: TailedEvent) => void
    signal: AbortSignal
    max?: number
    pollMs?: number
    /** Start this many ms in the past instead of now (tests, or to see what just happened). */
    sinceMs?: number
  },
): Promise<number> => {
  const pollMs = options.pollMs ?? 500
  const wait = (): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, pollMs)
      options.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer)
          resolve()
        },
        { once: true },
      )
    })
  // A store that does not exist yet (a listener about to start) is waited for, not created.
  while (!(await hasStore(runtime)) && !options.signal.aborted) await wait()
  const cursor: SettledCursor = { updatedAt: runtime.now() - (options.sinceMs ?? 0), ids: [] }
  let reported = 0
  const max = options.max ?? Number.POSITIVE_INFINITY
  while (!options.signal.aborted && reported < max) {
    const batch = await runtime.readonlyStore.queue.listSettledSince(cursor, Math.min(500, max - reported))
    for (const event of batch) {
      if (event.updatedAt !== cursor.updatedAt) {
        cursor.updatedAt = event.updatedAt
        cursor.ids = []
      }
      cursor.ids.push(event.id)
      options.onEvent(tailed(runtime, event))
      reported += 1
    }
    // A full batch means more are waiting: read on at once.
    if (reported < max && batch.length < 500) await wait()
  }
  return reported
}

export const purgeEvents = async (
  runtime: Runtime,
  options: { statuses: EventStatus[]; olderThan?: Duration },
): Promise<PurgeResult> => {
  if (options.statuses.some((status) => status === 'queued' || status === 'processing')) {
    throw new UserError('only done and dead events can be purged', 'pass --status done or --status dead')
  }
  const purged = (await hasStore(runtime))
    ? await runtime.store.queue.purge({
        status: options.statuses,
        olderThan: options.olderThan === undefined ? undefined : runtime.now() - options.olderThan.ms,
        rememberIdentitiesUntil: runtime.now() + runtime.config.listener.purgedIdentityDays * 86_400_000,
      })
    : 0
  return { statuses: options.statuses, olderThan: options.olderThan?.text ?? null, purged }
}

const requeue = async (
  store: Pick<StateStore, 'queue'>,
  ids: number[],
  now: number,
): Promise<Pick<ReplayResult, 'requeued' | 'skipped'>> => {
  const requeued: number[] = []
  const skipped: ReplayResult['skipped'] = []
  for (const id of ids) {
    const event = await store.queue.get(id)
    if (!event) skipped.push({ id, reason: 'no such event' })
    else if (event.status === 'queued' || event.status === 'processing')
      skipped.push({ id, reason: `already ${event.status}` })
    else if ((await store.queue.replay([id], now)) === 1) requeued.push(id)
  }
  return { requeued, skipped }
}

/**
 * Puts dead (or done) events back in the queue. `listen` processes them; with `process`, this command runs
 * the worker itself until every replayed event is done or dead again.
 */
export const replayEvents = async (
  runtime: Runtime,
  options: { ids: number[]; allDead: boolean; process: boolean; onEvent?: (event: WorkerEvent) => void },
): Promise<ReplayResult> => {
  if (!options.allDead && options.ids.length === 0) {
    throw new UserError(
      'name the events to replay',
      'pass one or more ids (see `events list --status dead`), or --all-dead',
    )
  }
  const unknown: number[] = []
  const exists = await hasStore(runtime)
  for (const id of options.ids) {
    if (!exists || (await runtime.store.queue.get(id)) === undefined) unknown.push(id)
  }
  // Nothing is requeued when an id is wrong: a typo must not replay half of what was meant.
  if (unknown.length > 0) {
    throw new UserError(
      `no event ${unknown.map((id) => `#${id}`).join(', ')} in ${runtime.loaded.statePath}: nothing was replayed`,
      'list them with `events list`',
      1,
    )
  }
  if (!exists) return { requeued: [], skipped: [], processed: null, listenerRunning: false }
  const { store } = runtime
  // The lock is taken before anything is requeued: a running listener then processes them, and this command
  // says so instead of failing after it changed the queue.
  let lock: WorkerLock | null = null
  if (options.process) {
    try {
      lock = await acquireWorkerLock(store, runtime.now, 60_000, runtime.stateLocation.kind, 'replay')
    } catch (error) {
      if (!(error instanceof LockedError)) throw error
    }
  }
  try {
    const ids = options.allDead ? (await store.queue.list({ status: 'dead' })).map((event) => event.id) : options.ids
    const { requeued, skipped } = await requeue(store, ids, runtime.now())
    const listenerRunning = options.process && lock === null
    if (lock === null || requeued.length === 0) return { requeued, skipped, processed: null, listenerRunning }
    return {
      requeued,
      skipped,
      processed: await processUntilSettled(runtime, requeued, options.onEvent),
      listenerRunning: false,
    }
  } finally {
    await lock?.release()
  }
}

const processUntilSettled = async (
  runtime: Runtime,
  ids: number[],
  onEvent?: (event: WorkerEvent) => void,
): Promise<NonNullable<ReplayResult['processed']>> => {
  const { store, config, now } = runtime
  const { pipeline } = runtime.pipeline
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
      return { summary: result.summary, outcome: await eventOutcome(store, event, result, performance.now() - started) }
    },
    onEvent,
  })
  const settled = async (): Promise<QueuedEvent[] | null> => {
    const events = await Promise.all(ids.map((id) => store.queue.get(id)))
    return events.every((event) => event === undefined || event.status === 'done' || event.status === 'dead')
      ? events.filter((event): event is QueuedEvent => event !== undefined)
      : null
  }
  try {
    worker.start()
    let final = await settled()
    while (final === null) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      final = await settled()
    }
    return {
      done: final.filter((event) => event.status === 'done').map((event) => event.id),
      dead: final.filter((event) => event.status === 'dead').map((event) => ({ id: event.id, error: event.lastError })),
    }
  } finally {
    await worker.stop()
  }
}
