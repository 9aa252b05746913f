import Table from 'cli-table3'

import type { DemoResult } from '../app/demo.js'

import type { BackfillResult } from '../app/backfill-service.js'
import type { AmbiguousCall, BackfillCounts, InvalidNumberCall } from '../pipeline/backfill-engine.js'
import type { SyncResult } from '../app/sync-service.js'
import type { TagsSyncResult } from '../app/tags-sync-service.js'
import type { DryRunPlan } from '../pipeline/dry-run-plan.js'
import { delimiterName } from '../sources/csv-inspect.js'
import { printable } from '../sources/printable.js'
import { formatElapsed } from './progress.js'

const n = (value: number): string => value.toLocaleString('en-US')

type Requests = BackfillResult['requests']

function requestRows(requests: Requests): Array<[string, string]> {
  return [
    ['Aircall requests (429s)', `${n(requests.aircall.requests)} (${n(requests.aircall.rateLimited)})`],
    ['Intercom requests (429s)', `${n(requests.intercom.requests)} (${n(requests.intercom.rateLimited)})`],
  ]
}

function countRows(counts: BackfillCounts, dryRun: boolean): Array<[string, string]> {
  const rows: Array<[string, string]> = [['calls read', n(counts.read)]]
  if (dryRun) rows.push(['would be logged', n(counts.wouldLog)])
  else rows.push(['logged', n(counts.logged)], ['updated (rewritten by Aircall)', n(counts.updated)])
  rows.push(
    ['already done', n(counts.alreadyDone)],
    ['skipped: anonymous', n(counts.skipped.anonymous)],
    ['skipped: invalid number', n(counts.skipped['invalid-number'])],
    ['skipped: unmatched', n(counts.skipped.unmatched)],
    ['skipped: ambiguous (2+ contacts)', n(counts.skipped.ambiguous)],
    [dryRun ? 'contacts that would be matched' : 'contacts matched', n(counts.contactsMatched)],
    [dryRun ? 'contacts that would be created' : 'contacts created', n(counts.contactsCreated)],
    ['dead letters', n(counts.deadLetters)],
  )
  return rows
}

function csvRows(csv: NonNullable<BackfillResult['csv']>): Array<[string, string]> {
  const rows: Array<[string, string]> = [['CSV rows', n(csv.rows)]]
  if (csv.outOfRange > 0) rows.push(['CSV rows outside --since/--until', n(csv.outOfRange)])
  rows.push(['CSV rows rejected', n(csv.rejected)])
  if (csv.delimiter !== null && csv.encoding !== null) {
    rows.push(['CSV read as', `${csv.encoding}, ${delimiterName(csv.delimiter)}-separated`])
  }
  return rows
}

/** Where the rows that could not be imported are, and what to do with them. */
function rejectsLine(result: BackfillResult): string | null {
  const csv = result.csv
  if (!csv || csv.rejected === 0) return null
  const rows = `${n(csv.rejected)} of ${n(csv.rows)} CSV row(s) could not be imported`
  if (csv.rejectsFile === null) return `${rows} (their lines are in the warnings; a dry run writes no rejects file).`
  return (
    `${rows}: they are in ${printable(csv.rejectsFile, 300)} with the line number and reason. ` +
    'Fix them there and import that file with --csv.'
  )
}

function table(rows: Array<[string, string]>): string {
  const t = new Table({ style: { head: [], border: [] } })
  for (const row of rows) t.push(row)
  return t.toString()
}

