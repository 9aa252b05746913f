import { z } from 'zod'

import {
  type AircallMessage,
  aircallMessageSchema,
  channelOf,
  type MessageChannel,
  type MessageEventName,
  type MessageMedia,
  mediaOf,
} from '../aircall/message-schemas.js'
import type { AppConfig } from '../config/schema.js'
import { type CallRecord, normaliseAircallCall } from '../domain/call-record.js'
import { PermanentError } from '../errors.js'
import type { IntercomClient } from '../intercom/client.js'
import { conversationQuery } from '../intercom/query.js'
import type { ContactResolver } from '../matching/types.js'
import { ORIGIN_MARKER, ORIGIN_MARKER_TEXT } from '../rules/loop-guard.js'
import { type ClaimContext, claimWhenFree } from '../store/claim-step.js'
import type { StateStore } from '../store/state-store.js'
import { escapeHtml, formatPhoneForDisplay } from '../templates/filters.js'

export interface MessageThreadDeps {
  store: Pick<StateStore, 'ledger'>
  intercom: IntercomClient
  resolver: ContactResolver
  /** The admin outbound messages are noted as. */
  adminId: string
  config: Pick<AppConfig, 'messages' | 'matching'>
  claims: ClaimContext
}

export type MessageOutcome =
  | { status: 'added'; conversationId: string; newThread: boolean }
  | { status: 'already-added'; conversationId: string }
  | { status: 'skipped'; reason: string }

export interface MessageThread {
  /** The Aircall line. */
  numberId: string
  channel: MessageChannel
  /** The other party, normalised. */
  e164: string
}

/** The ledger step whose external id is the thread's Intercom conversation. */
export const messageThreadKey = (thread: MessageThread): string =>
  `thread:${thread.numberId}:${thread.channel}:${thread.e164}`

/** One step per Aircall message: a redelivered or replayed event finds it done. */
export const messageStepKey = (messageId: string): string => `message:${messageId}`

/** Written in the header of the thread's conversation, so a create that was not recorded is found again. */
export const threadMarker = (thread: MessageThread): string =>
  `aircall-thread:${thread.numberId}:${thread.channel}:${thread.e164}`

/** Conversations of one contact read when looking for a thread's; a contact with more is searched no further. */
const RECONCILE_LIMIT = 500

const CHANNEL_LABELS: Record<MessageChannel, string> = { sms: 'SMS', whatsapp: 'WhatsApp' }

const isChannel = (channel: string): channel is MessageChannel => channel === 'sms' || channel === 'whatsapp'

const sourceSchema = z.looseObject({ source: z.looseObject({ body: z.string().nullish() }).nullish() })

/** The message's data, or a PermanentError naming what is wrong: a replay cannot fix the payload. */
export function parseAircallMessage(data: unknown): AircallMessage {
  const parsed = aircallMessageSchema.safeParse(data)
  if (parsed.success) return parsed.data
  const issues = parsed.error.issues.map((issue) => `data.${issue.path.join('.')}: ${issue.message}`)
  throw new PermanentError(`malformed Aircall message: ${issues.join('; ')}`)
}

/** A WhatsApp template has no `body`; its text is what the customer read. */
const messageText = (message: AircallMessage): string => {
  const body = message.body?.trim()
  if (body) return body
  const template = message.template_content
  return typeof template === 'string' ? template.trim() : ''
}

/** Intercom hands bodies back as HTML or plain text (by version): both are compared as their visible text. */
export const visibleText = (body: string): string =>
  body
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0*39;|&#x0*27;|&apos;/gi, "'")
    .replace(/&amp;/g, '&')
    .replace(/[\u2063\u200b]/g, '')
    .replace(/\s+/g, ' ')
    .trim()

/** A contact's reply is plain text; attachments follow as their links (signed by Aircall, so they expire). */
export const contactReplyBody = (text: string, media: MessageMedia[]): string =>
  [text, ...media.map((item) => `${item.name}: ${item.url}`)].filter((line) => line !== '').join('\n')

