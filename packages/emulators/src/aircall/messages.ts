/**
 * SMS/MMS and WhatsApp messages (reference: "Messages (SMS, MMS, WhatsApp)"): the limits a send is checked
 * against, the wire shapes of the send answer and of the `message.*` webhooks, and the receipts that follow a send.
 * Only native (agent conversation) mode exists here: proxy-mode callbacks are not emulated.
 */
import type { EmulatorCore } from './core.js'
import type { AircallMessage, AircallNumber, MessageMedia } from './model.js'
import { formatAircallDigits, toE164 } from './phone.js'
import { serializeContact, serializeNumber } from './serialize.js'

export const SMS_MAX_CHARS = 1600
export const WHATSAPP_MAX_CHARS = 4096

export interface InboundMessageSpec {
  /** The line written to (default: the first line). */
  numberId?: number
  /** The sender, in any international form. */
  from: string
  body?: string | null
  channel?: 'sms' | 'whatsapp'
  /** Attachments, served signed from /_media and listed in `media_details`. */
  media?: Array<{ fileName: string; fileType: string }>
}

export interface OutboundMessageSpec {
  numberId: number
  to: string
  body: string | null
  channel: 'sms' | 'whatsapp'
  userId: number | null
  media: MessageMedia[]
  templateParams?: Record<string, unknown> | null
}

/** Why a text cannot be sent on a channel, or null. */
export function textProblem(channel: 'sms' | 'whatsapp', text: unknown, field: string): string | null {
  if (typeof text !== 'string' || text.trim() === '') return `${field} is required and must be a non-empty string`
  const max = channel === 'sms' ? SMS_MAX_CHARS : WHATSAPP_MAX_CHARS
  return text.length > max ? `${field} is longer than ${max} characters` : null
}

/** Why a line cannot carry a message on `channel`, or null. */
export function channelProblem(line: AircallNumber, channel: 'sms' | 'whatsapp'): string | null {
  return channel === 'whatsapp' && line.whatsapp !== true ? `WhatsApp is not enabled on number ${line.id}` : null
}

/** The customer's 24-hour window is open (or not enforced), so free text may be sent on WhatsApp. */
export function whatsappWindowOpen(core: EmulatorCore, numberId: number, e164: string): boolean {
  const hours = core.settings.whatsappWindowHours
  if (hours <= 0) return true
  const last = core.store.lastInboundAt(numberId, e164, 'whatsapp')
  return last !== null && core.now() - last <= hours * 3_600_000
}

function newMessage(
  core: EmulatorCore,
  fields: Omit<AircallMessage, 'id' | 'createdAt' | 'updatedAt'>,
): AircallMessage {
  const at = core.now()
  // Shaped like the live ids: the creation time in ms, then random characters.
  const message: AircallMessage = { id: `${at}${core.rng.hex(14)}`, createdAt: at, updatedAt: at, ...fields }
  core.store.messages.push(message)
  return message
}

function contactIdOf(core: EmulatorCore, e164: string): number | null {
  for (const c of core.store.contacts.values()) {
    if (c.isShared && c.phoneNumbers.some((p) => toE164(p.value) === e164)) return c.id
  }
  return null
}

/** A received message; emits `message.received` at once. */
export function receiveMessage(core: EmulatorCore, spec: InboundMessageSpec): AircallMessage | string {
  const numberId = spec.numberId ?? core.store.numbers.keys().next().value
  const line = numberId === undefined ? undefined : core.store.numbers.get(numberId)
  if (!line) return `number ${String(spec.numberId)} does not exist`
  const e164 = typeof spec.from === 'string' ? toE164(spec.from) : null
  if (!e164) return 'from must be a phone number in international format'
  const channel = spec.channel ?? 'sms'
  if (channel !== 'sms' && channel !== 'whatsapp') return 'channel must be sms or whatsapp'
  const problem = channelProblem(line, channel)
  if (problem) return problem
  const media = spec.media ?? []
  if (!Array.isArray(media) || !media.every((m) => typeof m?.fileName === 'string' && typeof m.fileType === 'string'))
    return 'media must be an array of {fileName, fileType}'
  const body = spec.body ?? null
  if (body !== null || media.length === 0) {
    const bad = textProblem(channel, body, 'body')
    if (bad) return bad
  }
  const message = newMessage(core, {
    numberId: line.id,
    direction: 'inbound',
    externalNumber: e164,
    body,
    status: 'received',
    channel,
    sentAt: core.now(),
    userId: null,
    contactId: contactIdOf(core, e164),
    media: media.map((m) => ({ fileName: m.fileName, fileType: m.fileType })),
  })
  core.emit('message', 'message.received', messageEventData(core, message))
  return message
}