export function renderBackfill(result: BackfillResult): string {
  const from = result.source === 'csv' ? `CSV ${printable(result.file ?? '', 300)}` : 'Aircall API'
  const range = result.since || result.until ? ` ${result.since ?? '…'} → ${result.until ?? '…'}` : ''
  const lines = [`${result.dryRun ? 'Dry run (nothing written)' : 'Backfill'}: ${from}${range}`]
  lines.push(
    table([
      ...countRows(result.counts, result.dryRun),
      ...(result.csv ? csvRows(result.csv) : []),
      ['elapsed', formatElapsed(result.elapsedMs)],
      ...requestRows(result.requests),
    ]),
  )
  if (result.dataAttributesCreated.length > 0) {
    lines.push(`Data attributes created: ${result.dataAttributesCreated.join(', ')}`)
  }
  if (result.deadLetterIds.length > 0) {
    lines.push(
      `${n(result.deadLetterIds.length)} call(s) went to dead letters: inspect with \`events list --status dead\`, retry with \`events replay <id>\`.`,
    )
  }
  const rejects = rejectsLine(result)
  if (rejects) lines.push(rejects)
  if (result.insights) lines.push(insightsLine(result.insights))
  const invalid = renderInvalidNumbers(result.counts.invalidNumbers, result.dryRun)
  if (invalid) lines.push(invalid)
  const ambiguous = renderAmbiguousOnCatchAll(result.counts.ambiguousOnCatchAll, result.dryRun)
  if (ambiguous) lines.push(ambiguous)
  if (result.interrupted) lines.push('Interrupted: resume with the same command.')
  if (result.plan) lines.push(renderPlan(result.plan))
  return lines.join('\n')
}

/** Plan rows a terminal shows before it points at the CSV with all of them. */
const PLAN_ROWS_SHOWN = 50

const clip = (text: string, width: number): string => (text.length > width ? `${text.slice(0, width - 1)}…` : text)

/** A dry run's plan as a table: the first calls, then where the rest are. */
export function renderPlan(plan: DryRunPlan): string {
  if (plan.rows.length === 0) return 'Nothing would be logged.'
  const t = new Table({
    head: ['call id', 'caller', 'contact', 'conversation', 'note', 'tag attributes'],
    style: { head: [], border: [] },
  })
  for (const row of plan.rows.slice(0, PLAN_ROWS_SHOWN)) {
    const contact = row.contactName ? `${row.contact} (${clip(row.contactName, 24)})` : row.contact
    t.push([row.callId, row.caller, contact, clip(row.conversation, 28), row.note, clip(row.tagAttributes, 30)])
  }
  const rest = plan.rows.length - PLAN_ROWS_SHOWN
  const more = rest > 0 ? `\n… and ${n(rest)} more call(s): --format csv lists every one.` : ''
  return `${t.toString()}${more}`
}

/** What --with-ai found: notes written, already there, and insights Aircall had none of. */
export const insightsLine = (insights: NonNullable<BackfillResult['insights']>): string =>
  `AI insights: ${n(insights.noted)} note(s) written, ${n(insights.alreadyNoted)} already there, ` +
  `${n(insights.none)} not available (no AI plan or no content yet: 403/404), ` +
  `${n(insights.unanswered)} unanswered call(s) not read.`

/** Invalid-number calls a terminal lists before it points at --json for the rest. */
const INVALID_NUMBERS_SHOWN = 20

/**
 * The calls from numbers libphonenumber calls invalid, one per line: such a call is on no caller's contact, so its
 * id and the number as Aircall sent it are all anyone has to find it again.
 */
export function renderInvalidNumbers(calls: readonly InvalidNumberCall[], dryRun: boolean): string | null {
  if (calls.length === 0) return null
  const loggedOn = calls.find((call) => call.loggedOn !== null)?.loggedOn ?? null
  const head = loggedOn
    ? `${n(calls.length)} call(s) from invalid numbers ${dryRun ? 'would be' : 'were'} logged on the catch-all contact ${loggedOn} (matching.invalidNumbers: log-raw):`
    : `${n(calls.length)} call(s) from invalid numbers were skipped (matching.invalidNumbers: log-raw logs them on one catch-all contact):`
  const rows = calls
    .slice(0, INVALID_NUMBERS_SHOWN)
    .map((call) => `  ${call.startedAt}  call ${call.callId}  from ${JSON.stringify(printable(call.number, 60))}`)
  const rest = calls.length - INVALID_NUMBERS_SHOWN
  if (rest > 0) rows.push(`  … and ${n(rest)} more: --json lists every one (result.counts.invalidNumbers).`)
  return [head, ...rows].join('\n')
}

