import type { AuditEvent, AuditResult, UnmatchedCaller } from '../matching/audit.js'
import { formatDuration, renderRows, type Cell, type OutputFormat } from './format.js'

export const AUDIT_COLUMNS = [
  'dialled',
  'e164',
  'reason',
  'calls',
  'last_call_at',
  'last_call_id',
  'tried',
  'detail',
  'candidates',
  'created_contact_id',
]

const createdCell = (caller: UnmatchedCaller): Cell => {
  if (!caller.created) return ''
  return 'error' in caller.created ? `error: ${caller.created.error}` : caller.created.contactId
}

const rowOf = (caller: UnmatchedCaller): Cell[] => [
  caller.dialled,
  caller.e164,
  caller.reason,
  caller.calls,
  caller.lastCallAt,
  caller.lastCallId,
  caller.tried.join(' | '),
  caller.detail,
  (caller.candidates ?? []).join(' | '),
  createdCell(caller),
]

export const renderAuditRows = (result: AuditResult, format: OutputFormat): string =>
  format === 'table'
    ? // The table is for reading: the long list of spellings tried only fits in CSV and JSON.
      renderRows(
        'table',
        ['dialled', 'e164', 'reason', 'calls', 'last call', 'candidates', 'created'],
        result.unmatched,
        (caller) => [
          caller.dialled,
          caller.e164,
          caller.reason,
          caller.calls,
          caller.lastCallAt,
          // The contacts an ambiguous caller could be: the ones to merge or correct in Intercom.
          (caller.candidates ?? []).join('\n'),
          createdCell(caller),
        ],
      )
    : renderRows(format, AUDIT_COLUMNS, result.unmatched, rowOf)

export const renderAuditSummary = (result: AuditResult): string => {
  const { byReason } = result
  const invalidCalls = result.unmatched
    .filter((caller) => caller.reason === 'invalid-number')
    .reduce((sum, caller) => sum + caller.calls, 0)
  const lines = [
    ...result.notes,
    `${result.unmatched.length} of ${result.callers} caller(s) have no Intercom contact ` +
      `(${result.callsScanned} calls from ${result.since} to ${result.until}, ${formatDuration(result.elapsedMs)}).`,
    `no contact: ${byReason['no-contact']}, invalid number: ${byReason['invalid-number']} (${invalidCalls} call(s)), ` +
      `anonymous: ${result.anonymousCalls} call(s), ambiguous: ${byReason.ambiguous}.`,
  ]
  if (byReason['invalid-number'] > 0) {
    lines.push(
      'Invalid numbers match no contact and are never created: matching.invalidNumbers: log-raw logs their calls ' +
        'on one catch-all contact.',
    )
  }
  if (result.created > 0 || result.unmatched.some((caller) => caller.created)) {
    lines.push(`Created ${result.created} contact(s).`)
  }
  return lines.join('\n')
}

export const renderAuditEvent = (event: AuditEvent): string | null =>
  event.type === 'calls'
    ? event.inWindow > 0
      ? `  ${event.scanned} calls read (up to ${new Date(event.windowEnd * 1000).toISOString()})`
      : null
    : event.done === event.total || event.done % 50 === 0
      ? `  ${event.done}/${event.total} callers checked`
      : null
