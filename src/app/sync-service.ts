import type { InsightFigures } from '../pipeline/insight-backfill.js'
import { hostname } from 'node:os'

import type { Runtime } from './runtime.js'
import { LockedError } from '../errors.js'
import { isOwnerGone } from '../store/step-owner.js'
import { type BackfillCounts, type BackfillEvent, runBackfillEngine } from '../pipeline/backfill-engine.js'
import { iso } from '../sources/range.js'
import { type RequestFigures, requestFigures } from './backfill-service.js'
import { AircallRangeSource } from '../sources/aircall-range.js'

export const SYNC_CHECKPOINT = 'sync:aircall'
export const SYNC_LOCK = 'sync'
export const SYNC_MARK = 'sync:last-run'
const FIRST_RUN_S = 86_400
/** Long enough for any sane run; renewed after every window, and a crashed holder frees it when it lapses. */
const LOCK_TTL_MS = 15 * 60_000

export interface SyncRequest {
  /** How far before the last checkpoint to re-read, for Aircall's late rewrites (the command's default: 2h). */
  lookbackMs: number
  concurrency: number
  /** Also note each logged call's AI summary and transcript (see backfill --with-ai). */
  withAi?: boolean
  signal?: AbortSignal
  onEvent?: (event: BackfillEvent) => void
}

export interface SyncResult {
  since: string
  until: string
  firstRun: boolean
  interrupted: boolean
  counts: BackfillCounts
  elapsedMs: number
  requests: { aircall: RequestFigures; intercom: RequestFigures }
  deadLetterIds: number[]
  /** `--with-ai`: the AI notes written, already there, and the insights Aircall had none of. */
  insights: InsightFigures | null
  /** Callers with no Intercom contact (E.164, or the raw digits) → their calls this run. */
  unmatched: Record<string, number>
  /**
   * PostgreSQL: the database dropped the connection holding this run's single-flight lock, so another sync may
   * have started beside it (the ledger's claims still kept every write to one).
   */
  singleFlightLost: boolean
}

interface LockOwner {
  pid: number
  host: string
  startedAt: number
}

/**
 * The cron-friendly incremental run: from the last checkpoint minus the lookback up to now (the last 24 h on
 * the first run), through the same engine as `backfill`. A store lock makes an overlapping run exit at once.
 */
