import type { DedupeGroupView, DedupeResult, MergeOutcome } from '../matching/dedupe.js'
import type { RefreshEvent, RefreshResult } from '../matching/refresh.js'
import Table from 'cli-table3'
import { formatDuration, renderRows, renderTable, type OutputFormat } from './format.js'

/** The stream's width at a terminal; otherwise COLUMNS, else 100 (a pipe or a file has no width of its own). */
export const terminalWidth = (stream: { isTTY?: boolean; columns?: number } = process.stdout): number => {
  if (stream.isTTY && stream.columns && stream.columns > 0) return stream.columns
  const fromEnv = Number(process.env.COLUMNS)
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 100
}

/**
 * Column widths (padding included) that fit `budget`: the widest column gives way first, down to its floor, then
 * any column down to 3. Cells then wrap at word boundaries, and a word too long for its column ends in "…".
 */
const fitColumns = (natural: number[], floors: number[], budget: number): number[] => {
  const widths = [...natural]
  const total = (): number => widths.reduce((sum, width) => sum + width, 0)
  for (const floorOf of [(index: number) => floors[index] ?? 3, () => 3]) {
    while (total() > budget) {
      let widest = -1
      for (let index = 0; index < widths.length; index += 1) {
        const width = widths[index] ?? 0
        if (width > floorOf(index) && (widest < 0 || width > (widths[widest] ?? 0))) widest = index
      }
      if (widest < 0) break
      widths[widest] = (widths[widest] ?? 0) - 1
    }
  }
  return widths
}

const fittedTable = (head: string[], rows: string[][], width: number, floors: number[]): string => {
  const natural = head.map(
    (title, index) =>
      Math.max(
        title.length,
        ...rows.map((row) => Math.max(...(row[index] ?? '').split('\n').map((line) => line.length))),
      ) + 2,
  )
  // One border character before each column and one after the last.
  const colWidths = fitColumns(natural, floors, width - (head.length + 1))
  const table = new Table({ head, colWidths, wordWrap: true, style: { head: [], border: [] } })
  for (const row of rows) table.push(row)
  return table.toString()
}

export const renderRefreshEvent = (event: RefreshEvent): string =>
  event.type === 'start'
    ? event.mode === 'full'
      ? 'Reading every Intercom user and lead…'
      : `Reading contacts updated since ${new Date((event.since ?? 0) * 1000).toISOString()}…`
    : `  ${event.seen} contacts (${event.perSecond}/s)`

export const renderRefresh = (result: RefreshResult): string => {
  const table = renderTable(
    ['what', 'count'],
    [
      ['contacts seen', result.seen],
      ['indexed', result.indexed],
      ['with a phone', result.withPhone],
      ['unparseable phones', result.unparseablePhones],
      ['removed (merged or deleted)', result.removed],
      ['index size', result.indexSize],
      ['Intercom requests', result.requests],
    ],
  )
  const lines = [
    `Contact index refreshed (${result.mode}${result.since ? ` since ${result.since}` : ''}) in ${formatDuration(result.elapsedMs)}.`,
    table,
  ]
  if (result.unparseableSamples.length > 0) {
    lines.push(`Phones that could not be read: ${result.unparseableSamples.map((s) => JSON.stringify(s)).join(', ')}`)
  }
  return lines.join('\n')
}

const DEDUPE_COLUMNS = ['group', 'contact', 'role', 'email', 'phone', 'action']

interface DedupeRow {
  group: number
  member: DedupeGroupView['members'][number]
  action: string
}

function actionFor(group: DedupeGroupView, id: string, outcomes: Map<string, MergeOutcome>): string {
  if (group.survivor === id) return `keep (${group.reason})`
  const merge = group.merges.find((m) => m.from === id)
  if (merge) {
    const outcome = outcomes.get(id)
    const via = `${merge.shared.kind} ${merge.shared.value}`
    if (!outcome) return `merge into ${merge.into} (shared ${via})`
    return outcome.status === 'failed'
      ? `merge into ${merge.into} FAILED: ${outcome.error ?? 'unknown error'}`
      : `${outcome.status} into ${merge.into}`
  }
  if (group.usersNotMergeable.includes(id)) return 'user: cannot merge into another user (review by hand)'
  if (group.leadsOnly) return 'lead: no user in the group to merge into'
  if (group.leadsWithoutSharedIdentifier.includes(id)) return 'lead: shares nothing with a user, not merged'
  return ''
}

function rowsOf(result: DedupeResult): DedupeRow[] {
  const outcomes = new Map(result.merges.map((outcome) => [outcome.from, outcome]))
  return result.groups.flatMap((group, index) =>
    group.members.map((member) => ({ group: index + 1, member, action: actionFor(group, member.id, outcomes) })),
  )
}

/** Floors of the dedupe columns: ids (24 characters) and roles stay whole while the text columns wrap. */
const DEDUPE_FLOORS = [7, 26, 6, 14, 14, 20]

export const renderDedupeRows = (
  result: DedupeResult,
  format: OutputFormat,
  width: number = terminalWidth(),
): string => {
  const cells = (row: DedupeRow): Array<string | number | null> => [
    row.group,
    row.member.id,
    row.member.role,
    row.member.email,
    row.member.phone,
    row.action,
  ]
  if (format === 'table') {
    const rows = rowsOf(result).map((row) => cells(row).map((cell) => (cell === null ? '' : String(cell))))
    return fittedTable(DEDUPE_COLUMNS, rows, width, DEDUPE_FLOORS)
  }
  return format === 'json'
    ? renderRows('json', DEDUPE_COLUMNS, result.groups, () => [])
    : renderRows(format, DEDUPE_COLUMNS, rowsOf(result), cells)
}

/** `asking`: the plan shown before the confirmation, which is not yet a result and needs no "--apply" hint. */
export const renderDedupeSummary = (result: DedupeResult, asking = false): string => {
  const lines: string[] = []
  if (result.refreshed) lines.push(`The contact index was empty: indexed ${result.refreshed.indexed} contacts first.`)
  lines.push(
    `${result.groups.length} group(s) of contacts share a phone or email among ${result.contactsIndexed} indexed; ` +
      `${result.plannedMerges} lead(s) can merge into a user, ${result.usersNotMergeable} user(s) cannot be merged, ` +
      `${result.leadsOnlyGroups} group(s) hold only leads.`,
  )
  if (result.applied) {
    const count = (status: MergeOutcome['status']): number => result.merges.filter((m) => m.status === status).length
    lines.push(`Merged ${count('merged')}, already merged ${count('already-merged')}, failed ${count('failed')}.`)
  } else if (result.plannedMerges > 0 && !asking) {
    lines.push('Nothing was merged: run again with --apply to merge.')
  }
  return lines.join('\n')
}

export const renderDedupe = (
  result: DedupeResult,
  format: OutputFormat,
  options: { width?: number; asking?: boolean } = {},
): string =>
  result.groups.length === 0
    ? renderDedupeSummary(result, options.asking)
    : format === 'table'
      ? `${renderDedupeRows(result, format, options.width)}\n${renderDedupeSummary(result, options.asking)}`
      : renderDedupeRows(result, format, options.width)

/** What a declined confirmation leaves: the plan stands, nothing was changed. */
export const renderDedupeDeclined = (result: DedupeResult): string =>
  `Nothing was merged: you declined the ${result.plannedMerges} planned merge${result.plannedMerges === 1 ? '' : 's'}.`
