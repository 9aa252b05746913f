import { z } from 'zod'
import {
  type AiEventName,
  aiStepKey,
  sentimentItemSchema,
  summarySchema,
  transcriptionSchema,
} from '../aircall/ai-schemas.js'
import type { AppConfig } from '../config/schema.js'
import type { FailureClass } from '../errors.js'
import type { IntercomClient } from '../intercom/client.js'
import { ORIGIN_MARKER } from '../rules/loop-guard.js'
import type { StateStore } from '../store/state-store.js'
import { escapeHtml } from '../templates/filters.js'
import { createTemplateRenderer } from '../templates/index.js'
import { conversationStepKey } from './call-logger.js'
import { DataAttributeEnsurer } from './data-attributes.js'
import type { IntercomContext } from './intercom-context.js'

export interface CallInsightDeps {
  store: Pick<StateStore, 'ledger'>
  intercom: IntercomClient
  context: IntercomContext
  adminId: string
  config: AppConfig['insights']
  /** Whether a voicemail's transcript (a transcription of type `voicemail`) is noted too. */
  voicemailTranscripts: boolean
}

export type InsightOutcome =
  | { status: 'noted'; conversationId: string; parts: number; attributes: string[] }
  | { status: 'already-noted'; conversationId: string; attributes: string[] }
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

type InsightTemplates = AppConfig['insights']['templates']

const TEMPLATE_OF: Record<AiEventName, keyof InsightTemplates> = {
  'summary.created': 'summary',
  'transcription.created': 'transcript',
  'sentiment.created': 'sentiment',
  'topics.created': 'topics',
  'action_item.created': 'actionItems',
  'custom_summary.result_created': 'customSummary',
}

export interface InsightNoteOptions {
  /** A transcript folds away behind its title, or shows every utterance. */
  transcript: AppConfig['insights']['transcript']
  templates: InsightTemplates
}

const DEFAULT_NOTE_OPTIONS: InsightNoteOptions = { transcript: 'collapsed', templates: {} }

// One renderer for every insight note: its parse cache then holds each configured template once.
const renderer = createTemplateRenderer()

interface Utterance {
  at: string
  seconds: number
  speaker: string
  text: string
}

/**
 * What an insight note template sees: the call id, the kind and title, `content` (the summary's text, or the
 * lines joined by line breaks), `lines`, and for a transcript `utterances` (at, seconds, speaker, text),
 * `language`, `part` and `parts`.
 */
interface InsightScope {
  callId: string
  kind: AiEventName
  title: string
  content: string
  lines: string[]
  language: string | null
  utterances: Utterance[]
  utteranceCount: number
  part: number
  parts: number
}

const utteranceHtml = (utterance: Utterance): string =>
  `<p>[${utterance.at}] <b>${escapeHtml(utterance.speaker)}</b>: ${escapeHtml(utterance.text)}</p>`

/** Splits a transcript at utterance boundaries into parts of at most NOTE_PART_CHARS characters of HTML. */
const splitUtterances = (utterances: Utterance[]): Utterance[][] => {
  const parts: Utterance[][] = [[]]
  let size = 0
  for (const utterance of utterances) {
    const length = utteranceHtml(utterance).length
    const current = parts.at(-1) ?? []
    if (size + length > NOTE_PART_CHARS && current.length > 0) {
      parts.push([utterance])
      size = length
    } else {
      current.push(utterance)
      size += length
    }
  }
  return parts
}

