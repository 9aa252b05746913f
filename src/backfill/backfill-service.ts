import type { Runtime } from '../app/runtime.js'
import { UserError } from '../errors.js'
import { type BackfillCounts, type BackfillEvent, runBackfillEngine } from './engine.js'
import { type Span, spansOf, uncovered } from './coverage.js'
import { iso, parseInstant } from './range.js'
import { AircallRangeSource } from './sources/aircall-range.js'
import { CsvExportSource } from './sources/csv-export.js'
import type { CallSource } from './sources/types.js'

export interface BackfillRequest {
  since?: string
  until?: string
  /** Aircall CSV call export to import instead of reading the API. */
  csv?: string
  dryRun: boolean
  concurrency: number
  restart: boolean
  signal?: AbortSignal
  onEvent?: (event: BackfillEvent) => void
}

export interface RequestFigures {
  requests: number
  rateLimited: number
}

export interface BackfillResult {
  source: 'aircall-api' | 'csv'
  file: string | null
  since: string | null
  until: string | null
  dryRun: boolean
  /** Stopped by Ctrl-C: running the same command resumes. */
  interrupted: boolean
  counts: BackfillCounts
  elapsedMs: number
  requests: { aircall: RequestFigures; intercom: RequestFigures }
  /** Queue event ids of the calls that went to dead letters (`events show/replay`). */
  deadLetterIds: number[]
  dataAttributesCreated: string[]
  /** Distinct callers with no Intercom contact (when unknown callers are not created). */
  unmatchedCallers: number
  checkpoint: string
  /** The parts of the range this run read: what earlier runs on this store had not covered yet. */
  read: Array<{ since: string; until: string }>
  /** The pre-pass: Intercom requests it made, and conversations of calls the ledger did not know yet. */
  prePass: { requests: number; adopted: number }
}

export const API_CHECKPOINT = 'backfill:api'
/** Calls this recent may still be running or be rewritten: the next run reads them again. */
const SETTLE_S = 3_600

export const requestFigures = (runtime: Runtime): BackfillResult['requests'] => {
  const stats = runtime.requestStats()
  return {
    aircall: { requests: stats.aircall?.requests ?? 0, rateLimited: stats.aircall?.rateLimited ?? 0 },
    intercom: { requests: stats.intercom?.requests ?? 0, rateLimited: stats.intercom?.rateLimited ?? 0 },
  }
}

/** Historical calls (Aircall API range or CSV export) → Intercom, resumable from the last finished window. */
export async function backfill(runtime: Runtime, request: BackfillRequest): Promise<BackfillResult> {
  const nowMs = runtime.now()
  const since = request.since === undefined ? undefined : parseInstant(request.since, nowMs, '--since')
  const until = request.until === undefined ? undefined : parseInstant(request.until, nowMs, '--until', 'end')
  if (since !== undefined && until !== undefined && since >= until) {
    throw new UserError('--since must be before --until', `got ${iso(since)} → ${iso(until)}`)
  }
  let source: CallSource
  let gaps: Span[] = []
  const nowSeconds = Math.floor(nowMs / 1000)
  if (request.csv !== undefined) {
    source = new CsvExportSource({ file: request.csv, since, until })
  } else {
    if (since === undefined) {
      throw new UserError(
        '--since is required to read calls from Aircall',
        'e.g. --since 2026-01-01, or --since 90d; or import an export with --csv FILE',
      )
    }
    const end = until ?? nowSeconds
    const covered = request.restart ? [] : spansOf(runtime.store.getCheckpoint(API_CHECKPOINT)?.value)
    gaps = uncovered(covered, since, end)
    source = new AircallRangeSource({
      client: runtime.aircall,
      since,
      until: end,
      retentionDays: runtime.config.aircall.retentionDays,
      now: runtime.now,
      checkpointName: API_CHECKPOINT,
      gaps,
      settledBefore: nowSeconds - SETTLE_S,
    })
  }
  runtime.resolver.refreshBeforeFirstLookup()
  const logger = runtime.callLogger
  const discovery = runtime.conversationDiscovery()
  const run = await runBackfillEngine({
    source,
    logger: runtime.pipeline.pipeline.history((call) => discovery.coverCall(call.startedAt, request.signal)),
    deadLetter: { kind: 'log-call', via: request.csv !== undefined ? 'csv' : 'backfill' },
    store: runtime.store,
    concurrency: request.concurrency,
    dryRun: request.dryRun,
    restart: request.restart,
    signal: request.signal,
    now: runtime.now,
    onEvent: request.onEvent,
  })
  return {
    source: request.csv !== undefined ? 'csv' : 'aircall-api',
    file: request.csv ?? null,
    since: since === undefined ? null : iso(since),
    until: until === undefined ? (request.csv !== undefined ? null : iso(Math.floor(nowMs / 1000))) : iso(until),
    dryRun: request.dryRun,
    interrupted: run.interrupted,
    counts: run.counts,
    elapsedMs: run.elapsedMs,
    requests: requestFigures(runtime),
    deadLetterIds: run.deadLetterIds,
    dataAttributesCreated: [...logger.ensurer.created],
    unmatchedCallers: Object.keys(run.unmatched).length,
    checkpoint: source.checkpointName,
    read: gaps.map(([from, to]) => ({ since: iso(from), until: iso(to) })),
    prePass: { ...discovery.figures },
  }
}