/** What the agent sent, as a note: an admin comment would send it to the customer a second time. */
export const agentNoteBody = (channel: MessageChannel, text: string, media: MessageMedia[]): string => {
  const title = `<p><b>${CHANNEL_LABELS[channel]} sent from Aircall</b></p>`
  const content = text === '' ? '' : `<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>`
  const links = media.map((item) => `<p><a href="${escapeHtml(item.url)}">${escapeHtml(item.name)}</a></p>`)
  return `${title}${content}${links.join('')}`
}

export const threadHeader = (thread: MessageThread, line: string): string =>
  `${CHANNEL_LABELS[thread.channel]} with ${formatPhoneForDisplay(thread.e164) || thread.e164} on line ${line} ` +
  `(${threadMarker(thread)})`

/** True when `text` carries this thread's marker, and not that of a longer number starting with the same digits. */
export const hasThreadMarker = (text: string | null | undefined, thread: MessageThread): boolean => {
  if (!text) return false
  const marker = threadMarker(thread)
  for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, at + 1)) {
    if (!/^\d/.test(text.slice(at + marker.length))) return true
  }
  return false
}

/** The other party as the resolver reads a caller: the line's country reads a national-format number. */
const counterpartOf = (message: AircallMessage, inbound: boolean, at: number): CallRecord =>
  normaliseAircallCall({
    id: `message:${message.id}`,
    direction: inbound ? 'inbound' : 'outbound',
    raw_digits: message.external_number ?? null,
    started_at: at,
    number: message.number,
    contact: message.contact ?? null,
  })

const UNMATCHED_REASONS: Record<string, string> = {
  anonymous: 'no external number',
  'invalid-number': 'invalid-number',
  'no-contact': 'unmatched',
  ambiguous: 'ambiguous',
}

/**
 * Aircall SMS and WhatsApp messages as one Intercom conversation per contact and thread (line, other party,
 * channel). Both the thread's conversation and every message are ledger steps, claimed before their write: a
 * redelivered message finds its step done, and a write an interrupted attempt may have sent is looked for in
 * Intercom before it is sent again.
 */
export class MessageThreadService {
  constructor(private readonly deps: MessageThreadDeps) {}

  /** `timestamp`: the webhook's, for a message that does not say when it was sent (UNIX seconds). */
  async handle(
    event: MessageEventName,
    data: Record<string, unknown>,
    options: { timestamp?: number; signal?: AbortSignal } = {},
  ): Promise<MessageOutcome> {
    const { store, config, resolver } = this.deps
    const { signal } = options
    if (!config.messages.enabled) return { status: 'skipped', reason: 'messages are disabled' }
    if (event === 'message.status_updated') return { status: 'skipped', reason: 'status update' }
    const message = parseAircallMessage(data)
    const channel = channelOf(message)
    if (!isChannel(channel)) return { status: 'skipped', reason: `channel ${channel} is not supported` }
    if (!config.messages.channels.includes(channel)) {
      return { status: 'skipped', reason: `${channel} is not in messages.channels` }
    }
    const key = messageStepKey(message.id)
    const known = await store.ledger.get(key)
    if (known?.status === 'done' && known.externalId)
      return { status: 'already-added', conversationId: known.externalId }

    const inbound = (message.direction ?? (event === 'message.received' ? 'inbound' : 'outbound')) === 'inbound'
    const text = messageText(message)
    const media = mediaOf(message)
    if (text === '' && media.length === 0) return { status: 'skipped', reason: 'empty message' }
    const at = message.created_at ?? message.sent_at ?? options.timestamp ?? Math.floor(this.deps.claims.now() / 1000)
    const counterpart = counterpartOf(message, inbound, at)
    const resolution = await resolver.resolve(counterpart, { create: config.matching.createUnknown, signal })
    if (resolution.status === 'unmatched') {
      return { status: 'skipped', reason: UNMATCHED_REASONS[resolution.reason] ?? resolution.reason }
    }
    const thread: MessageThread = {
      numberId: message.number.id,
      channel,
      e164: resolution.e164 ?? counterpart.rawDigits,
    }
    const line = message.number.name?.trim() || message.number.digits?.trim() || message.number.id
    const conversation = await this.ensureThread(thread, resolution.contactId, threadHeader(thread, line), at, signal)

    const threadKey = messageThreadKey(thread)
    const claim = await claimWhenFree(this.deps.claims, key, { conversationId: conversation.id, threadKey }, signal)
    if (claim.status === 'done') {
      return { status: 'already-added', conversationId: claim.step.externalId ?? conversation.id }
    }
    const body = inbound ? contactReplyBody(text, media) : agentNoteBody(channel, text, media)
    // An attempt that died after its write left the step pending: that part may be in the conversation already.
    const written = claim.resumed !== null && (await this.hasPart(conversation.id, inbound, body, signal))
    if (!written) {
      const { intercom, adminId } = this.deps
      if (inbound) {
        await intercom.conversations.replyAsContact(
          conversation.id,
          { contactId: conversation.contactId, body: `${body}${ORIGIN_MARKER_TEXT}` },
          { signal },
        )
      } else {
        await intercom.conversations.addNote(conversation.id, { adminId, body: `${body}${ORIGIN_MARKER}` }, { signal })
      }
    }
    await store.ledger.complete(key, conversation.id, { threadKey, direction: inbound ? 'inbound' : 'outbound' })
    if (written) return { status: 'already-added', conversationId: conversation.id }
    return { status: 'added', conversationId: conversation.id, newThread: conversation.created }
  }