const defaultNote = (scope: InsightScope, options: InsightNoteOptions): string => {
  const suffix = scope.parts > 1 ? ` ${scope.part}/${scope.parts}` : ''
  const title = `<b>${escapeHtml(scope.title)}${suffix}</b>`
  switch (scope.kind) {
    case 'summary.created':
      return `<p>${title}</p><p>${escapeHtml(scope.content).replace(/\n/g, '<br>')}</p>`
    case 'transcription.created': {
      const language = scope.language ? ` · ${escapeHtml(scope.language)}` : ''
      const about = `${scope.utteranceCount} utterances${language}`
      const body = scope.utterances.map(utteranceHtml).join('')
      // Intercom's inbox folds a <details> block; the title line stays readable where it does not.
      return options.transcript === 'collapsed'
        ? `<p>${title}</p><details><summary>${about}</summary>${body}</details>`
        : `<p>${title}</p><p><i>${about}</i></p>${body}`
    }
    case 'sentiment.created':
    case 'topics.created':
    case 'action_item.created':
    case 'custom_summary.result_created':
      return `<p>${title}</p><ul>${scope.lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`
  }
}

const utterancesOf = (data: Record<string, unknown>): { language: string | null; utterances: Utterance[] } => {
  const { content } = transcriptionSchema.parse(data)
  return {
    language: content.language ?? null,
    utterances: content.utterances.map((utterance) => ({
      at: clock(utterance.start_time),
      seconds: utterance.start_time,
      speaker:
        utterance.participant_type === 'internal'
          ? `Agent${utterance.user_id ? ` ${utterance.user_id}` : ''}`
          : `Caller${utterance.phone_number ? ` ${utterance.phone_number}` : ''}`,
      text: utterance.text,
    })),
  }
}

/** The lines an insight other than a transcript reads as: a summary's text, or its items. */
export const insightTextLines = (kind: AiEventName, data: Record<string, unknown>): string[] => {
  if (kind === 'summary.created') return [summarySchema.parse(data).content]
  const parsed = labelled.parse(data)
  return [...linesOf(parsed.content), ...(parsed.content ? [] : linesOf(parsed.participants))]
}

/** The note bodies one insight becomes: one, or a transcript in as many parts as it needs. */
export function insightNotes(
  kind: AiEventName,
  data: Record<string, unknown>,
  options: InsightNoteOptions = DEFAULT_NOTE_OPTIONS,
): string[] {
  const callId = insightCallId(data) ?? ''
  const template = options.templates[TEMPLATE_OF[kind]]
  const render = (scope: InsightScope): string =>
    template === undefined ? defaultNote(scope, options) : renderer.render(template, scope).trim()
  const base = { callId, kind, title: TITLES[kind], language: null, utterances: [], utteranceCount: 0 }
  if (kind === 'transcription.created') {
    const { language, utterances } = utterancesOf(data)
    if (utterances.length === 0) return []
    const parts = splitUtterances(utterances)
    return parts.map((part, index) =>
      render({
        ...base,
        language,
        utterances: part,
        utteranceCount: utterances.length,
        lines: part.map((utterance) => `[${utterance.at}] ${utterance.speaker}: ${utterance.text}`),
        content: part.map((utterance) => `${utterance.speaker}: ${utterance.text}`).join('\n'),
        part: index + 1,
        parts: parts.length,
      }),
    )
  }
  const lines = insightTextLines(kind, data).filter((line) => line.trim() !== '')
  if (lines.length === 0) return []
  const note = render({ ...base, lines, content: lines.join('\n'), part: 1, parts: 1 })
  return note === '' ? [] : [note]
}