/** A sent message (status pending), then `message.sent` and `message.status_updated` on the configured delays. */
export function sendMessage(core: EmulatorCore, spec: OutboundMessageSpec): AircallMessage {
  const message = newMessage(core, {
    numberId: spec.numberId,
    direction: 'outbound',
    externalNumber: spec.to,
    body: spec.body,
    status: 'pending',
    channel: spec.channel,
    sentAt: null,
    userId: spec.userId,
    contactId: contactIdOf(core, spec.to),
    media: spec.media,
    ...(spec.templateParams ? { templateParams: spec.templateParams } : {}),
  })
  const { scheduler, settings } = core
  scheduler.after(core.now(), settings.messageSentDelayMs, `message ${message.id} message.sent`, (dueAt) => {
    message.status = 'sent'
    message.sentAt = core.now()
    message.updatedAt = core.now()
    core.emit('message', 'message.sent', messageEventData(core, message))
    scheduler.after(dueAt, settings.messageDeliveredDelayMs, `message ${message.id} message.status_updated`, () => {
      message.status = 'delivered'
      message.updatedAt = core.now()
      core.emit('message', 'message.status_updated', messageEventData(core, message))
    })
  })
  return message
}

function time(core: EmulatorCore, ms: number | null): string | number | null {
  if (ms === null) return null
  return core.settings.messageTimestamps === 'ms' ? ms : new Date(ms).toISOString()
}

function directLink(core: EmulatorCore, m: AircallMessage): string {
  return `${core.baseUrl()}/v1/numbers/${m.numberId}/messages/${m.id}`
}

/** The `data` of message.sent / .received / .status_updated. */
export function messageEventData(core: EmulatorCore, m: AircallMessage): Record<string, unknown> {
  const ctx = core.serializeContext()
  const line = core.store.numbers.get(m.numberId)
  const number = line ? serializeNumber(line, ctx) : null
  const contact = m.contactId === null ? undefined : core.store.contacts.get(m.contactId)
  const out: Record<string, unknown> = {
    id: m.id,
    direct_link: directLink(core, m),
    direction: m.direction,
    // Webhooks show the other party in display form ("+44 7474 626067").
    external_number: formatAircallDigits(m.externalNumber),
    body: m.body,
    status: m.status,
    channel: m.channel === 'whatsapp' ? 'whatsapp' : null,
    origin: 'native',
    created_at: time(core, m.createdAt),
    updated_at: time(core, m.updatedAt),
    sent_at: time(core, m.sentAt),
    number: number
      ? {
          id: number.id,
          name: number.name,
          digits: number.digits,
          country: number.country,
          time_zone: number.time_zone,
          availability_status: number.availability_status,
        }
      : null,
    contact: contact ? serializeContact(contact, ctx, 'webhook') : null,
  }
  if (m.direction === 'inbound') {
    const expires = Math.floor(ctx.nowMs / 1000) + Math.floor(ctx.recordingTtlMs / 1000)
    out.media_details = m.media.map((media) => ({
      file_name: media.fileName,
      file_type: media.fileType,
      presigned_url: ctx.signer.url(
        ctx.baseUrl,
        `/_media/messages/${m.id}/${encodeURIComponent(media.fileName)}`,
        expires,
      ),
    }))
  }
  if (m.channel === 'whatsapp') out.template_content = m.templateParams ?? null
  return out
}

/** The send answer: the message at the top level, no wrapper, `raw_digits` instead of `external_number`. */
export function sendResponse(core: EmulatorCore, m: AircallMessage): Record<string, unknown> {
  return {
    id: m.id,
    status: m.status,
    direct_link: directLink(core, m),
    direction: m.direction,
    created_at: time(core, m.createdAt),
    // The live sample fills sent_at on a send that is still pending.
    sent_at: time(core, m.sentAt ?? m.createdAt),
    updated_at: time(core, m.updatedAt),
    raw_digits: formatAircallDigits(m.externalNumber),
    body: m.body,
    media_url: m.media.flatMap((media) => (media.url ? [media.url] : [])),
  }
}
