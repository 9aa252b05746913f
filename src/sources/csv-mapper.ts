import { type CallRecord, classifyCall } from '../domain/call-record.js'
import { printable } from './printable.js'

/**
 * Maps rows of Aircall's CSV call export to CallRecords. Header names differ between export versions and
 * languages of the dashboard, so each field accepts several spellings, compared without case, spaces or
 * punctuation ("Date (UTC)" → "dateutc").
 */

export type CsvField =
  | 'id'
  | 'startedAt'
  | 'answeredAt'
  | 'endedAt'
  | 'direction'
  | 'from'
  | 'to'
  | 'rawDigits'
  | 'duration'
  | 'missedReason'
  | 'tags'
  | 'comments'
  | 'agent'
  | 'agentEmail'
  | 'lineName'
  | 'lineNumber'
  | 'asset'
  | 'timeZone'
  | 'country'
  | 'status'
  | 'answered'

const ALIASES: Record<CsvField, string[]> = {
  id: ['callid', 'id', 'callidentifier'],
  startedAt: ['dateutc', 'startedat', 'date', 'datetime', 'starttime', 'startedatutc', 'datetimeutc'],
  answeredAt: ['answeredat', 'answeredatutc'],
  endedAt: ['endedat', 'endedatutc'],
  direction: ['direction', 'calldirection', 'inout'],
  from: ['from', 'fromnumber', 'caller'],
  to: ['to', 'tonumber', 'callee'],
  rawDigits: ['rawdigits', 'externalnumber', 'contactnumber', 'customernumber'],
  duration: ['durations', 'duration', 'durationseconds', 'totaldurations', 'totalduration', 'durationsec'],
  missedReason: ['missedcallreason', 'missedreason', 'reason'],
  tags: ['tags', 'tag'],
  comments: ['comments', 'comment', 'notes'],
  agent: ['user', 'agent', 'username', 'agentname', 'username'],
  agentEmail: ['useremail', 'agentemail', 'email'],
  lineName: ['numbername', 'linename', 'line'],
  lineNumber: ['linenumber', 'number', 'aircallnumber', 'numberdigits'],
  asset: ['recording', 'asset', 'recordingurl', 'voicemail', 'voicemailurl', 'assetlink'],
  timeZone: ['timezone', 'numbertimezone'],
  country: ['country', 'numbercountry'],
  status: ['status'],
  answered: ['answered', 'wasanswered'],
}

export const normaliseHeader = (header: string): string => header.toLowerCase().replace(/[^a-z0-9]/g, '')

export type ColumnMap = Partial<Record<CsvField, number>>

/** Column index of each known field; the first matching header wins. */
export function mapColumns(headers: readonly string[]): { columns: ColumnMap; unknown: string[] } {
  const columns: ColumnMap = {}
  const unknown: string[] = []
  headers.forEach((header, index) => {
    const key = normaliseHeader(header)
    const field = (Object.keys(ALIASES) as CsvField[]).find((name) => ALIASES[name].includes(key))
    if (field === undefined) {
      if (key !== '') unknown.push(header)
      return
    }
    if (columns[field] === undefined) columns[field] = index
  })
  return { columns, unknown }
}

/** Fields a row cannot be imported without. */
export function missingRequiredColumns(columns: ColumnMap): string[] {
  const missing: string[] = []
  if (columns.id === undefined) missing.push('"Call ID" (or "id")')
  if (columns.startedAt === undefined) missing.push('"Date (UTC)" (or "started_at")')
  if (columns.direction === undefined) missing.push('"Direction"')
  if (columns.from === undefined && columns.to === undefined && columns.rawDigits === undefined) {
    missing.push('"From"/"To"')
  }
  return missing
}

export type RowResult = { ok: true; call: CallRecord } | { ok: false; reason: string }

