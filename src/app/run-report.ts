import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { BackfillCounts } from '../pipeline/backfill-engine.js'
import { parseJob } from '../domain/job.js'
import type { AuditResult } from '../matching/audit.js'
import { type BackfillResult, requestFigures } from './backfill-service.js'
import { html } from './console/html.js'
import { type Bar, type Chart, renderReportPage, type ReportModel, type ReportSection } from './report-page.js'
import { type DayTally, RunRecorder, type RunTraffic } from './run-recorder.js'
import type { Runtime } from './runtime.js'
import type { SyncResult } from './sync-service.js'
import type { TagsSyncResult } from './tags-sync-service.js'

export type { ReportModel } from './report-page.js'

interface DeadLetterRow {
  id: number
  callId: string
  day: string | null
  phone: string
  error: string
}

type Requests = BackfillResult['requests']

/** A dead letter as its queue event tells it: the job when this build can read it, the event row otherwise. */
const deadLetterRows = (runtime: Runtime, ids: readonly number[]): Promise<DeadLetterRow[]> =>
  Promise.all(
    ids.map(async (id) => {
      const event = await runtime.store.queue.get(id)
      let callId = event?.subject?.replace(/^aircall:call:/, '') ?? '?'
      let day: string | null = null
      let phone = ''
      try {
        const job = event ? parseJob(event.payload) : null
        if (job) {
          callId = job.call.callId
          day = new Date(job.call.startedAt * 1000).toISOString().slice(0, 10)
          phone = job.call.rawDigits
        }
      } catch {
        // A job this build cannot read is still listed, with what the event row says.
      }
      return { id, callId, day, phone, error: event?.lastError ?? '' }
    }),
  )

const deadLetterSection = (rows: readonly DeadLetterRow[]): ReportSection => ({
  kind: 'table',
  title: 'Dead letters',
  table: {
    id: 'dead-letters',
    columns: ['event', 'call', 'day', 'caller', 'error'],
    rows: rows.map((row) => [row.id, row.callId, row.day ?? '', row.phone, row.error]),
    footer: html`<p>
      Replay them with <code>aircall-intercom events replay --all-dead</code> (no customer message is sent).
    </p>`,
  },
})

const unmatchedSection = (unmatched: Record<string, number>): ReportSection => ({
  kind: 'table',
  title: 'Unmatched callers',
  table: {
    id: 'unmatched-callers',
    columns: ['caller', 'calls'],
    rows: Object.entries(unmatched)
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .map(([caller, calls]) => [caller, calls]),
    footer: html`<p>
      <code>aircall-intercom audit unmatched</code> tells why each one matched nobody; <code>--create</code> creates the
      ones with a valid number.
    </p>`,
  },
})

const apiBars = (requests: Requests): Chart => ({
  kind: 'bars',
  id: 'api-totals',
  title: 'API requests and 429s',
  bars: [
    { label: 'Aircall requests', value: requests.aircall.requests },
    { label: 'Aircall 429s', value: requests.aircall.rateLimited, tone: 'bad' },
    { label: 'Intercom requests', value: requests.intercom.requests, tone: 'alt' },
    { label: 'Intercom 429s', value: requests.intercom.rateLimited, tone: 'bad' },
  ],
})

const bucketName = (ms: number): string =>
  ms < 60_000 ? `${ms / 1000} s` : ms < 3_600_000 ? `${ms / 60_000} min` : `${ms / 3_600_000} h`

/** Requests and 429s over the run, one point per bucket. */
const trafficCharts = (traffic: RunTraffic): Chart[] => {
  const times = traffic.buckets.map((bucket) => bucket.at)
  const per = bucketName(traffic.bucketMs)
  return [
    {
      kind: 'lines',
      id: 'api-requests-over-time',
      title: `API requests per ${per} (UTC)`,
      times,
      series: [
        { label: 'Aircall', tone: 'good', values: traffic.buckets.map((bucket) => bucket.aircall.requests) },
        { label: 'Intercom', tone: 'alt', values: traffic.buckets.map((bucket) => bucket.intercom.requests) },
      ],
    },
    {
      kind: 'lines',
      id: 'api-429s-over-time',
      title: `429 responses per ${per} (UTC)`,
      times,
      series: [
        { label: 'Aircall', tone: 'warn', values: traffic.buckets.map((bucket) => bucket.aircall.rateLimited) },
        { label: 'Intercom', tone: 'bad', values: traffic.buckets.map((bucket) => bucket.intercom.rateLimited) },
      ],
    },
  ]
}

