import { createHash } from 'node:crypto'

import type { CallRecord } from '../domain/call-record.js'
import { normalisePhone } from '../phone/index.js'
import type { CallTemplateContext } from '../templates/index.js'
import {
  describeMissedReason,
  formatDuration,
  formatLocalTime,
  formatPhoneForDisplay,
  safeLink,
} from '../templates/index.js'

/**
 * What a call's Intercom records are made of: the template context, the one-line conversation summary,
 * the facts whose change is worth an "updated" note, and the markers that let a crashed step find what
 * it already wrote.
 */

const nonEmpty = (value: string | null | undefined): string | null => {
  const trimmed = value?.trim()
  return trimmed ? trimmed : null
}

/** The caller's E.164 number, or null for an anonymous or unparseable caller (never guessed). */
export const callerE164 = (call: CallRecord): string | null => {
  const phone = normalisePhone(call.rawDigits, (call.line.country ?? undefined) as Parameters<typeof normalisePhone>[1])
  return phone.kind === 'valid' ? phone.e164 : null
}

/**
 * The template context of a normalised call (API, CSV or webhook), with the Intercom contact when the caller
 * knows it: one builder for notes, missed-call messages and resolve notes alike.
 */
export function callTemplateContext(
  call: CallRecord,
  contact: { name: string | null; email: string | null } | null = null,
): CallTemplateContext {
  const aircallName = [call.contact?.firstName, call.contact?.lastName].map(nonEmpty).filter(Boolean).join(' ')
  return {
    callId: call.callId,
    direction: call.direction,
    type: call.kind,
    startedAt: call.startedAt,
    durationSeconds: call.durationSeconds,
    timeZone: call.line.timeZone ?? 'UTC',
    line: { name: call.line.name ?? '', digits: call.line.digits ?? '' },
    agent: call.agent ? { name: call.agent.name ?? '', email: call.agent.email ?? '' } : null,
    caller: { name: nonEmpty(aircallName) ?? nonEmpty(contact?.name), phone: callerE164(call) },
    missedReason: call.missedReason,
    assetUrl: nonEmpty(safeLink(call.assetUrl)),
    tags: [...call.tags],
    comments: [...call.comments],
    contact,
  }
}

/** The stable token a conversation body or note carries so a pending step can be reconciled by search. */
export const callMarker = (callId: string): string => `aircall-call-id:${callId}`

/** True when `text` carries this call's marker (and not a longer id that starts with the same digits). */
export function hasCallMarker(text: string | null | undefined, callId: string, revision?: string): boolean {
  if (!text) return false
  const marker = callMarker(callId)
  for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, at + 1)) {
    const rest = text.slice(at + marker.length)
    // A longer id that starts with the same digits is another call.
    if (/^[0-9A-Za-z_-]/.test(rest)) continue
    if (revision === undefined || new RegExp(`^\\s+rev:${revision}(?![0-9a-f])`).test(rest)) return true
  }
  return false
}

const KIND_WORDS: Record<CallRecord['kind'], string> = {
  answered: 'Answered call',
  missed: 'Missed call',
  voicemail: 'Voicemail',
  outbound: 'Outbound call',
}

/** Plain-text body of the conversation created for a call (Intercom shows it as the contact's message). */
export function conversationSummary(call: CallRecord): string {
  const who = formatPhoneForDisplay(call.rawDigits) || 'an unknown number'
  const line = call.line.name ?? call.line.digits
  const parts = [
    `${KIND_WORDS[call.kind]} ${call.direction === 'outbound' ? 'to' : 'from'} ${who}${line ? ` on ${line}` : ''}`,
    formatLocalTime(call.startedAt, call.line.timeZone ?? 'UTC'),
  ]
  if (call.kind === 'answered' || call.kind === 'outbound') parts.push(formatDuration(call.durationSeconds))
  if (call.kind === 'missed' && call.missedReason) parts.push(describeMissedReason(call.missedReason))
  return `${parts.join(' · ')} (${callMarker(call.callId)})`
}

/** The facts a note shows that Aircall may rewrite after the call; the start time is left out on purpose. */
export interface CallFacts {
  type: CallRecord['kind']
  durationSeconds: number
  missedReason: string | null
  agent: string | null
  tags: string[]
  comments: string[]
  asset: string | null
}

export function callFacts(call: CallRecord): CallFacts {
  return {
    type: call.kind,
    durationSeconds: call.durationSeconds,
    missedReason: call.missedReason,
    agent: call.agent?.name ?? call.agent?.email ?? null,
    tags: [...call.tags].sort(),
    comments: [...call.comments],
    asset: nonEmpty(safeLink(call.assetUrl)),
  }
}

export function factsHash(facts: CallFacts): string {
  return createHash('sha256').update(JSON.stringify(facts)).digest('hex').slice(0, 12)
}

const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c)

/** A short note listing only what changed since the call was logged, never a second full note. */
export function updateNoteBody(callId: string, before: Partial<CallFacts>, after: CallFacts, revision: string): string {
  const lines: string[] = []
  const show = (label: string, from: string, to: string): void => {
    if (from !== to) lines.push(`<li>${escape(label)}: ${escape(from || '—')} → ${escape(to || '—')}</li>`)
  }
  show('Type', before.type ?? '', after.type)
  show('Duration', formatDuration(before.durationSeconds ?? ''), formatDuration(after.durationSeconds))
  show('Reason', describeMissedReason(before.missedReason ?? ''), describeMissedReason(after.missedReason ?? ''))
  show('Agent', before.agent ?? '', after.agent ?? '')
  show('Tags', (before.tags ?? []).join(', '), after.tags.join(', '))
  show('Recording', before.asset ?? '', after.asset ?? '')
  const added = after.comments.filter((comment) => !(before.comments ?? []).includes(comment))
  for (const comment of added) lines.push(`<li>New agent note: ${escape(comment)}</li>`)
  if (lines.length === 0) lines.push('<li>Details changed in Aircall</li>')
  return `<p><b>Call updated</b> (Aircall call ${escape(callId)})</p><ul>${lines.join('')}</ul>${markerHtml(callId, revision)}`
}

export const markerHtml = (callId: string, revision: string): string => `<p>${callMarker(callId)} rev:${revision}</p>`