  /** The thread's conversation, created as the contact with a header on the thread's first message. */
  private async ensureThread(
    thread: MessageThread,
    contactId: string,
    header: string,
    at: number,
    signal: AbortSignal | undefined,
  ): Promise<{ id: string; contactId: string; created: boolean }> {
    const { store, intercom, claims } = this.deps
    const key = messageThreadKey(thread)
    // Replies go on as the contact the conversation belongs to, whoever the number finds today.
    const settled = (step: { externalId: string | null; data: Record<string, unknown> }) =>
      step.externalId
        ? {
            id: step.externalId,
            contactId: typeof step.data.contactId === 'string' ? step.data.contactId : contactId,
            created: false,
          }
        : null
    const known = await store.ledger.get(key)
    const done = known?.status === 'done' ? settled(known) : null
    if (done) return done
    const data = { contactId, ...thread }
    const claim = await claimWhenFree(claims, key, data, signal)
    if (claim.status === 'done') {
      const found = settled(claim.step)
      if (found) return found
    }
    if (claim.status === 'claimed' && claim.resumed !== null) {
      // The create may have landed before the attempt that sent it died.
      const found = await this.findThread(contactId, thread, signal)
      if (found !== null) {
        await store.ledger.complete(key, found, data)
        return { id: found, contactId, created: false }
      }
    }
    const created = await intercom.conversations.create(
      { contactId, body: `${header}${ORIGIN_MARKER_TEXT}`, createdAt: at },
      { signal },
    )
    await store.ledger.complete(key, created.conversation_id, data)
    return { id: created.conversation_id, contactId, created: true }
  }

  private async findThread(
    contactId: string,
    thread: MessageThread,
    signal: AbortSignal | undefined,
  ): Promise<string | null> {
    let read = 0
    const query = conversationQuery.eq('contact_ids', contactId)
    for await (const conversation of this.deps.intercom.conversations.search(query, { perPage: 150, signal })) {
      const parsed = sourceSchema.safeParse(conversation)
      if (parsed.success && hasThreadMarker(parsed.data.source?.body, thread)) return conversation.id
      if (++read >= RECONCILE_LIMIT) break
    }
    return null
  }

  /**
   * Whether the conversation holds this message already: a contact's comment or a note (as the direction wrote
   * it) with the same visible text. Two identical messages in one thread with a crash between are taken as one.
   */
  private async hasPart(
    conversationId: string,
    inbound: boolean,
    body: string,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const needle = visibleText(body)
    const conversation = await this.deps.intercom.conversations.get(conversationId, signal)
    const parts = conversation.conversation_parts?.conversation_parts ?? []
    return parts.some((part) => {
      const byContact = part.part_type === 'comment' && part.author?.type !== 'admin' && part.author?.type !== 'bot'
      const kindMatches = inbound ? byContact : part.part_type === 'note'
      return kindMatches && typeof part.body === 'string' && visibleText(part.body).includes(needle)
    })
  }
}