export async function syncCalls(runtime: Runtime, request: SyncRequest): Promise<SyncResult> {
  const lookback = Math.round(request.lookbackMs / 1000)
  const { store } = runtime
  const startedAt = runtime.now()
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt }
  const ownerText = JSON.stringify(owner)
  const sessionLocks = await runtime.sessionLocks()
  const session = sessionLocks ? await sessionLocks.tryAcquire(SYNC_LOCK) : null
  if (sessionLocks && !session) throw lockedError(await holderOf(runtime), 'session')
  if (session) {
    // The session lock is the one that decides; a row still there was left by a holder whose session has ended.
    const left = await store.locks.get(SYNC_LOCK)
    if (left) await store.locks.release(SYNC_LOCK, left.owner)
  }
  if (!(await store.locks.acquire(SYNC_LOCK, ownerText, startedAt, LOCK_TTL_MS))) {
    // A holder killed with SIGKILL never released the lock: when its process is gone from this host, take it
    // over now instead of after the TTL. Two runs may both see it gone; the store lets only one acquire.
    const held = await store.locks.get(SYNC_LOCK)
    if (held && holderIsGone(held.owner)) await store.locks.release(SYNC_LOCK, held.owner)
    if (!(await store.locks.acquire(SYNC_LOCK, ownerText, startedAt, LOCK_TTL_MS))) {
      throw lockedError((await store.locks.get(SYNC_LOCK))?.owner)
    }
  }
  try {
    const until = Math.floor(startedAt / 1000)
    const through = (await store.checkpoints.get(SYNC_CHECKPOINT))?.value.through
    const firstRun = typeof through !== 'number'
    const since = firstRun ? until - FIRST_RUN_S : Math.min(through, until) - lookback
    const source = new AircallRangeSource({
      client: runtime.aircall,
      since,
      until,
      retentionDays: runtime.config.aircall.retentionDays,
      now: runtime.now,
      checkpointName: SYNC_CHECKPOINT,
    })
    runtime.resolver.refreshBeforeFirstLookup()
    const discovery = runtime.conversationDiscovery()
    const history = runtime.pipeline.pipeline.history((call) => discovery.coverCall(call.startedAt, request.signal))
    const insights: InsightFigures = { noted: 0, alreadyNoted: 0, none: 0, unanswered: 0 }
    const run = await runBackfillEngine({
      source,
      logger: request.withAi ? runtime.withInsights(history, insights) : history,
      deadLetter: { kind: 'log-call', via: 'sync' },
      store,
      concurrency: request.concurrency,
      resume: false,
      signal: request.signal,
      now: runtime.now,
      onEvent: (event) => {
        // A renewal that fails is tried again at the next window: the lock's TTL spans several.
        if (event.type === 'window-done') {
          store.locks.renew(SYNC_LOCK, ownerText, runtime.now(), LOCK_TTL_MS).catch(() => false)
        }
        request.onEvent?.(event)
      },
    })
    if (!run.interrupted) await store.marks.set(SYNC_MARK, runtime.now())
    return {
      since: iso(since),
      until: iso(until),
      firstRun,
      interrupted: run.interrupted,
      counts: run.counts,
      elapsedMs: run.elapsedMs,
      requests: requestFigures(runtime),
      deadLetterIds: run.deadLetterIds,
      insights: request.withAi ? insights : null,
      unmatched: run.unmatched,
      singleFlightLost: session?.lost() ?? false,
    }
  } finally {
    try {
      await store.locks.release(SYNC_LOCK, ownerText)
    } finally {
      await session?.release()
    }
  }
}

/**
 * Who holds the sync: its lock row, which the holder writes just after it took the session lock (and a moment
 * later than a run that starts beside it may look: that one waits for the row a little).
 */
async function holderOf(runtime: Runtime): Promise<string | undefined> {
  for (let attempt = 0; ; attempt++) {
    const held = await runtime.store.locks.get(SYNC_LOCK)
    if (held || attempt >= 20) return held?.owner
    await runtime.sleep(100)
  }
}

/**
 * The step owners' rule (`isOwnerGone`): gone only when it ran on this host and its pid no longer exists. A holder
 * on another host is waited out to the end of its TTL: from here nothing tells a slow one from a dead one.
 */
function holderIsGone(ownerText: string): boolean {
  let owner: Partial<LockOwner>
  try {
    owner = JSON.parse(ownerText) as Partial<LockOwner>
  } catch {
    return false
  }
  if (typeof owner.host !== 'string' || !Number.isInteger(owner.pid)) return false
  return isOwnerGone(`${owner.host}/${String(owner.pid)}/`)
}

function lockedError(ownerText: string | undefined, held: 'row' | 'session' = 'row'): LockedError {
  let detail = 'unknown holder'
  try {
    const owner = JSON.parse(ownerText ?? '') as Partial<LockOwner>
    const started = typeof owner.startedAt === 'number' ? new Date(owner.startedAt).toISOString() : '?'
    detail = `pid ${owner.pid ?? '?'}${owner.host ? ` on ${owner.host}` : ''}, started ${started}`
  } catch {
    if (ownerText) detail = ownerText
  }
  return new LockedError(
    `another sync is running (${detail})`,
    held === 'session'
      ? 'this run exits without doing anything; the lock is freed the moment that run ends or its process dies, on any host'
      : `this run exits without doing anything; if that process died on another host, its lock lapses ${LOCK_TTL_MS / 60_000} minutes after its last renewal`,
  )
}
