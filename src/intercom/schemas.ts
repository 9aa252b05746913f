import { z } from 'zod'

/*
 * Intercom API objects as we read them (versions 2.11–2.16). Required fields are the ones our code reads;
 * the rest is optional, and `.passthrough()` tolerates new fields. See shared/reference/intercom-api.md §3.
 */

const nullableString = z.string().nullish()
/** Ids documented as strings that some versions or examples send as numbers (admin ids, message ids). */
const idLike = z.union([z.string(), z.number()]).transform(String)

const namedRefSchema = z.object({ id: idLike.nullish(), name: nullableString }).passthrough()
/**
 * 2.x lists references as `{type: 'list', data: [...]}`; some payloads send the bare array. A list in a shape we
 * do not know reads as empty rather than failing the whole contact: the rules then see no tags.
 */
const refListSchema = z
  .union([z.array(namedRefSchema), z.object({ data: z.array(namedRefSchema) }).passthrough()])
  .transform((refs) => (Array.isArray(refs) ? refs : refs.data))
  .nullish()
  .catch(null)

export const intercomContactSchema = z
  .object({
    type: z.literal('contact').optional(),
    id: z.string(),
    role: z.string(),
    external_id: nullableString,
    email: nullableString,
    phone: nullableString,
    /** E.164 form; present on 2.16 responses. */
    formatted_phone: nullableString,
    name: nullableString,
    owner_id: z.union([z.string(), z.number()]).nullish(),
    created_at: z.number().nullish(),
    updated_at: z.number().nullish(),
    last_seen_at: z.number().nullish(),
    custom_attributes: z.record(z.string(), z.unknown()).nullish(),
    /** Tag references; the name is present on some versions only, the id on all. */
    tags: refListSchema,
    companies: refListSchema,
  })
  .passthrough()
export type IntercomContact = z.infer<typeof intercomContactSchema>

const cursorPagesSchema = z
  .object({
    next: z.object({ starting_after: z.string().nullish() }).passthrough().nullish(),
  })
  .passthrough()
  .nullish()

export const contactSearchPageSchema = z
  .object({ data: z.array(intercomContactSchema), total_count: z.number().optional(), pages: cursorPagesSchema })
  .passthrough()

const partAuthorSchema = z.object({ type: nullableString, id: idLike.nullish() }).passthrough()

/** One entry of a conversation's `conversation_parts`: a note, a comment, an assignment, a state change. */
export const intercomConversationPartSchema = z
  .object({
    type: z.literal('conversation_part').optional(),
    id: idLike,
    part_type: nullableString,
    body: nullableString,
    created_at: z.number().nullish(),
    author: partAuthorSchema.nullish(),
    /** `{type: 'nobody_admin', id: null}` when a conversation is unassigned. */
    assigned_to: partAuthorSchema.nullish(),
  })
  .passthrough()
export type IntercomConversationPart = z.infer<typeof intercomConversationPartSchema>

const linkedObjectSchema = z.object({ type: z.string(), id: idLike }).passthrough()

export const intercomConversationSchema = z
  .object({
    type: z.literal('conversation').optional(),
    id: idLike,
    title: nullableString,
    created_at: z.number().nullish(),
    updated_at: z.number().nullish(),
    state: z.string().optional(),
    open: z.boolean().optional(),
    /** `0` means unassigned on 2.16, `null` on 2.14. */
    admin_assignee_id: z.union([z.string(), z.number()]).nullish(),
    team_assignee_id: z.union([z.string(), z.number()]).nullish(),
    custom_attributes: z.record(z.string(), z.unknown()).nullish(),
    contacts: z
      .object({ contacts: z.array(z.object({ id: z.string() }).passthrough()) })
      .passthrough()
      .nullish(),
    /** The first message; a search result carries it without the parts that followed. */
    source: z
      .object({ id: idLike.nullish(), type: nullableString, body: nullableString, author: partAuthorSchema.nullish() })
      .passthrough()
      .nullish(),
    conversation_parts: z
      .object({ conversation_parts: z.array(intercomConversationPartSchema) })
      .passthrough()
      .nullish(),
    /** The tickets linked to the conversation (2.16 `linked_object_list`). */
    linked_objects: z
      .object({ data: z.array(linkedObjectSchema) })
      .passthrough()
      .nullish(),
    /** A conversation converted into a Customer ticket names the ticket it became. */
    ticket: z.object({ id: idLike }).passthrough().nullish(),
  })
  .passthrough()
export type IntercomConversation = z.infer<typeof intercomConversationSchema>

