import { z } from 'zod'

/**
 * The `data` of Aircall's `message.*` webhooks (reference: "Messages (SMS, MMS, WhatsApp)"). The sources
 * disagree on several types, so the schema accepts each variant they show: the id as a string or a number,
 * timestamps as ISO strings or UNIX milliseconds, media as `media_details` (webhooks) or `media_url` (send
 * responses). MORF's sample nulls the PII fields, so nearly everything may be null.
 */

export const MESSAGE_EVENTS = ['message.received', 'message.sent', 'message.status_updated'] as const
export type MessageEventName = (typeof MESSAGE_EVENTS)[number]

export const isMessageEvent = (event: string): event is MessageEventName =>
  (MESSAGE_EVENTS as readonly string[]).includes(event)

const idText = z.union([z.string().trim().min(1), z.number().int()]).transform(String)

/** UNIX seconds; a number this large is milliseconds (the year 5138 in seconds). */
const MS_THRESHOLD = 1e11

const timestamp = z
  .union([z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'not a date'), z.number().nonnegative()])
  .nullish()
  .transform((value): number | null => {
    if (value === null || value === undefined) return null
    if (typeof value === 'string') return Math.floor(Date.parse(value) / 1000)
    return Math.floor(value >= MS_THRESHOLD ? value / 1000 : value)
  })

const mediaDetail = z.looseObject({
  file_name: z.string().nullish(),
  file_type: z.string().nullish(),
  presigned_url: z.string().min(1),
})

export const messageLineSchema = z.looseObject({
  id: idText,
  name: z.string().nullish(),
  digits: z.string().nullish(),
  country: z.string().nullish(),
  time_zone: z.string().nullish(),
})

const contactSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  company_name: z.string().nullish(),
  emails: z.array(z.looseObject({ value: z.string().nullish() })).nullish(),
  phone_numbers: z.array(z.looseObject({ value: z.string().nullish() })).nullish(),
})

export const aircallMessageSchema = z.looseObject({
  id: idText,
  direction: z.enum(['inbound', 'outbound']).nullish(),
  /** The other party, in display form on webhooks (`"+44 7474 626067"`). */
  external_number: z.string().nullish(),
  body: z.string().nullish(),
  status: z.string().nullish(),
  /** null is SMS/MMS; other values than "whatsapp" are kept so they can be named when skipped. */
  channel: z.string().nullish(),
  created_at: timestamp,
  sent_at: timestamp,
  updated_at: timestamp,
  number: messageLineSchema,
  contact: contactSchema.nullish(),
  media_details: z.array(mediaDetail).nullish(),
  media_url: z.array(z.string().min(1)).nullish(),
  template_content: z.unknown().optional(),
  direct_link: z.string().nullish(),
})
export type AircallMessage = z.infer<typeof aircallMessageSchema>

export type MessageChannel = 'sms' | 'whatsapp'

/** `null` (or absent) is SMS/MMS; anything Aircall adds later is returned as sent, for the skip reason. */
export const channelOf = (message: Pick<AircallMessage, 'channel'>): string => {
  const channel = message.channel?.trim().toLowerCase()
  if (channel === undefined || channel === '' || channel === 'sms' || channel === 'mms') return 'sms'
  return channel
}

export interface MessageMedia {
  name: string
  url: string
}

/** Webhook attachments and send-response URLs alike, each once. */
export const mediaOf = (message: Pick<AircallMessage, 'media_details' | 'media_url'>): MessageMedia[] => {
  const media: MessageMedia[] = []
  const seen = new Set<string>()
  const add = (url: string, name: string | null | undefined): void => {
    if (seen.has(url)) return
    seen.add(url)
    media.push({ name: name?.trim() || `attachment ${media.length + 1}`, url })
  }
  for (const detail of message.media_details ?? []) add(detail.presigned_url, detail.file_name)
  for (const url of message.media_url ?? []) add(url, null)
  return media
}
