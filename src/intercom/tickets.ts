import type { z } from 'zod'

import type { IntercomRequester, WriteOptions } from './requester.js'
import { ticketSchema, ticketTypeListSchema } from './schemas.js'

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

export class IntercomTickets {
  constructor(private readonly api: IntercomRequester) {}

  /** The workspace's ticket types with their attributes (list items by id and label) and allowed states. */
  async listTypes(signal?: AbortSignal): Promise<IntercomTicketType[]> {
    const { data } = await this.api.http.request({
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
  async create(
    input: {
      ticketTypeId: string
      contactId: string
      attributes: Record<string, string | number | boolean | null>
      conversationToLinkId?: string
      createdAt?: number
    },
    options: WriteOptions = {},
  ): Promise<IntercomTicket> {
    const { data } = await this.api.http.request({
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
  async convertConversation(
    conversationId: string,
    input: {
      ticketTypeId: string
      attributes: Record<string, string | number | boolean | null>
      ticketStateId?: string
    },
    options: WriteOptions = {},
  ): Promise<IntercomTicket> {
    const { data } = await this.api.http.request({
      method: 'POST',
      path: `/conversations/${conversationId}/convert`,
      body: { ticket_type_id: input.ticketTypeId, attributes: input.attributes, ticket_state_id: input.ticketStateId },
      schema: ticketSchema,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return ticketView(data)
  }

  async get(id: string, signal?: AbortSignal): Promise<IntercomTicket> {
    const { data } = await this.api.http.request({
      method: 'GET',
      path: `/tickets/${id}`,
      schema: ticketSchema,
      signal,
    })
    return ticketView(data)
  }

  /** Moves a ticket to a state and/or closes it; setting the same values again changes nothing, so it may replay. */
  async update(
    id: string,
    patch: { ticketStateId?: string; open?: boolean; adminId?: string },
    options: WriteOptions = {},
  ): Promise<IntercomTicket> {
    const adminId =
      patch.adminId === undefined ? undefined : /^\d+$/.test(patch.adminId) ? Number(patch.adminId) : patch.adminId
    const { data } = await this.api.http.request({
      method: 'PUT',
      path: `/tickets/${id}`,
      body: { ticket_state_id: patch.ticketStateId, open: patch.open, admin_id: adminId, skip_notifications: true },
      schema: ticketSchema,
      replaySafe: options.replaySafe ?? true,
      signal: options.signal,
    })
    return ticketView(data)
  }
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
