import { z } from 'zod'

import type { AircallCallLike } from '../domain/call-record.js'

/*
 * Aircall API objects as we read them. Fields we rely on are required; everything else is optional or
 * nullable, and `.passthrough()` keeps unknown fields so a new API field never breaks a sync.
 * See shared/reference/aircall-api.md §4–§6.
 */

const nullableString = z.string().nullish()

export const aircallMetaSchema = z
  .object({
    total: z.number().int(),
    current_page: z.number().int(),
    per_page: z.number().int(),
    count: z.number().int().optional(),
    next_page_link: z.string().nullish(),
    previous_page_link: z.string().nullish(),
  })
  .passthrough()
export type AircallMeta = z.infer<typeof aircallMetaSchema>

export const aircallUserSchema = z
  .object({
    id: z.number().int(),
    name: nullableString,
    email: nullableString,
    available: z.boolean().optional(),
    availability_status: nullableString,
    time_zone: nullableString,
    default_number_id: z.number().int().nullish(),
  })
  .passthrough()
export type AircallUser = z.infer<typeof aircallUserSchema>

export const aircallNumberSchema = z
  .object({
    id: z.number().int(),
    name: nullableString,
    digits: nullableString,
    country: nullableString,
    time_zone: nullableString,
  })
  .passthrough()
export type AircallNumber = z.infer<typeof aircallNumberSchema>

export const aircallTeamSchema = z
  .object({ id: z.number().int(), name: z.string(), users: z.array(aircallUserSchema).optional() })
  .passthrough()
export type AircallTeam = z.infer<typeof aircallTeamSchema>

export const aircallTagSchema = z
  .object({ id: z.number().int(), name: z.string(), color: nullableString, description: nullableString })
  .passthrough()
export type AircallTag = z.infer<typeof aircallTagSchema>

const contactDetailSchema = z
  .object({ id: z.number().int().optional(), label: nullableString, value: z.string() })
  .passthrough()

export const aircallContactSchema = z
  .object({
    id: z.number().int(),
    first_name: nullableString,
    last_name: nullableString,
    company_name: nullableString,
    information: nullableString,
    phone_numbers: z.array(contactDetailSchema).default([]),
    emails: z.array(contactDetailSchema).default([]),
    created_at: z.union([z.number(), z.string()]).optional(),
    updated_at: z.union([z.number(), z.string()]).optional(),
  })
  .passthrough()
export type AircallContact = z.infer<typeof aircallContactSchema>

export const aircallCommentSchema = z
  .object({ id: z.number().int().optional(), content: z.string(), posted_at: z.number().nullish() })
  .passthrough()

export const aircallCallTagSchema = z.object({ id: z.number().int(), name: z.string() }).passthrough()

const aircallCallTeamSchema = z.object({ id: z.number().int(), name: nullableString }).passthrough()

/**
 * The Call object (§5) as webhooks carry it in `data` and stored jobs keep it: every field may be null while it
 * does not apply (answered_at, ended_at, user, contact…), and webhooks name the call by `call_uuid`, not `sid`.
 * The REST schema below is the same object with what the API always sets required.
 */
export const aircallCallDataSchema = z.object({
  id: z.union([z.number(), z.string().min(1)]),
  sid: nullableString,
  call_uuid: nullableString,
  direction: nullableString,
  status: nullableString,
  started_at: z.number().nullish(),
  answered_at: z.number().nullish(),
  ended_at: z.number().nullish(),
  duration: z.number().nullish(),
  /** Formatted international number with spaces/dashes, or the literal "anonymous". */
  raw_digits: nullableString,
  missed_call_reason: nullableString,
  /** Read only for its presence: the URL itself expires like `recording`. */
  voicemail: nullableString,
  voicemail_short_url: nullableString,
  recording: nullableString,
  /** The permanent link to log (recording URLs expire). */
  asset: nullableString,
  archived: z.boolean().nullish(),
  cost: z.union([z.string(), z.number()]).nullish(),
  user: aircallUserSchema.partial().nullish(),
  number: aircallNumberSchema.partial().nullish(),
  contact: aircallContactSchema.partial().nullish(),
  tags: z.array(aircallCallTagSchema.partial()).nullish(),
  comments: z.array(aircallCommentSchema.partial()).nullish(),
  teams: z.array(aircallCallTeamSchema.partial()).nullish(),
}) satisfies z.ZodType<AircallCallLike, unknown>

export const aircallCallSchema = aircallCallDataSchema
  .extend({
    id: z.number().int(),
    direction: z.string(),
    status: z.string(),
    started_at: z.number().int(),
    answered_at: z.number().int().nullish(),
    ended_at: z.number().int().nullish(),
    archived: z.boolean().optional(),
    user: aircallUserSchema.nullish(),
    number: aircallNumberSchema.nullish(),
    contact: aircallContactSchema.nullish(),
    tags: z.array(aircallCallTagSchema).optional(),
    comments: z.array(aircallCommentSchema).optional(),
    teams: z.array(aircallCallTeamSchema).optional(),
  })
  .passthrough()
export type AircallCall = z.infer<typeof aircallCallSchema>

export const aircallWebhookSchema = z
  .object({
    webhook_id: z.string(),
    id: z.number().int().optional(),
    url: z.string(),
    active: z.boolean(),
    events: z.array(z.string()),
    token: z.string().optional(),
    custom_name: nullableString,
  })
  .passthrough()
export type AircallWebhook = z.infer<typeof aircallWebhookSchema>

export const aircallDialerCampaignSchema = z
  .object({ id: z.number().int(), number_id: z.number().int().nullish() })
  .passthrough()
export type AircallDialerCampaign = z.infer<typeof aircallDialerCampaignSchema>

export const aircallDialerNumberSchema = z
  .object({ id: z.number().int(), number: z.string(), called: z.boolean().optional() })
  .passthrough()
export type AircallDialerNumber = z.infer<typeof aircallDialerNumberSchema>

export const aircallCompanySchema = z
  .object({ name: z.string(), users_count: z.number().optional(), numbers_count: z.number().optional() })
  .passthrough()
export type AircallCompany = z.infer<typeof aircallCompanySchema>

/** `{ <key>: T[], meta }`, the envelope of every Aircall list, as `{ items, meta }`. */
export function aircallPageSchema<T extends z.ZodType>(key: string, item: T) {
  return z
    .object({ [key]: z.array(item), meta: aircallMetaSchema })
    .passthrough()
    .transform((page) => ({ items: page[key] as Array<z.infer<T>>, meta: page.meta as AircallMeta }))
}

export const pingSchema = z.object({ ping: z.string() }).passthrough()
export const callEnvelope = z.object({ call: aircallCallSchema }).passthrough()
export const contactEnvelope = z.object({ contact: aircallContactSchema }).passthrough()
export const userEnvelope = z.object({ user: aircallUserSchema }).passthrough()
export const tagEnvelope = z.object({ tag: aircallTagSchema }).passthrough()
export const webhookEnvelope = z.object({ webhook: aircallWebhookSchema }).passthrough()
export const companyEnvelope = z.object({ company: aircallCompanySchema }).passthrough()
export const dialerCampaignEnvelope = z.object({ dialer_campaign: aircallDialerCampaignSchema }).passthrough()
export const dialerNumbersEnvelope = z.object({ numbers: z.array(aircallDialerNumberSchema) }).passthrough()

/** An insight card block (`title`, `shortText`, …); unknown types are passed through as given. */
export interface InsightCardContent {
  type: 'title' | 'shortText' | (string & {})
  text: string
  label?: string
  link?: string
  user_id?: number
}