/** Calls per call day, stacked by what became of them; a series nothing fell into is left out of the legend. */
const perDayChart = (days: readonly DayTally[], id = 'calls-per-day', title = 'Calls per call day (UTC)'): Chart => {
  const series = [
    { label: 'logged', tone: 'good' as const, values: days.map((day) => day.logged + day.updated) },
    { label: 'already done', tone: 'muted' as const, values: days.map((day) => day.alreadyDone) },
    { label: 'would log', tone: 'alt' as const, values: days.map((day) => day.wouldLog) },
    { label: 'skipped', tone: 'warn' as const, values: days.map((day) => day.skipped) },
    { label: 'dead letters', tone: 'bad' as const, values: days.map((day) => day.dead) },
  ]
  return {
    kind: 'columns',
    id,
    title,
    categories: days.map((day) => day.day),
    series: series.filter((item, index) => index === 0 || item.values.some((value) => value > 0)),
  }
}

const outcomeBars = (counts: BackfillCounts, dryRun: boolean): Chart => ({
  kind: 'bars',
  id: 'outcomes',
  title: 'Calls by outcome',
  bars: [
    { label: 'logged', value: counts.logged },
    { label: 'updated', value: counts.updated },
    { label: 'already done', value: counts.alreadyDone, tone: 'muted' },
    ...(dryRun ? [{ label: 'would log', value: counts.wouldLog, tone: 'alt' as const }] : []),
    ...Object.entries<number>(counts.skipped).map(([reason, value]): Bar => ({
      label: `skipped: ${reason}`,
      value,
      tone: 'muted',
    })),
    { label: 'dead letters', value: counts.deadLetters, tone: 'bad' },
  ],
})

const matchingBars = (counts: BackfillCounts): Chart => ({
  kind: 'bars',
  id: 'matching',
  title: 'Matching outcomes (contacts and calls)',
  bars: [
    { label: 'contacts matched', value: counts.contactsMatched },
    { label: 'contacts created', value: counts.contactsCreated, tone: 'alt' },
    { label: 'calls: no contact', value: counts.skipped.unmatched, tone: 'warn' },
    { label: 'calls: ambiguous', value: counts.skipped.ambiguous, tone: 'warn' },
    { label: 'calls: anonymous', value: counts.skipped.anonymous, tone: 'muted' },
    { label: 'calls: invalid number', value: counts.skipped['invalid-number'], tone: 'muted' },
  ],
})

const seconds = (ms: number, interrupted: boolean): string =>
  `${(ms / 1000).toFixed(1)} s${interrupted ? ' (interrupted: run the same command to resume)' : ''}`

const countCards = (counts: BackfillCounts, unmatchedCallers: number): ReportSection => ({
  kind: 'cards',
  title: 'Summary',
  cards: [
    { label: 'calls read', value: counts.read },
    { label: 'logged', value: counts.logged },
    { label: 'updated', value: counts.updated },
    { label: 'already done', value: counts.alreadyDone },
    { label: 'dead letters', value: counts.deadLetters },
    { label: 'contacts matched', value: counts.contactsMatched },
    { label: 'contacts created', value: counts.contactsCreated },
    { label: 'unmatched callers', value: unmatchedCallers },
  ],
})

/** A recorder reading this runtime's request totals, for a command that writes a report. */
export const startRunRecorder = (runtime: Runtime): RunRecorder =>
  new RunRecorder({ now: runtime.now, totals: () => requestFigures(runtime) })

export interface ReportRun<T> {
  result: T
  runtime: Runtime
  recorder: RunRecorder
}