export const conversationSearchPageSchema = z
  .object({
    conversations: z.array(intercomConversationSchema),
    total_count: z.number().optional(),
    pages: cursorPagesSchema,
  })
  .passthrough()

/** `POST /conversations` answers with the contact's message, which names the new conversation. */
export const userMessageSchema = z
  .object({ type: z.string().optional(), id: idLike, conversation_id: idLike })
  .passthrough()
export type IntercomUserMessage = z.infer<typeof userMessageSchema>

/** `POST /messages` answers with the admin message; a conversation id only when one was created. */
export const adminMessageSchema = z
  .object({
    type: z.string().optional(),
    id: idLike,
    conversation_id: idLike.nullish(),
    message_type: z.string().optional(),
  })
  .passthrough()
export type IntercomAdminMessage = z.infer<typeof adminMessageSchema>

export const intercomAdminSchema = z
  .object({
    id: idLike,
    name: nullableString,
    email: nullableString,
    away_mode_enabled: z.boolean().optional(),
    /** Present on `/me` only: the workspace it answers for. */
    app: z.object({ id_code: nullableString }).passthrough().nullish(),
  })
  .passthrough()
export type IntercomAdmin = z.infer<typeof intercomAdminSchema>

export const adminListSchema = z.object({ admins: z.array(intercomAdminSchema) }).passthrough()

export const intercomTeamSchema = z
  .object({ id: idLike, name: z.string(), admin_ids: z.array(z.union([z.string(), z.number()])).optional() })
  .passthrough()
export type IntercomTeam = z.infer<typeof intercomTeamSchema>

export const teamListSchema = z.object({ teams: z.array(intercomTeamSchema) }).passthrough()

export const intercomTagSchema = z.object({ id: idLike, name: z.string() }).passthrough()
export type IntercomTag = z.infer<typeof intercomTagSchema>

export const tagListSchema = z.object({ data: z.array(intercomTagSchema) }).passthrough()

export const intercomDataAttributeSchema = z
  .object({
    name: z.string(),
    model: z.string().optional(),
    data_type: z.string(),
    full_name: nullableString,
    id: z.number().nullish(),
    archived: z.boolean().optional(),
    api_writable: z.boolean().optional(),
    custom: z.boolean().optional(),
  })
  .passthrough()
export type IntercomDataAttribute = z.infer<typeof intercomDataAttributeSchema>

export const dataAttributeListSchema = z.object({ data: z.array(intercomDataAttributeSchema) }).passthrough()

export const intercomNoteSchema = z.object({ id: idLike, body: nullableString }).passthrough()
export type IntercomNote = z.infer<typeof intercomNoteSchema>

// ── tickets (reference "Tickets, conversation attributes and conversion") ─────────────────────────────────────

const ticketStateSchema = z
  .object({ id: idLike, category: z.string(), internal_label: z.string().nullish() })
  .passthrough()

const ticketTypeAttributeSchema = z
  .object({
    id: idLike,
    name: z.string(),
    data_type: z.string(),
    required_to_create: z.boolean().nullish(),
    default: z.boolean().nullish(),
    archived: z.boolean().nullish(),
    input_options: z
      .object({
        list_items: z
          .array(z.object({ id: idLike, label: z.string(), archived: z.boolean().nullish() }).passthrough())
          .nullish(),
      })
      .passthrough()
      .nullish(),
  })
  .passthrough()

export const ticketTypeSchema = z
  .object({
    id: idLike,
    name: z.string(),
    category: z.enum(['Customer', 'Back-office', 'Tracker']),
    archived: z.boolean().nullish(),
    ticket_type_attributes: z
      .object({ ticket_type_attributes: z.array(ticketTypeAttributeSchema).nullish() })
      .passthrough()
      .nullish(),
    ticket_states: z
      .object({ data: z.array(ticketStateSchema).nullish() })
      .passthrough()
      .nullish(),
  })
  .passthrough()
export const ticketTypeListSchema = z.object({ data: z.array(ticketTypeSchema) }).passthrough()

export const ticketSchema = z
  .object({
    type: z.literal('ticket').optional(),
    id: idLike,
    ticket_id: idLike.nullish(),
    category: z.string().nullish(),
    open: z.boolean().nullish(),
    ticket_state: ticketStateSchema.nullish(),
    ticket_attributes: z.record(z.string(), z.unknown()).nullish(),
    contacts: z
      .object({ contacts: z.array(z.object({ id: z.string() }).passthrough()) })
      .passthrough()
      .nullish(),
    linked_objects: z
      .object({ data: z.array(z.object({ type: z.string(), id: idLike }).passthrough()) })
      .passthrough()
      .nullish(),
  })
  .passthrough()
