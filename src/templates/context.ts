import { normalisePhone } from '../phone/index.js'
import { safeLink } from './filters.js'

export type CallType = 'answered' | 'missed' | 'voicemail' | 'outbound'

/**
 * Everything a note or message template may show about one call. Plain data on purpose: no expiring
 * media URL exists here, so no template, default or user-written, can print one.
 */
export type CallTemplateContext = {
  callId: number | string
  direction: 'inbound' | 'outbound'
  type: CallType
  /** UNIX seconds, UTC. */
  startedAt: number
  durationSeconds: number
  /** IANA zone of the Aircall line, for display. */
  timeZone: string
  line: { name: string; digits: string }
  agent: { name: string; email: string } | null
  /** `phone` is E.164, or null for an anonymous or unparseable caller. */
  caller: { name: string | null; phone: string | null }
  missedReason: string | null
  /** Aircall's permanent `asset` page. */
  assetUrl: string | null
  tags: string[]
  comments: string[]
  contact: { name: string | null; email: string | null } | null
}

export type CallClassificationInput = {
  direction: string
  answered_at?: number | null
  voicemail?: string | null
  missed_call_reason?: string | null
}

/** Aircall has no "missed" flag; this is the inference every source agrees with (aircall-api.md §4). */
export function callTypeOf(call: CallClassificationInput): CallType {
  if (call.direction === 'outbound') return 'outbound'
  if (call.voicemail) return 'voicemail'
  if (call.answered_at === null || call.answered_at === undefined || call.missed_call_reason) return 'missed'
  return 'answered'
}

/** The subset of an Aircall call (API object or webhook `data`) the template context is built from. */
export type AircallCallLike = CallClassificationInput & {
  id: number | string
  started_at: number
  duration?: number | null
  raw_digits?: string | null
  asset?: string | null
  number?: { name?: string | null; digits?: string | null; time_zone?: string | null } | null
  user?: { name?: string | null; email?: string | null } | null
  contact?: { first_name?: string | null; last_name?: string | null; company_name?: string | null } | null
  tags?: ReadonlyArray<{ name?: string | null }> | null
  comments?: ReadonlyArray<{ content?: string | null }> | null
}

function nonEmpty(value: string | null | undefined): string | null {
  const trimmed = value?.trim()
  return trimmed ? trimmed : null
}

/**
 * Builds the template context from an Aircall call. Only `asset` is carried over as a link; `recording`,
 * `voicemail` and their short URLs are read for classification at most, never copied.
 */
export function callTemplateContextFrom(
  call: AircallCallLike,
  contact: { name: string | null; email: string | null } | null = null,
): CallTemplateContext {
  const phone = normalisePhone(call.raw_digits ?? '')
  const aircallName = [call.contact?.first_name, call.contact?.last_name].map(nonEmpty).filter(Boolean).join(' ')
  return {
    callId: call.id,
    direction: call.direction === 'outbound' ? 'outbound' : 'inbound',
    type: callTypeOf(call),
    startedAt: call.started_at,
    durationSeconds: call.duration ?? 0,
    timeZone: nonEmpty(call.number?.time_zone) ?? 'UTC',
    line: { name: nonEmpty(call.number?.name) ?? '', digits: nonEmpty(call.number?.digits) ?? '' },
    agent: call.user ? { name: nonEmpty(call.user.name) ?? '', email: nonEmpty(call.user.email) ?? '' } : null,
    caller: {
      name: nonEmpty(aircallName) ?? nonEmpty(contact?.name) ?? null,
      phone: phone.kind === 'valid' ? phone.e164 : null,
    },
    missedReason: nonEmpty(call.missed_call_reason),
    assetUrl: nonEmpty(safeLink(call.asset)),
    tags: (call.tags ?? []).map((tag) => nonEmpty(tag.name)).filter((name): name is string => name !== null),
    comments: (call.comments ?? [])
      .map((comment) => nonEmpty(comment.content))
      .filter((content): content is string => content !== null),
    contact,
  }
}