/** What a run that logs calls (backfill, sync) reports after its facts: counts, charts, both tables. */
const callRunSections = (
  run: { counts: BackfillCounts; requests: Requests; unmatched: Record<string, number> },
  dryRun: boolean,
  recorder: RunRecorder,
  dead: readonly DeadLetterRow[],
): ReportSection[] => [
  countCards(run.counts, Object.keys(run.unmatched).length),
  {
    kind: 'charts',
    title: 'Charts',
    charts: [
      perDayChart(recorder.perDay()),
      outcomeBars(run.counts, dryRun),
      matchingBars(run.counts),
      apiBars(run.requests),
      ...trafficCharts(recorder.traffic()),
    ],
  },
  unmatchedSection(run.unmatched),
  deadLetterSection(dead),
]

export async function backfillReport({ result, runtime, recorder }: ReportRun<BackfillResult>): Promise<ReportModel> {
  recorder.stop()
  const dead = await deadLetterRows(runtime, result.deadLetterIds)
  const generated = runtime.now()
  return {
    command: 'backfill',
    generated,
    sections: [
      {
        kind: 'facts',
        title: 'Run',
        facts: [
          ['generated', new Date(generated).toISOString()],
          ['source', `${result.source}${result.file ? ` (${result.file})` : ''}`],
          ['range', `${result.since ?? 'start'} → ${result.until ?? 'now'}`],
          ['read this run', result.read.map((part) => `${part.since} → ${part.until}`).join(', ') || 'nothing new'],
          ['elapsed', seconds(result.elapsedMs, result.interrupted)],
          ...(result.dryRun ? [['dry run', 'nothing was written'] as [string, string]] : []),
        ],
      },
      ...callRunSections(result, result.dryRun, recorder, dead),
    ],
    data: { result, perDay: recorder.perDay(), traffic: recorder.traffic(), deadLetters: dead },
  }
}

export async function syncReport({ result, runtime, recorder }: ReportRun<SyncResult>): Promise<ReportModel> {
  recorder.stop()
  const dead = await deadLetterRows(runtime, result.deadLetterIds)
  const generated = runtime.now()
  return {
    command: 'sync',
    generated,
    sections: [
      {
        kind: 'facts',
        title: 'Run',
        facts: [
          ['generated', new Date(generated).toISOString()],
          ['range', `${result.since} → ${result.until}${result.firstRun ? ' (first run: the last 24 hours)' : ''}`],
          ['elapsed', seconds(result.elapsedMs, result.interrupted)],
        ],
      },
      ...callRunSections(result, false, recorder, dead),
    ],
    data: { result, perDay: recorder.perDay(), traffic: recorder.traffic(), deadLetters: dead },
  }
}

export async function tagsSyncReport({ result, runtime, recorder }: ReportRun<TagsSyncResult>): Promise<ReportModel> {
  recorder.stop()
  const dead = await deadLetterRows(runtime, result.deadLetterIds)
  const generated = runtime.now()
  const skipped = Object.entries<number>(result.skipped)
  return {
    command: 'tags sync',
    generated,
    sections: [
      {
        kind: 'facts',
        title: 'Run',
        facts: [
          ['generated', new Date(generated).toISOString()],
          ['range', `${result.since} → ${result.until}`],
          ['elapsed', seconds(result.elapsedMs, result.interrupted)],
          ['attributes created', result.dataAttributesCreated.join(', ') || 'none'],
          ...(result.dryRun ? [['dry run', 'nothing was written'] as [string, string]] : []),
        ],
      },
      {
        kind: 'cards',
        title: 'Summary',
        cards: [
          { label: 'calls read', value: result.callsRead },
          { label: result.dryRun ? 'would be written' : 'written', value: result.written },
          { label: 'unchanged', value: result.unchanged },
          { label: 'skipped', value: skipped.reduce((sum, [, value]) => sum + value, 0) },
          { label: 'dead letters', value: result.deadLetters },
        ],
      },
      {
        kind: 'charts',
        title: 'Charts',
        charts: [
          perDayChart(recorder.perDay()),
          {
            kind: 'bars',
            id: 'outcomes',
            title: 'Calls by outcome',
            bars: [
              { label: result.dryRun ? 'would be written' : 'written', value: result.written },
              { label: 'unchanged', value: result.unchanged, tone: 'muted' },
              ...skipped.map(([reason, value]): Bar => ({ label: `skipped: ${reason}`, value, tone: 'muted' })),
              { label: 'dead letters', value: result.deadLetters, tone: 'bad' },
            ],
          },
          apiBars(result.requests),
          ...trafficCharts(recorder.traffic()),
        ],
      },
      deadLetterSection(dead),
    ],
    data: { result, perDay: recorder.perDay(), traffic: recorder.traffic(), deadLetters: dead },
  }
}

