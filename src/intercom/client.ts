/**
 * Intercom REST client (Bearer token, pinned `Intercom-Version`, regional hosts).
 *
 * We keep a thin typed client of our own rather than the official `intercom-client` SDK: the SDK weighs
 * about 24 MB, is generated from API 2.14 (we target 2.16: 410 for merged contacts, `formatted_phone`
 * search) and its built-in retries replay any method, including creates, which would duplicate notes and
 * contacts. Here retries follow the method and the caller's `replaySafe`.
 */
import type { z } from 'zod'

import { ConflictError, GoneError } from '../http/errors.js'
import { collect, paginate } from '../http/paginate.js'
import type { RateGate } from '../http/rate-gate.js'
import { HttpClient } from '../http/request.js'
import type { TransportOptions } from '../http/transport-options.js'
import { INTERCOM_ERRORS } from './errors.js'
import { IntercomRateGate } from './rate-gate.js'
import { type ContactField, type ConversationField, type SearchQuery, contactQuery } from './query.js'
import {
  type IntercomAdmin,
  type IntercomAdminMessage,
  type IntercomContact,
  type IntercomConversation,
  type IntercomDataAttribute,
  type IntercomNote,
  type IntercomTag,
  type IntercomTeam,
  type IntercomUserMessage,
  adminListSchema,
  adminMessageSchema,
  contactSearchPageSchema,
  conversationSearchPageSchema,
  dataAttributeListSchema,
  intercomAdminSchema,
  intercomContactSchema,
  intercomConversationSchema,
  intercomDataAttributeSchema,
  intercomNoteSchema,
  intercomTagSchema,
  intercomTeamSchema,
  tagListSchema,
  teamListSchema,
  ticketSchema,
  ticketTypeListSchema,
  userMessageSchema,
} from './schemas.js'

export type IntercomRegion = 'us' | 'eu' | 'au'

export const INTERCOM_BASE_URLS: Record<IntercomRegion, string> = {
  us: 'https://api.intercom.io',
  eu: 'https://api.eu.intercom.io',
  au: 'https://api.au.intercom.io',
}

export const INTERCOM_DEFAULT_VERSION = '2.16'

export interface IntercomClientOptions extends TransportOptions {
  accessToken: string
  region?: IntercomRegion
  /** Overrides the regional host (emulator, proxy). */
  baseUrl?: string
  version?: string
}

export interface WriteOptions {
  /** Allow a replay after a 5xx/timeout: only when a duplicate is harmless or the caller reconciles. */
  replaySafe?: boolean
  signal?: AbortSignal
}

export interface SearchOptions {
  perPage?: number
  sort?: { field: string; order: 'ascending' | 'descending' }
  signal?: AbortSignal
  /** Request each next page while the current one is consumed (whole-collection reads only). */
  readAhead?: boolean
}

export interface ContactInput {
  role?: 'user' | 'lead'
  external_id?: string
  email?: string
  phone?: string
  name?: string
  owner_id?: string | number
  signed_up_at?: number
  last_seen_at?: number
  unsubscribed_from_emails?: boolean
  custom_attributes?: Record<string, string | number | boolean | null>
}

type DataType = 'string' | 'integer' | 'float' | 'boolean' | 'datetime' | 'date'

/** Follow at most this many merges, as Intercom itself resolves up to 3 hops. */
const MAX_MERGE_HOPS = 3

export class IntercomClient {
  readonly http: HttpClient
  readonly version: string

  constructor(options: IntercomClientOptions) {
    this.version = options.version ?? INTERCOM_DEFAULT_VERSION
    const gate =
      options.gate ??
      new IntercomRateGate({
        perMinute: options.perMinute,
        concurrency: options.concurrency,
        clock: options.clock,
        sleep: options.sleep,
      })
    this.http = new HttpClient({
      service: 'intercom',
      baseUrl: options.baseUrl ?? INTERCOM_BASE_URLS[options.region ?? 'us'],
      headers: { authorization: `Bearer ${options.accessToken}`, 'intercom-version': this.version },
      gate,
      errors: INTERCOM_ERRORS,
      transport: options.transport,
      fetch: options.fetch,
      clock: options.clock,
      sleep: options.sleep,
      random: options.random,
      timeoutMs: options.timeoutMs,
      retry: options.retry,
      onEvent: options.onEvent,
    })
  }

