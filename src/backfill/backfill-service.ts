import type { Runtime } from '../app/runtime.js'
import { UserError } from '../errors.js'
import { type BackfillCounts, type BackfillEvent, runBackfillEngine } from './engine.js'
import { createCallLogger } from './logger-factory.js'
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
}

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
  if (request.csv !== undefined) {
    source = new CsvExportSource({ file: request.csv, since, until })
  } else {
    if (since === undefined) {
      throw new UserError(
        '--since is required to read calls from Aircall',
        'e.g. --since 2026-01-01, or --since 90d; or import an export with --csv FILE',
      )
    }
    source = new AircallRangeSource({
      client: runtime.aircall,
      since,
      until: until ?? Math.floor(nowMs / 1000),
      retentionDays: runtime.config.aircall.retentionDays,
      now: runtime.now,
    })
  }
  const logger = createCallLogger(runtime)
  const run = await runBackfillEngine({
    source,
    logger,
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
  }
}
