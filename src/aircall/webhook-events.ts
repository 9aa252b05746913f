import { z } from 'zod'

import {
  AIRCALL_CALL_EVENTS,
  type AircallCallEventName,
  type AircallEvent,
  AircallEventParseError,
  type AircallParseResult,
  SUPERSEDES,
} from '../domain/aircall-event.js'
import { type AircallCallLike, normaliseAircallCall } from '../domain/call-record.js'
import { aircallCallDataSchema } from './schemas.js'

const CALL_EVENTS: ReadonlySet<string> = new Set(AIRCALL_CALL_EVENTS)

/** The webhook envelope. `token` is checked (and then forgotten) by the listener before parsing. */
export const aircallEnvelopeSchema = z.object({
  resource: z.string().min(1),
  event: z.string().min(1),
  timestamp: z.number().int().nonnegative(),
  token: z.string(),
  data: z.record(z.string(), z.unknown()),
})

function describeIssues(error: z.ZodError, prefix: string): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path].join('.')
    const missing = issue.code === 'invalid_type' && (issue.input === undefined || issue.input === null)
    return missing ? `${path} is required` : `${path}: ${issue.message}`
  })
}

// Every call event carries the whole Call object at that moment (the reference's §5), but only some of its fields
// are always set: answered_at, ended_at, user, contact and missed_call_reason are null while they do not apply, and
// a call.created may come without started_at (the envelope's timestamp stands in). What is required is what Aircall
// always sends and the rules cannot guess: a bare {id} would otherwise be logged as an anonymous inbound call.
const withCaller = aircallCallDataSchema.extend({ direction: z.string().min(1), raw_digits: z.string() })
const finishedCall = withCaller.extend({ status: z.string().min(1), started_at: z.number() })

/** Tags and comments on a call that has ended are applied by logging the call (pipeline/pipeline.ts). */
const hasEnded = (data: Record<string, unknown>): boolean =>
  (data.ended_at !== null && data.ended_at !== undefined) || data.status === 'done'

const LIVE_CALL_EVENTS: ReadonlySet<string> = new Set<AircallCallEventName>(['call.created', 'call.ringing_on_agent'])
const FINISHED_CALL_EVENTS: ReadonlySet<string> = new Set<AircallCallEventName>(['call.hungup', 'call.ended'])
const ANNOTATION_EVENTS: ReadonlySet<string> = new Set<AircallCallEventName>([
  'call.tagged',
  'call.untagged',
  'call.commented',
])

function callSchemaFor(
  event: AircallCallEventName,
  data: Record<string, unknown>,
): z.ZodType<AircallCallLike, unknown> {
  if (LIVE_CALL_EVENTS.has(event)) return withCaller
  if (FINISHED_CALL_EVENTS.has(event) || (ANNOTATION_EVENTS.has(event) && hasEnded(data))) return finishedCall
  // The other events only record the call's state: the id is all they need.
  return aircallCallDataSchema
}

function dataId(data: Record<string, unknown>): string {
  const value = data.id
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '-'
}

/**
 * One subject per message thread (line, other party's digits, channel): a burst of messages then opens the
 * thread's conversation once and its parts follow the order Aircall sent them in.
 */
function messageThreadSubject(event: string, data: Record<string, unknown>): string | null {
  if (!event.startsWith('message.')) return null
  const line = data.number !== null && typeof data.number === 'object' ? (data.number as { id?: unknown }).id : null
  const digits = typeof data.external_number === 'string' ? data.external_number.replace(/\D/g, '') : ''
  if ((typeof line !== 'string' && typeof line !== 'number') || digits === '') return null
  const channel = typeof data.channel === 'string' && data.channel.trim() !== '' ? data.channel.trim() : 'sms'
  return `aircall:message:${String(line)}:${channel.toLowerCase()}:${digits}`
}

export function safeParseAircallEvent(body: unknown): AircallParseResult {
  const envelope = aircallEnvelopeSchema.safeParse(body)
  if (!envelope.success) {
    const issues = describeIssues(envelope.error, 'body')
    return { ok: false, error: new AircallEventParseError('Not an Aircall webhook envelope', issues) }
  }
  const { resource, event, timestamp, data } = envelope.data
  const identity = `aircall:${event}:${dataId(data)}:${timestamp}`

  if (!CALL_EVENTS.has(event)) {
    const subject = messageThreadSubject(event, data)
    return { ok: true, event: { kind: 'other', event, resource, identity, subject, timestamp } }
  }

  const name = event as AircallCallEventName
  const parsed = callSchemaFor(name, data).safeParse(data)
  if (!parsed.success) {
    const issues = describeIssues(parsed.error, 'data')
    return { ok: false, error: new AircallEventParseError(`Malformed call in ${event}`, issues) }
  }
  const call = normaliseAircallCall(parsed.data, { fallbackStartedAt: timestamp })
  return {
    ok: true,
    event: {
      kind: 'call',
      event: name,
      identity,
      subject: `aircall:call:${call.callId}`,
      callId: call.callId,
      timestamp,
      call,
      supersedes: SUPERSEDES[name] ?? [],
    },
  }
}

/** Throws AircallEventParseError on an unknown or malformed body (the listener answers 400). */
export function parseAircallEvent(body: unknown): AircallEvent {
  const result = safeParseAircallEvent(body)
  if (!result.ok) throw result.error
  return result.event
}