  get gate(): RateGate {
    return this.http.gate
  }

  async me(signal?: AbortSignal): Promise<IntercomAdmin> {
    return (await this.http.request({ method: 'GET', path: '/me', schema: intercomAdminSchema, signal })).data
  }

  // ── contacts ─────────────────────────────────────────────────────────────────────────────────────────────

  /** Every contact matching `query`; the cursor travels in the request body, as Intercom requires. */
  searchContacts(query: SearchQuery<ContactField>, options: SearchOptions = {}): AsyncGenerator<IntercomContact> {
    return this.search('/contacts/search', query, contactSearchPageSchema, (p) => p.data, options)
  }

  /** Every user and lead, through search (one ordered cursor, retry-safe). */
  listAllContacts(options: SearchOptions = {}): AsyncGenerator<IntercomContact> {
    return this.searchContacts(contactQuery.or(contactQuery.eq('role', 'user'), contactQuery.eq('role', 'lead')), {
      perPage: 150,
      ...options,
    })
  }

  /**
   * Contacts whose phone is `e164` or one of `variants` (other spellings of the same number). From 2.16
   * Intercom also indexes `formatted_phone` (E.164), which matches whatever format the contact was saved with.
   */
  async findByPhone(e164: string, variants: string[] = [], options: SearchOptions = {}): Promise<IntercomContact[]> {
    const spellings = [...new Set([e164, ...variants])]
    const byPhone = contactQuery.in('phone', spellings)
    const query = supportsFormattedPhone(this.version)
      ? contactQuery.or(contactQuery.eq('formatted_phone', e164), byPhone)
      : byPhone
    return collect(this.searchContacts(query, options), 100)
  }

  async getContact(id: string, signal?: AbortSignal): Promise<IntercomContact> {
    return (await this.http.request({ method: 'GET', path: `/contacts/${id}`, schema: intercomContactSchema, signal }))
      .data
  }

  /** Like getContact, but a merged-away id (410 with a canonical `Link`) resolves to the surviving contact. */
  async getContactFollowingMerges(id: string, signal?: AbortSignal): Promise<IntercomContact> {
    let current = id
    for (let hop = 0; ; hop++) {
      try {
        return await this.getContact(current, signal)
      } catch (error) {
        if (!(error instanceof GoneError) || error.canonicalId === undefined || hop >= MAX_MERGE_HOPS) throw error
        current = error.canonicalId
      }
    }
  }