/** UNIX seconds from "2026-06-01 14:03:22" (UTC unless a zone is given), ISO 8601 or a number of seconds/ms. */
export function parseTimestamp(value: string): number | null {
  const text = value.trim()
  if (text === '') return null
  if (/^\d{9,13}$/.test(text)) {
    const n = Number(text)
    return text.length > 10 ? Math.floor(n / 1000) : n
  }
  // Only unambiguous forms: V8's lenient Date.parse turns "x 5" into 2001-05-01, and a guessed date is worse
  // than a reported row.
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/i.exec(text)
  if (!match) return null
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((index) => Number(match[index] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null
  const utc = Date.UTC(year, month - 1, day, hour, minute, second)
  if (new Date(utc).getUTCDate() !== day) return null
  const zone = match[7]?.toUpperCase()
  if (!zone || zone === 'Z' || zone === 'UTC') return Math.floor(utc / 1000)
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)
  if (!offset) return null
  const minutes = (Number(offset[2]) * 60 + Number(offset[3])) * (offset[1] === '-' ? -1 : 1)
  return Math.floor(utc / 1000) - minutes * 60
}

/** Seconds from "95", "95.0", "01:35" or "00:01:35"; null when unreadable. */
export function parseDuration(value: string): number | null {
  const text = value.trim()
  if (text === '') return 0
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text))
  const clock = /^(?:(\d+):)?(\d{1,2}):(\d{2})$/.exec(text)
  if (!clock) return null
  return Number(clock[1] ?? 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3])
}

const splitList = (value: string, separators: RegExp): string[] =>
  value
    .split(separators)
    .map((item) => item.trim())
    .filter((item) => item !== '')

const YES = /^(yes|true|1|y|oui)$/i
const NO = /^(no|false|0|n|non)$/i

/** One export row → CallRecord, or the reason it cannot be imported (reported with its line, never guessed). */
export function rowToCall(row: readonly string[], columns: ColumnMap): RowResult {
  const cell = (field: CsvField): string => {
    const index = columns[field]
    return index === undefined ? '' : (row[index] ?? '').trim()
  }
  const id = cell('id')
  if (id === '') return { ok: false, reason: 'missing call id' }
  if (!/^[A-Za-z0-9_-]+$/.test(id)) return { ok: false, reason: `call id "${printable(id, 40)}" is not an Aircall id` }
  const startedText = cell('startedAt')
  const startedAt = parseTimestamp(startedText)
  if (startedAt === null) return { ok: false, reason: `unreadable date "${printable(startedText, 40)}"` }
  const directionText = cell('direction').toLowerCase()
  const direction = /^(inbound|incoming|in|entrant)$/.test(directionText)
    ? 'inbound'
    : /^(outbound|outgoing|out|sortant)$/.test(directionText)
      ? 'outbound'
      : null
  if (direction === null) return { ok: false, reason: `unknown direction "${printable(cell('direction'), 40)}"` }
  const durationText = cell('duration')
  const durationSeconds = parseDuration(durationText)
  if (durationSeconds === null) return { ok: false, reason: `unreadable duration "${printable(durationText, 40)}"` }

  const external = cell('rawDigits') || (direction === 'inbound' ? cell('from') : cell('to'))
  const lineDigits = cell('lineNumber') || (direction === 'inbound' ? cell('to') : cell('from'))
  const missedReason = cell('missedReason') || null
  const answeredText = cell('answered')
  const answeredAtText = cell('answeredAt')
  let answeredAt: number | null
  if (answeredAtText !== '') answeredAt = parseTimestamp(answeredAtText)
  else if (YES.test(answeredText)) answeredAt = startedAt
  else if (NO.test(answeredText)) answeredAt = null
  else answeredAt = missedReason === null && durationSeconds > 0 ? startedAt : null
  const endedAt = parseTimestamp(cell('endedAt')) ?? startedAt + durationSeconds
  const asset = cell('asset') || null
  const voicemail = /\/voicemail(?:[/?#]|$)/.test(asset ?? '')
  const agentName = cell('agent') || null
  const agentEmail = cell('agentEmail') || null

  return {
    ok: true,
    call: {
      callId: id,
      direction,
      status: cell('status') || 'done',
      kind: classifyCall(direction, answeredAt, missedReason, voicemail),
      startedAt,
      answeredAt,
      endedAt,
      durationSeconds,
      missedReason,
      rawDigits: external === '' ? 'anonymous' : external,
      line: {
        id: null,
        name: cell('lineName') || null,
        digits: lineDigits || null,
        country: cell('country').toUpperCase() || null,
        timeZone: cell('timeZone') || null,
      },
      agent: agentName || agentEmail ? { id: null, name: agentName, email: agentEmail } : null,
      teams: [],
      tags: splitList(cell('tags'), /[,;|]/),
      comments: splitList(cell('comments'), /\r?\n| \| /),
      assetUrl: asset,
      contact: null,
      archived: false,
      cost: null,
    },
  }
}