/** Ambiguous callers' calls put on the catch-all contact, each with the contacts it could have been. */
export function renderAmbiguousOnCatchAll(calls: readonly AmbiguousCall[], dryRun: boolean): string | null {
  const first = calls[0]
  if (!first) return null
  const head =
    `${n(calls.length)} call(s) from numbers several contacts hold equally ${dryRun ? 'would be' : 'were'} logged on ` +
    `the catch-all contact ${first.loggedOn} (matching.ambiguousCalls: catch-all), never on one of them:`
  const rows = calls
    .slice(0, INVALID_NUMBERS_SHOWN)
    .map(
      (call) =>
        `  ${call.startedAt}  call ${call.callId}  from ${call.e164 ?? '?'}  candidates ${call.candidates.join(', ')}`,
    )
  const rest = calls.length - INVALID_NUMBERS_SHOWN
  if (rest > 0) rows.push(`  … and ${n(rest)} more: --json lists every one (result.counts.ambiguousOnCatchAll).`)
  return [head, ...rows].join('\n')
}

/** One line, for cron logs. */
export function renderSync(result: SyncResult): string {
  const c = result.counts
  const skipped = c.skipped.anonymous + c.skipped['invalid-number'] + c.skipped.unmatched + c.skipped.ambiguous
  const limited = result.requests.aircall.rateLimited + result.requests.intercom.rateLimited
  return (
    `sync ${result.since} → ${result.until}: ${n(c.read)} calls read, ${n(c.logged)} logged, ${n(c.updated)} updated, ` +
    `${n(c.alreadyDone)} already done, ${n(skipped)} skipped` +
    `${c.invalidNumbers.length > 0 ? ` (${n(c.invalidNumbers.length)} from invalid numbers)` : ''}, ${n(c.deadLetters)} dead letters` +
    `${limited > 0 ? `, ${n(limited)} 429s` : ''} in ${formatElapsed(result.elapsedMs)}` +
    `${result.insights ? `; AI notes ${n(result.insights.noted)} written, ${n(result.insights.none)} not available` : ''}` +
    `${result.interrupted ? ' (interrupted: the next run resumes)' : ''}`
  )
}

export function renderTagsSync(result: TagsSyncResult): string {
  const skipped = result.skipped.anonymous + result.skipped['invalid-number'] + result.skipped.unmatched
  const lines = [`${result.dryRun ? 'Dry run (nothing written)' : 'Tag attributes'}: ${result.since} → ${result.until}`]
  lines.push(
    table([
      ['calls read', n(result.callsRead)],
      [result.dryRun ? 'calls that would be written' : 'calls written', n(result.written)],
      ['unchanged or no mapped tag', n(result.unchanged)],
      ['skipped (no contact)', n(skipped)],
      ['dead letters', n(result.deadLetters)],
      ['elapsed', formatElapsed(result.elapsedMs)],
      ...requestRows(result.requests),
    ]),
  )
  if (result.dataAttributesCreated.length > 0) {
    lines.push(`Data attributes created: ${result.dataAttributesCreated.join(', ')}`)
  }
  return lines.join('\n')
}

export function renderDemo(result: DemoResult): string {
  const { world, backfill: run, audit } = result
  const c = run.counts
  return [
    `Demo company: ${n(world.calls)} calls over ${world.days} days (${n(world.knownCallers)} known callers, ` +
      `${n(world.unknownCallers)} unknown, ${n(world.anonymousCalls)} anonymous calls, ${n(world.invalidCalls)} with invalid numbers).`,
    '',
    renderBackfill(run),
    '',
    `Intercom now holds ${n(result.conversationsInIntercom)} conversations; ${n(c.contactsCreated)} contacts were created for unknown callers.`,
    `Audit: ${n(audit.callers)} callers, ${n(audit.unmatchedCallers)} still unmatched ` +
      `(${
        Object.entries(audit.byReason)
          .filter(([, count]) => count > 0)
          .map(([reason, count]) => `${reason}: ${n(count)}`)
          .join(', ') || 'none'
      }).`,
    `State: ${n(result.status.counts?.ledger.done ?? 0)} ledger steps done, ${n(result.status.counts?.ledger.pending ?? 0)} pending.`,
    `Emulators (stopped now): Aircall ${result.emulators.aircall}, Intercom ${result.emulators.intercom}.`,
    `Done in ${formatElapsed(result.elapsedMs)}. Next: \`aircall-intercom sandbox\` to keep emulators running and try the commands.`,
  ].join('\n')
}