/** The caller's sentiment (the external participant's, lower-cased) or the topics, as one attribute value. */
export function insightAttributeValue(
  kind: 'sentiment.created' | 'topics.created',
  data: Record<string, unknown>,
): string | null {
  const parsed = labelled.parse(data)
  if (kind === 'topics.created') {
    const topics = linesOf(parsed.content ?? parsed.participants)
    // Intercom's string attributes hold 255 characters.
    return topics.length === 0 ? null : topics.join(', ').slice(0, 255)
  }
  const entries = [parsed.content, parsed.participants].flatMap((value) => (Array.isArray(value) ? value : [value]))
  const values = entries.flatMap((entry) => {
    const item = sentimentItemSchema.safeParse(entry)
    return item.success ? [item.data] : typeof entry === 'string' && entry.trim() ? [{ value: entry, type: null }] : []
  })
  const chosen = values.find((item) => item.type === 'external') ?? values[0]
  return chosen ? chosen.value.trim().toLowerCase() : null
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
    const voicemail = data.type === 'voicemail'
    if (voicemail && kind !== 'transcription.created' && kind !== 'summary.created') {
      return { status: 'skipped', reason: 'voicemail' }
    }
    if (voicemail && kind === 'transcription.created' && !this.deps.voicemailTranscripts) {
      return { status: 'skipped', reason: 'voicemail.transcript is off' }
    }
    const conversationStep = await store.ledger.get(conversationStepKey(callId))
    const conversationId =
      knownConversationId ?? (conversationStep?.status === 'done' ? conversationStep.externalId : null)
    if (!conversationId) throw new ConversationNotYetLoggedError(callId)

    const notes = insightNotes(kind, data, { transcript: config.transcript, templates: config.templates }).map(
      (body) => (voicemail ? body.replace('Call transcript (Aircall AI)', 'Voicemail transcript (Aircall AI)') : body),
    )
    const contactId = typeof conversationStep?.data.contactId === 'string' ? conversationStep.data.contactId : null
    const attributes = await this.writeAttributes(kind, data, callId, conversationId, contactId, signal)
    if (notes.length === 0) {
      return attributes.length > 0
        ? { status: 'noted', conversationId, parts: 0, attributes }
        : { status: 'skipped', reason: 'empty' }
    }
    let written = 0
    for (const [index, body] of notes.entries()) {
      const key = `${aiStepKey(callId, kind)}:${index}`
      const step = await store.ledger.get(key)
      if (step?.status === 'done') continue
      // A pending step: an attempt may have sent this part before it died.
      const already = step?.status === 'pending' && (await context.hasPartContaining(conversationId, body, signal))
      if (!already) {
        await store.ledger.begin(key, { conversationId, part: index })
        await intercom.conversations.addNote(conversationId, { adminId, body: `${body}${ORIGIN_MARKER}` }, { signal })
        written++
      }
      await store.ledger.complete(key, conversationId)
    }
    if (written === 0 && attributes.length === 0) return { status: 'already-noted', conversationId, attributes }
    return { status: 'noted', conversationId, parts: written, attributes }
  }

  /**
   * Sentiment and topics as the configured custom attributes: one ledger step per target, so a redelivered
   * event writes nothing. The write is a PUT of the same value, so a pending step simply writes again.
   * Returns `target.name` of each attribute written now.
   */
  private async writeAttributes(
    kind: AiEventName,
    data: Record<string, unknown>,
    callId: string,
    conversationId: string,
    contactId: string | null,
    signal?: AbortSignal,
  ): Promise<string[]> {
    if (kind !== 'sentiment.created' && kind !== 'topics.created') return []
    const targets = this.deps.config.attributes[kind === 'sentiment.created' ? 'sentiment' : 'topics']
    if (targets.conversation === undefined && targets.contact === undefined) return []
    const value = insightAttributeValue(kind, data)
    if (value === null) return []
    const { store, intercom } = this.deps
    const written: string[] = []
    const write = async (model: 'conversation' | 'contact', name: string, id: string): Promise<void> => {
      const key = `${aiStepKey(callId, kind)}:attribute:${model}`
      if ((await store.ledger.get(key))?.status === 'done') return
      await store.ledger.begin(key, { [`${model}Id`]: id, name, value })
      this.attributes ??= new DataAttributeEnsurer(intercom)
      await this.attributes.ensure(model, name, 'string')
      if (model === 'conversation') {
        await intercom.conversations.update(id, { customAttributes: { [name]: value } }, signal)
      } else {
        await intercom.contacts.update(id, { custom_attributes: { [name]: value } }, signal)
      }
      await store.ledger.complete(key, id)
      written.push(`${model}.${name}`)
    }
    if (targets.conversation !== undefined) await write('conversation', targets.conversation, conversationId)
    if (targets.contact !== undefined && contactId !== null) await write('contact', targets.contact, contactId)
    return written
  }

  private attributes: DataAttributeEnsurer | null = null
}
