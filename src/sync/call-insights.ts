import { z } from 'zod/v4'
import { type AiEventName, aiStepKey, summarySchema, transcriptionSchema } from '../aircall/ai-schemas.js'
import type { AppConfig } from '../config/schema.js'
import type { FailureClass } from '../errors.js'
import type { IntercomClient } from '../intercom/client.js'
import { ORIGIN_MARKER } from '../rules/loop-guard.js'
import type { StateStore } from '../store/state-store.js'
import { escapeHtml } from '../templates/filters.js'
import { conversationStepKey } from './call-logger.js'
import type { IntercomContext } from './intercom-context.js'

export interface CallInsightDeps {
  store: StateStore
  intercom: IntercomClient
  context: IntercomContext
  adminId: string
  config: AppConfig['insights']
}

export type InsightOutcome =
  | { status: 'noted'; conversationId: string; parts: number }
  | { status: 'already-noted'; conversationId: string }
  | { status: 'skipped'; reason: string }

/**
 * The call's conversation is not in the ledger yet: an insight can arrive before call.ended is processed (Aircall
 * sends them seconds to minutes after the call). Retried with the worker's backoff, so the note waits for the one
 * conversation of the call and never opens a second.
 */
export class ConversationNotYetLoggedError extends Error {
  override readonly name = 'ConversationNotYetLoggedError'
  readonly failure: FailureClass = 'retry'
  constructor(readonly callId: string) {
    super(`call ${callId} has no Intercom conversation yet: the insight waits for call.ended to log it`)
  }
}

/**
 * Intercom's largest conversation part is not in the references; a transcript is split well below any limit seen
 * (an hour of speech is ~60,000 characters), at utterance boundaries, each part a note of its own.
 */
export const NOTE_PART_CHARS = 10_000

const lenientCallId = z.union([z.string().regex(/^\d+$/), z.number().int()]).transform(String)
const insightEnvelope = z.looseObject({ call_id: lenientCallId })
const labelled = z.looseObject({
  content: z.union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())]).nullish(),
  participants: z.array(z.unknown()).nullish(),
})

const clock = (seconds: number): string => {
  const whole = Math.max(0, Math.floor(seconds))
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`
}

/** Lines of text from a lenient CI content: a string, an array of strings or objects, or an object of them. */
const linesOf = (value: unknown): string[] => {
  if (value === null || value === undefined) return []
  if (typeof value === 'string') return value.trim() ? [value.trim()] : []
  if (Array.isArray(value)) return value.flatMap(linesOf)
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>
    // A participant's sentiment, an action item, a named result: the fields people read, in a fixed order.
    const named = ['name', 'phone_number', 'type', 'value', 'text', 'content', 'description', 'title']
      .map((key) => record[key])
      .filter((part): part is string | number => typeof part === 'string' || typeof part === 'number')
    if (named.length > 0) return [named.join(' · ')]
    return Object.values(record).flatMap(linesOf)
  }
  return typeof value === 'number' || typeof value === 'boolean' ? [String(value)] : []
}

const TITLES: Record<AiEventName, string> = {
  'summary.created': 'Call summary (Aircall AI)',
  'transcription.created': 'Call transcript (Aircall AI)',
  'sentiment.created': 'Caller sentiment (Aircall AI)',
  'topics.created': 'Call topics (Aircall AI)',
  'action_item.created': 'Action items (Aircall AI)',
  'custom_summary.result_created': 'Custom call summary (Aircall AI)',
}

/** The note bodies one insight becomes: one, or a transcript in as many parts as it needs. */
export function insightNotes(kind: AiEventName, data: Record<string, unknown>): string[] {
  const title = (suffix = ''): string => `<p><b>${TITLES[kind]}${suffix}</b></p>`
  if (kind === 'summary.created') {
    const { content } = summarySchema.parse(data)
    return [`${title()}<p>${escapeHtml(content).replace(/\n/g, '<br>')}</p>`]
  }
  if (kind === 'transcription.created') {
    const { content } = transcriptionSchema.parse(data)
    const lines = content.utterances.map((utterance) => {
      const speaker =
        utterance.participant_type === 'internal'
          ? `Agent${utterance.user_id ? ` ${utterance.user_id}` : ''}`
          : `Caller${utterance.phone_number ? ` ${utterance.phone_number}` : ''}`
      return `<p>[${clock(utterance.start_time)}] <b>${escapeHtml(speaker)}</b>: ${escapeHtml(utterance.text)}</p>`
    })
    const parts: string[][] = [[]]
    let size = 0
    for (const line of lines) {
      const current = parts.at(-1) ?? []
      if (size + line.length > NOTE_PART_CHARS && current.length > 0) {
        parts.push([line])
        size = line.length
      } else {
        current.push(line)
        size += line.length
      }
    }
    const language = content.language ? ` · ${escapeHtml(content.language)}` : ''
    return parts.map((part, index) =>
      [
        title(parts.length > 1 ? ` ${index + 1}/${parts.length}` : ''),
        `<p><i>${lines.length} utterances${language}</i></p>`,
        ...part,
      ].join(''),
    )
  }
  const parsed = labelled.parse(data)
  const lines = [...linesOf(parsed.content), ...(parsed.content ? [] : linesOf(parsed.participants))]
  if (lines.length === 0) return []
  return [`${title()}<ul>${lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`]
}

export const insightCallId = (data: Record<string, unknown>): string | null => {
  const parsed = insightEnvelope.safeParse(data)
  return parsed.success ? parsed.data.call_id : null
}

/**
 * Aircall's conversation intelligence as notes on the call's own Intercom conversation, once each: every note
 * part is a ledger step, and a part sent by an attempt that died before recording it is found by its text.
 */
export class CallInsightService {
  constructor(private readonly deps: CallInsightDeps) {}

  /** `conversationId`: the call's conversation when the caller knows it (a backfill that just logged the call). */
  async handle(
    kind: AiEventName,
    data: Record<string, unknown>,
    signal?: AbortSignal,
    knownConversationId?: string,
  ): Promise<InsightOutcome> {
    const { store, intercom, context, adminId, config } = this.deps
    if (!config.kinds.includes(kind)) return { status: 'skipped', reason: `${kind} is not in insights.kinds` }
    const callId = insightCallId(data)
    if (callId === null) return { status: 'skipped', reason: 'no call_id' }
    if (data.type === 'voicemail' && kind !== 'transcription.created' && kind !== 'summary.created') {
      return { status: 'skipped', reason: 'voicemail' }
    }
    const conversationStep = store.getStep(conversationStepKey(callId))
    const conversationId =
      knownConversationId ?? (conversationStep?.status === 'done' ? conversationStep.externalId : null)
    if (!conversationId) throw new ConversationNotYetLoggedError(callId)

    const notes = insightNotes(kind, data)
    if (notes.length === 0) return { status: 'skipped', reason: 'empty' }
    let written = 0
    for (const [index, body] of notes.entries()) {
      const key = `${aiStepKey(callId, kind)}:${index}`
      const step = store.getStep(key)
      if (step?.status === 'done') continue
      // A pending step: an attempt may have sent this part before it died.
      const already = step?.status === 'pending' && (await context.hasPartContaining(conversationId, body, signal))
      if (!already) {
        store.beginStep(key, { conversationId, part: index })
        await intercom.addNote(conversationId, { adminId, body: `${body}${ORIGIN_MARKER}` }, { signal })
        written++
      }
      store.completeStep(key, conversationId)
    }
    if (written === 0) return { status: 'already-noted', conversationId }
    return { status: 'noted', conversationId, parts: written }
  }
}