  /**
   * Creates a contact. Not replayed after a 5xx or timeout unless `replaySafe` (the caller reconciles by
   * searching); a 409 throws ConflictError whose `existingId` names the matching contact.
   */
  async createContact(input: ContactInput, options: WriteOptions = {}): Promise<IntercomContact> {
    const { data } = await this.http.request({
      method: 'POST',
      path: '/contacts',
      body: input,
      schema: intercomContactSchema,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data
  }

  /** Creates the contact, or returns the one Intercom says already matches (search lags behind creates). */
  async createOrGetExisting(
    input: ContactInput,
    options: WriteOptions = {},
  ): Promise<{ contact: IntercomContact; created: boolean }> {
    try {
      return { contact: await this.createContact(input, options), created: true }
    } catch (error) {
      if (!(error instanceof ConflictError) || error.existingId === undefined) throw error
      return { contact: await this.getContactFollowingMerges(error.existingId, options.signal), created: false }
    }
  }

  /** PUT overwrites the given fields, so it is replayed like any idempotent request. */
  async updateContact(id: string, patch: ContactInput, signal?: AbortSignal): Promise<IntercomContact> {
    const { data } = await this.http.request({
      method: 'PUT',
      path: `/contacts/${id}`,
      body: patch,
      schema: intercomContactSchema,
      signal,
    })
    return data
  }

  /** Merges lead `fromId` into user `intoId`; returns the surviving contact. */
  async mergeContacts(
    fromId: string,
    intoId: string,
    options: WriteOptions & { skipDuplicateValidation?: boolean } = {},
  ): Promise<IntercomContact> {
    const { data } = await this.http.request({
      method: 'POST',
      path: '/contacts/merge',
      body: {
        from: fromId,
        into: intoId,
        ...(options.skipDuplicateValidation ? { skip_duplicate_validation: true } : {}),
      },
      schema: intercomContactSchema,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data
  }

  /** Attaches a tag to a contact; attaching twice leaves one tag, so replays are allowed by default. */
  async tagContact(contactId: string, tagId: string, options: WriteOptions = {}): Promise<IntercomTag> {
    const { data } = await this.http.request({
      method: 'POST',
      path: `/contacts/${contactId}/tags`,
      body: { id: tagId },
      schema: intercomTagSchema,
      replaySafe: options.replaySafe ?? true,
      signal: options.signal,
    })
    return data
  }

  async createContactNote(
    contactId: string,
    input: { body: string; adminId: string },
    options: WriteOptions = {},
  ): Promise<IntercomNote> {
    const { data } = await this.http.request({
      method: 'POST',
      path: `/contacts/${contactId}/notes`,
      body: { body: input.body, admin_id: input.adminId },
      schema: intercomNoteSchema,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data
  }

  // ── data attributes ──────────────────────────────────────────────────────────────────────────────────────

  async listDataAttributes(
    model: 'contact' | 'company' = 'contact',
    options: { includeArchived?: boolean; signal?: AbortSignal } = {},
  ): Promise<IntercomDataAttribute[]> {
    const { data } = await this.http.request({
      method: 'GET',
      path: '/data_attributes',
      query: { model, include_archived: options.includeArchived },
      schema: dataAttributeListSchema,
      signal: options.signal,
    })
    return data.data
  }

  async createDataAttribute(
    input: { name: string; model: 'contact' | 'company'; dataType: DataType; description?: string },
    options: WriteOptions = {},
  ): Promise<IntercomDataAttribute> {
    const { data } = await this.http.request({
      method: 'POST',
      path: '/data_attributes',
      body: { name: input.name, model: input.model, data_type: input.dataType, description: input.description },
      schema: intercomDataAttributeSchema,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data
  }

  // ── tickets ──────────────────────────────────────────────────────────────────────────────────────────────

  /** The workspace's ticket types with their attributes (list items by id and label) and allowed states. */
  async listTicketTypes(signal?: AbortSignal): Promise<IntercomTicketType[]> {
    const { data } = await this.http.request({
      method: 'GET',
      path: '/ticket_types',
      schema: ticketTypeListSchema,
      signal,
    })
    return data.data.map((type) => ({
      id: type.id,
      name: type.name,
      category: type.category,
      archived: type.archived ?? false,
      attributes: (type.ticket_type_attributes?.ticket_type_attributes ?? [])
        .filter((attribute) => !attribute.archived)
        .map((attribute) => ({
          id: attribute.id,
          name: attribute.name,
          dataType: attribute.data_type,
          requiredToCreate: attribute.required_to_create ?? false,
          isDefault: attribute.default ?? false,
          listItems: (attribute.input_options?.list_items ?? [])
            .filter((item) => !item.archived)
            .map((item) => ({ id: item.id, label: item.label })),
        })),
      states: (type.ticket_states?.data ?? []).map((state) => ({
        id: state.id,
        category: state.category,
        internalLabel: state.internal_label ?? state.category,
      })),
    }))
  }

  /**
   * A ticket for one contact (`POST /tickets`, answered 200); notifications are skipped since the call already
   * reached the team. Not replay-safe: a lost answer is reconciled by the caller, never sent twice.
   */
  async createTicket(
    input: {
      ticketTypeId: string
      contactId: string
      attributes: Record<string, string | number | boolean | null>
      conversationToLinkId?: string
      createdAt?: number
    },
    options: WriteOptions = {},
  ): Promise<IntercomTicket> {
    const { data } = await this.http.request({
      method: 'POST',
      path: '/tickets',
      body: {
        ticket_type_id: input.ticketTypeId,
        contacts: [{ id: input.contactId }],
        ticket_attributes: input.attributes,
        conversation_to_link_id: input.conversationToLinkId,
        created_at: input.createdAt,
        skip_notifications: true,
      },
      schema: ticketSchema,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return ticketView(data)
  }

  /** Converts a conversation into a ticket of a Customer type (`POST /conversations/{id}/convert`). */
  async convertConversationToTicket(
    conversationId: string,
    input: {
      ticketTypeId: string
      attributes: Record<string, string | number | boolean | null>
      ticketStateId?: string
    },
    options: WriteOptions = {},
  ): Promise<IntercomTicket> {
    const { data } = await this.http.request({
      method: 'POST',
      path: `/conversations/${conversationId}/convert`,
      body: { ticket_type_id: input.ticketTypeId, attributes: input.attributes, ticket_state_id: input.ticketStateId },
      schema: ticketSchema,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return ticketView(data)
  }

  async getTicket(id: string, signal?: AbortSignal): Promise<IntercomTicket> {
    const { data } = await this.http.request({ method: 'GET', path: `/tickets/${id}`, schema: ticketSchema, signal })
    return ticketView(data)
  }

  /** Moves a ticket to a state and/or closes it; setting the same values again changes nothing, so it may replay. */
  async updateTicket(
    id: string,
    patch: { ticketStateId?: string; open?: boolean; adminId?: string },
    options: WriteOptions = {},
  ): Promise<IntercomTicket> {
    const adminId =
      patch.adminId === undefined ? undefined : /^\d+$/.test(patch.adminId) ? Number(patch.adminId) : patch.adminId
    const { data } = await this.http.request({
      method: 'PUT',
      path: `/tickets/${id}`,
      body: { ticket_state_id: patch.ticketStateId, open: patch.open, admin_id: adminId, skip_notifications: true },
      schema: ticketSchema,
      replaySafe: options.replaySafe ?? true,
      signal: options.signal,
    })
    return ticketView(data)
  }

  // ── conversations ────────────────────────────────────────────────────────────────────────────────────────

  /** A conversation started by the contact (`POST /conversations`); the body is plain text. */
  async createConversation(
    input: { contactId: string; body: string; createdAt?: number; fromType?: 'user' | 'lead' | 'contact' },
    options: WriteOptions = {},
  ): Promise<IntercomUserMessage> {
    const { data } = await this.http.request({
      method: 'POST',
      path: '/conversations',
      body: {
        from: { type: input.fromType ?? 'contact', id: input.contactId },
        body: input.body,
        created_at: input.createdAt,
      },
      schema: userMessageSchema,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data
  }

  async getConversation(id: string, signal?: AbortSignal): Promise<IntercomConversation> {
    return (
      await this.http.request({
        method: 'GET',
        path: `/conversations/${id}`,
        schema: intercomConversationSchema,
        signal,
      })
    ).data
  }

  searchConversations(
    query: SearchQuery<ConversationField>,
    options: SearchOptions = {},
  ): AsyncGenerator<IntercomConversation> {
    return this.search('/conversations/search', query, conversationSearchPageSchema, (p) => p.conversations, options)
  }

  /** An internal note on the conversation (never visible to the customer). */
  async addNote(
    conversationId: string,
    input: { adminId: string; body: string },
    options: WriteOptions = {},
  ): Promise<IntercomConversation> {
    return this.conversationAction(
      `/conversations/${conversationId}/reply`,
      { message_type: 'note', type: 'admin', admin_id: input.adminId, body: input.body },
      options,
    )
  }

  /**
   * A comment written as the contact (`type: user`), as if they had sent it through the Messenger: it reaches no
   * one outside the workspace. The body is text (HTML is not documented for contact replies).
   */
  async replyAsContact(
    conversationId: string,
    input: { contactId: string; body: string },
    options: WriteOptions = {},
  ): Promise<IntercomConversation> {
    return this.conversationAction(
      `/conversations/${conversationId}/reply`,
      { message_type: 'comment', type: 'user', intercom_user_id: input.contactId, body: input.body },
      options,
    )
  }

  async closeConversation(
    conversationId: string,
    input: { adminId: string; body?: string },
    options: WriteOptions = {},
  ): Promise<IntercomConversation> {
    return this.conversationAction(
      `/conversations/${conversationId}/parts`,
      { message_type: 'close', type: 'admin', admin_id: input.adminId, body: input.body },
      options,
    )
  }

  async openConversation(
    conversationId: string,
    input: { adminId: string },
    options: WriteOptions = {},
  ): Promise<IntercomConversation> {
    return this.conversationAction(
      `/conversations/${conversationId}/parts`,
      { message_type: 'open', admin_id: input.adminId },
      options,
    )
  }

  /** Assigns to an admin or a team; `assigneeId: "0"` unassigns. */
  async assignConversation(
    conversationId: string,
    input: { adminId: string; assigneeId: string; type?: 'admin' | 'team'; body?: string },
    options: WriteOptions = {},
  ): Promise<IntercomConversation> {
    return this.conversationAction(
      `/conversations/${conversationId}/parts`,
      {
        message_type: 'assignment',
        type: input.type ?? 'admin',
        admin_id: input.adminId,
        assignee_id: input.assigneeId,
        body: input.body,
      },
      options,
    )
  }

  /**
   * Custom attributes must exist as conversation attributes first (unknown names give 400). The answer (the
   * whole conversation, every part included) is not read: no caller needs it, and validating it cost more
   * than the rest of the request.
   */
  async updateConversation(
    conversationId: string,
    input: { customAttributes?: Record<string, string | number | boolean | null>; title?: string; read?: boolean },
    signal?: AbortSignal,
  ): Promise<void> {
    await this.http.request({
      method: 'PUT',
      path: `/conversations/${conversationId}`,
      body: { custom_attributes: input.customAttributes, title: input.title, read: input.read },
      signal,
    })
  }

  async tagConversation(
    conversationId: string,
    input: { tagId: string; adminId: string },
    options: WriteOptions = {},
  ): Promise<IntercomTag> {
    const { data } = await this.http.request({
      method: 'POST',
      path: `/conversations/${conversationId}/tags`,
      body: { id: input.tagId, admin_id: input.adminId },
      schema: intercomTagSchema,
      replaySafe: options.replaySafe ?? true,
      signal: options.signal,
    })
    return data
  }

  // ── messages ─────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * An admin-initiated in-app message; with `createConversation` Intercom opens the conversation at once.
   * The recipient's `type` is the contact's role (the spec allows only `user` or `lead`): pass `contactRole`.
   */
  async sendInAppMessage(
    input: {
      adminId: string
      contactId: string
      contactRole?: 'user' | 'lead'
      body: string
      createConversation?: boolean
    },
    options: WriteOptions = {},
  ): Promise<IntercomAdminMessage> {
    return this.sendMessage(
      {
        // The spec's enum says in_app, but its examples, the SDK and the API use "inapp".
        message_type: 'inapp',
        body: input.body,
        from: { type: 'admin', id: adminIdValue(input.adminId) },
        to: { type: input.contactRole ?? 'user', id: input.contactId },
        create_conversation_without_contact_reply: input.createConversation ?? true,
      },
      options,
    )
  }

  async sendEmailMessage(
    input: {
      adminId: string
      contactId: string
      contactRole?: 'user' | 'lead'
      subject: string
      body: string
      template?: 'plain' | 'personal'
      createConversation?: boolean
    },
    options: WriteOptions = {},
  ): Promise<IntercomAdminMessage> {
    return this.sendMessage(
      {
        message_type: 'email',
        subject: input.subject,
        body: input.body,
        template: input.template ?? 'plain',
        from: { type: 'admin', id: adminIdValue(input.adminId) },
        to: { type: input.contactRole ?? 'user', id: input.contactId },
        create_conversation_without_contact_reply: input.createConversation ?? true,
      },
      options,
    )
  }

  // ── admins, teams, tags ──────────────────────────────────────────────────────────────────────────────────

  async listAdmins(signal?: AbortSignal): Promise<IntercomAdmin[]> {
    return (await this.http.request({ method: 'GET', path: '/admins', schema: adminListSchema, signal })).data.admins
  }

  async listTeams(signal?: AbortSignal): Promise<IntercomTeam[]> {
    return (await this.http.request({ method: 'GET', path: '/teams', schema: teamListSchema, signal })).data.teams
  }

  async getTeam(id: string, signal?: AbortSignal): Promise<IntercomTeam> {
    return (await this.http.request({ method: 'GET', path: `/teams/${id}`, schema: intercomTeamSchema, signal })).data
  }

  async listTags(signal?: AbortSignal): Promise<IntercomTag[]> {
    return (await this.http.request({ method: 'GET', path: '/tags', schema: tagListSchema, signal })).data.data
  }

  /** `POST /tags` upserts by case-insensitive name, so replaying it is harmless. */
  async upsertTag(name: string, signal?: AbortSignal): Promise<IntercomTag> {
    const { data } = await this.http.request({
      method: 'POST',
      path: '/tags',
      body: { name },
      schema: intercomTagSchema,
      replaySafe: true,
      signal,
    })
    return data
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────────────────

  private async conversationAction(
    path: string,
    body: Record<string, unknown>,
    options: WriteOptions,
  ): Promise<IntercomConversation> {
    const { data } = await this.http.request({
      method: 'POST',
      path,
      body,
      schema: intercomConversationSchema,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data
  }

  private async sendMessage(body: Record<string, unknown>, options: WriteOptions): Promise<IntercomAdminMessage> {
    const { data } = await this.http.request({
      method: 'POST',
      path: '/messages',
      body,
      schema: adminMessageSchema,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data
  }

  private search<P extends z.ZodType, T>(
    path: string,
    query: SearchQuery,
    schema: P,
    items: (page: z.infer<P>) => T[],
    options: SearchOptions,
  ): AsyncGenerator<T> {
    return paginate<z.infer<P>, T, { startingAfter?: string }>({
      first: {},
      load: async (cursor) =>
        (
          await this.http.request({
            method: 'POST',
            path,
            body: {
              query,
              pagination: { per_page: options.perPage ?? 50, starting_after: cursor.startingAfter },
              sort: options.sort,
            },
            schema,
            // A search reads only, so replaying it after a failure is safe.
            replaySafe: true,
            signal: options.signal,
          })
        ).data as z.infer<P>,
      items,
      readAhead: options.readAhead ?? false,
      next: (page: z.infer<P>) => {
        const next = (page as { pages?: { next?: { starting_after?: string | null } | null } | null }).pages?.next
          ?.starting_after
        return next ? { startingAfter: next } : null
      },
    })
  }
}

/** `formatted_phone` became a documented search field in 2.16 (and Preview/Unstable, which are newer). */
export function supportsFormattedPhone(version: string): boolean {
  const m = /^(\d+)\.(\d+)$/.exec(version.trim())
  if (!m) return true
  const major = Number(m[1])
  const minor = Number(m[2])
  return major > 2 || (major === 2 && minor >= 16)
}

/** `/messages` documents `from.id` as an integer; admin ids are numeric strings everywhere else. */
function adminIdValue(adminId: string): string | number {
  return /^\d+$/.test(adminId) && Number.isSafeInteger(Number(adminId)) ? Number(adminId) : adminId
}

export interface IntercomTicketType {
  id: string
  name: string
  category: 'Customer' | 'Back-office' | 'Tracker'
  archived: boolean
  attributes: Array<{
    id: string
    name: string
    dataType: string
    requiredToCreate: boolean
    isDefault: boolean
    listItems: Array<{ id: string; label: string }>
  }>
  states: Array<{ id: string; category: string; internalLabel: string }>
}

export interface IntercomTicket {
  id: string
  ticketId: string | null
  category: string | null
  open: boolean
  stateId: string | null
  stateCategory: string | null
  contactIds: string[]
  linkedConversationIds: string[]
  attributes: Record<string, unknown>
}

const ticketView = (ticket: z.infer<typeof ticketSchema>): IntercomTicket => ({
  id: ticket.id,
  ticketId: ticket.ticket_id ?? null,
  category: ticket.category ?? null,
  open: ticket.open ?? true,
  stateId: ticket.ticket_state?.id ?? null,
  stateCategory: ticket.ticket_state?.category ?? null,
  contactIds: (ticket.contacts?.contacts ?? []).map((contact) => contact.id),
  linkedConversationIds: (ticket.linked_objects?.data ?? [])
    .filter((item) => item.type === 'conversation')
    .map((item) => item.id),
  attributes: { ...(ticket.ticket_attributes ?? {}) },
})
