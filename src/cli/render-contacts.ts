import type { DedupeGroupView, DedupeResult, MergeOutcome } from '../matching/dedupe.js'
import type { RefreshEvent, RefreshResult } from '../matching/refresh.js'
import { formatDuration, renderRows, renderTable, type OutputFormat } from './format.js'

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

export const renderDedupeRows = (result: DedupeResult, format: OutputFormat): string =>
  format === 'json'
    ? renderRows('json', DEDUPE_COLUMNS, result.groups, () => [])
    : renderRows(format, DEDUPE_COLUMNS, rowsOf(result), (row) => [
        row.group,
        row.member.id,
        row.member.role,
        row.member.email,
        row.member.phone,
        row.action,
      ])

export const renderDedupeSummary = (result: DedupeResult): string => {
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
  } else if (result.plannedMerges > 0) {
    lines.push('Nothing was merged: run again with --apply to merge.')
  }
  return lines.join('\n')
}

export const renderDedupe = (result: DedupeResult, format: OutputFormat): string =>
  result.groups.length === 0
    ? renderDedupeSummary(result)
    : format === 'table'
      ? `${renderDedupeRows(result, format)}\n${renderDedupeSummary(result)}`
      : renderDedupeRows(result, format)
