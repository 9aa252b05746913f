import { z } from 'zod'

/**
 * Conversation-intelligence entities (reference: "Conversation intelligence, voicemail and messages"). Sources
 * disagree on call_id's type (numeric string on summary.created, int elsewhere), so it is coerced to a string;
 * shapes the sources leave unconfirmed (sentiments, topics, action items) are read leniently.
 */
const callId = z.union([z.string().regex(/^\d+$/), z.number().int()]).transform(String)

export const utteranceSchema = z
  .object({
    start_time: z.number(),
    end_time: z.number().optional(),
    text: z.string(),
    participant_type: z.enum(['internal', 'external']),
    user_id: z.number().int().nullish(),
    phone_number: z.string().nullish(),
  })
  .passthrough()

export const transcriptionSchema = z
  .object({
    call_id: callId,
    type: z.enum(['call', 'voicemail']).optional(),
    content: z.object({ language: z.string().nullish(), utterances: z.array(utteranceSchema) }).passthrough(),
  })
  .passthrough()

export const summarySchema = z.object({ call_id: callId.optional(), content: z.string() }).passthrough()

export const sentimentItemSchema = z
  .object({ phone_number: z.string().nullish(), type: z.string().nullish(), value: z.string() })
  .passthrough()

export const AI_EVENTS = [
  'summary.created',
  'transcription.created',
  'sentiment.created',
  'topics.created',
  'action_item.created',
  'custom_summary.result_created',
] as const
export type AiEventName = (typeof AI_EVENTS)[number]

export const isAiEvent = (event: string): event is AiEventName => (AI_EVENTS as readonly string[]).includes(event)

/** The ledger step of one kind of insight on one call: a redelivered event finds it done. */
export const aiStepKey = (callIdValue: string, kind: AiEventName): string => `call:${callIdValue}:ai:${kind}`

/** `{summary: {...}}` or `{transcription: {...}}`: the entity is validated by the note that reads it. */
export const insightEnvelope = z
  .object({
    summary: z.record(z.string(), z.unknown()).optional(),
    transcription: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough()