/** The audit reads calls without logging them: its per-day chart is the unmatched callers by their last call's day. */
export function auditReport({ result, runtime, recorder }: ReportRun<AuditResult>): ReportModel {
  recorder.stop()
  const generated = runtime.now()
  const reasons = Object.keys(result.byReason) as Array<keyof AuditResult['byReason']>
  const byDay = new Map<string, Record<string, number>>()
  for (const caller of result.unmatched) {
    const day = caller.lastCallAt.slice(0, 10)
    const tally = byDay.get(day) ?? {}
    tally[caller.reason] = (tally[caller.reason] ?? 0) + 1
    byDay.set(day, tally)
  }
  const days = [...byDay.keys()].sort()
  const tones = { 'no-contact': 'warn', ambiguous: 'bad', 'invalid-number': 'muted', anonymous: 'good' } as const
  const createdText = (caller: AuditResult['unmatched'][number]): string => {
    if (!caller.created) return ''
    return 'error' in caller.created
      ? `failed: ${caller.created.error}`
      : `${caller.created.status} ${caller.created.contactId}`
  }
  return {
    command: 'audit unmatched',
    generated,
    sections: [
      {
        kind: 'facts',
        title: 'Run',
        facts: [
          ['generated', new Date(generated).toISOString()],
          ['range', `${result.since} → ${result.until}`],
          ['elapsed', seconds(result.elapsedMs, false)],
          ...result.notes.map((note): [string, string] => ['note', note]),
        ],
      },
      {
        kind: 'cards',
        title: 'Summary',
        cards: [
          { label: 'calls scanned', value: result.callsScanned },
          { label: 'callers', value: result.callers },
          { label: 'matched callers', value: result.matchedCallers },
          { label: 'unmatched callers', value: result.unmatched.length },
          { label: 'anonymous calls', value: result.anonymousCalls },
          { label: 'contacts created', value: result.created },
        ],
      },
      {
        kind: 'charts',
        title: 'Charts',
        charts: [
          {
            kind: 'columns',
            id: 'unmatched-per-day',
            title: "Unmatched callers by their last call's day (UTC)",
            categories: days,
            series: reasons.map((reason) => ({
              label: reason,
              tone: tones[reason],
              values: days.map((day) => byDay.get(day)?.[reason] ?? 0),
            })),
          },
          {
            kind: 'bars',
            id: 'matching',
            title: 'Callers by matching outcome',
            bars: [
              { label: 'matched', value: result.matchedCallers },
              ...reasons.map((reason): Bar => ({ label: reason, value: result.byReason[reason], tone: tones[reason] })),
              ...(result.created > 0 ? [{ label: 'created now', value: result.created, tone: 'alt' as const }] : []),
            ],
          },
          {
            kind: 'bars',
            id: 'api-totals',
            title: 'API requests',
            bars: [
              { label: 'Aircall requests', value: result.requests.aircall },
              { label: 'Intercom requests', value: result.requests.intercom, tone: 'alt' },
            ],
          },
          ...trafficCharts(recorder.traffic()),
        ],
      },
      {
        kind: 'table',
        title: 'Unmatched callers',
        table: {
          id: 'unmatched-callers',
          columns: ['caller', 'E.164', 'reason', 'calls', 'last call', 'detail', 'created'],
          rows: result.unmatched.map((caller) => [
            caller.dialled,
            caller.e164 ?? '',
            caller.reason,
            caller.calls,
            caller.lastCallAt,
            caller.detail,
            createdText(caller),
          ]),
        },
      },
    ],
    data: { result, traffic: recorder.traffic() },
  }
}

/** Writes a report as one self-contained HTML file; returns the absolute path written. */
export const writeRunReport = (file: string, report: ReportModel): string => {
  const path = resolve(file)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, renderReportPage(report))
  return path
}
