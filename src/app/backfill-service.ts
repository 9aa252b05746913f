import type { Runtime } from './runtime.js'
import { UserError } from '../errors.js'
import { type BackfillCounts, type BackfillEvent, runBackfillEngine } from '../pipeline/backfill-engine.js'
import { type Span, spansOf, uncovered } from '../sources/coverage.js'
import { type DryRunPlan, dryRunPlan } from '../pipeline/dry-run-plan.js'
import type { InsightFigures } from '../pipeline/insight-backfill.js'
import { iso, parseInstant } from '../sources/range.js'
import { AircallRangeSource, retentionHorizon } from '../sources/aircall-range.js'
import { CsvExportSource, type CsvSummary } from '../sources/csv-export.js'
import type { CsvEncoding } from '../sources/csv-inspect.js'
import { defaultRejectsPath } from '../sources/csv-rejects.js'
import type { SourceProgress } from '../sources/source-progress.js'
import type { CallSource } from '../sources/types.js'

export interface BackfillRequest {
  since?: string
  until?: string
  /** Aircall CSV call export to import instead of reading the API. */
  csv?: string
  /** CSV field delimiter; detected from the header line when absent. */
  delimiter?: string
  /** CSV encoding; UTF-8 when absent (a file that is not valid UTF-8 is then refused). */
  encoding?: CsvEncoding
  /** Where a CSV's rejected rows go (default `<file>.rejects.csv`; nothing is written by a dry run). */
  rejects?: string
  /** Read a range that starts before Aircall's retention as given, instead of from the horizon. */
  forceRange?: boolean
  dryRun: boolean
  concurrency: number
  restart: boolean
  /** Also read each logged call's AI summary and transcript from Aircall and note them on its conversation. */
  withAi?: boolean
  signal?: AbortSignal
  onEvent?: (event: BackfillEvent) => void
  /** The whole run's progress (calls counted up front, or CSV bytes read), for a progress renderer. */
  onProgress?: (event: SourceProgress) => void
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
  /** Those callers (E.164, or the raw digits) → their calls this run, for the report's table. */
  unmatched: Record<string, number>
  checkpoint: string
  /** The parts of the range this run read: what earlier runs on this store had not covered yet. */
  read: Array<{ since: string; until: string }>
  /** The pre-pass: Intercom requests it made, and conversations of calls the ledger did not know yet. */
  prePass: { requests: number; adopted: number }
  /** A CSV import: rows read and rejected, the rejects file, the delimiter and encoding it was read with. */
  csv: CsvSummary | null
  /** `--with-ai`: the AI notes written, already there, and the insights Aircall had none of (403/404). */
  insights: InsightFigures | null
  /** A dry run's plan: each call it would log, the contact, the conversation and what it would write. */
  plan?: DryRunPlan
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
  const nowSeconds = Math.floor(nowMs / 1000)
  if (since !== undefined && since >= (until ?? nowSeconds)) {
    throw new UserError(
      '--since must be before --until',
      `got ${iso(since)} → ${iso(until ?? nowSeconds)}${until === undefined ? ' (--until defaults to now)' : ''}`,
    )
  }
  // Decided on a copy: the plan is what the real run would do, and the state file is left as it was (or absent).
  if (request.dryRun) runtime.useStoreSnapshot()
  let source: CallSource
  let csv: CsvExportSource | null = null
  let gaps: Span[] = []
  if (request.csv !== undefined) {
    csv = new CsvExportSource({
      file: request.csv,
      since,
      until,
      delimiter: request.delimiter,
      encoding: request.encoding,
      rejects: request.dryRun ? null : (request.rejects ?? defaultRejectsPath(request.csv)),
      onProgress: request.onProgress,
    })
    source = csv
  } else {
    if (since === undefined) {
      throw new UserError(
        '--since is required to read calls from Aircall',
        'e.g. --since 2026-01-01, or --since 90d; or import an export with --csv FILE',
      )
    }
    const end = until ?? nowSeconds
    const retentionDays = runtime.config.aircall.retentionDays
    const horizon = retentionHorizon(nowMs, retentionDays)
    const start = request.forceRange ? since : startAtRetention(since, end, horizon, retentionDays, request.onEvent)
    const covered = request.restart ? [] : spansOf((await runtime.store.checkpoints.get(API_CHECKPOINT))?.value)
    gaps = uncovered(covered, start, end)
    source = new AircallRangeSource({
      client: runtime.aircall,
      since: start,
      until: end,
      retentionDays,
      now: runtime.now,
      checkpointName: API_CHECKPOINT,
      gaps,
      settledBefore: nowSeconds - SETTLE_S,
      horizon,
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
    })
  }
  runtime.resolver.refreshBeforeFirstLookup()
  const logger = runtime.callLogger
  const discovery = runtime.conversationDiscovery()
  const history = runtime.pipeline.pipeline.history((call) => discovery.coverCall(call.startedAt, request.signal))
  const insights: InsightFigures = { noted: 0, alreadyNoted: 0, none: 0, unanswered: 0 }
  const run = await runBackfillEngine({
    source,
    logger: request.withAi ? runtime.withInsights(history, insights) : history,
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
    unmatched: run.unmatched,
    checkpoint: source.checkpointName,
    read: gaps.map(([from, to]) => ({ since: iso(from), until: iso(to) })),
    prePass: { ...discovery.figures },
    csv: csv?.summary() ?? null,
    insights: request.withAi ? insights : null,
    ...(request.dryRun ? { plan: await dryRunPlan(run.planned, runtime.store, runtime.config.logging.mode) } : {}),
  }
}

const minute = (seconds: number): string => iso(seconds).slice(0, 16).replace('T', ' ')

/**
 * Aircall serves about `retentionDays` of calls: older windows come back empty, each at the rate limit. A range
 * that starts earlier starts at the horizon instead (`--force-range` reads it as given), with a warning that says
 * where older calls come from.
 */
function startAtRetention(
  since: number,
  end: number,
  horizon: number,
  retentionDays: number,
  onEvent: BackfillRequest['onEvent'],
): number {
  if (since >= horizon) return since
  const served = `the ${retentionDays} days or so Aircall serves (from ${minute(horizon)} UTC)`
  const csv =
    'export them from the Aircall dashboard (Analytics › Calls › Export CSV) and import them with `backfill --csv FILE`'
  const message =
    end <= horizon
      ? `the whole range (${minute(since)} → ${minute(end)} UTC) is older than ${served}: nothing to read from the API. ` +
        `To import it, ${csv}; --force-range asks the API anyway`
      : `the range starts ${minute(since)} UTC, before ${served}: reading from ${minute(horizon)} UTC. ` +
        `For older calls, ${csv}; --force-range reads the whole range from the API anyway`
  onEvent?.({ type: 'warning', warning: { code: 'retention-horizon', message } })
  return Math.min(horizon, end)
}
