/**
 * Tickets, ticket types and ticket states as the 2.16 description has them (reference "Tickets, conversation
 * attributes and conversion", T.1–T.8): create with the documented link pairs, update state and open, convert a
 * conversation into a Customer ticket. Attributes are checked against the ticket type, list values by item id.
 */
import type { ApiContext, ApiReply } from './context.js'
import { requireContact } from './contacts.js'
import { requireConversation } from './conversations.js'
import { ApiError, invalid, missing } from './errors.js'
import type { RouteDef } from './routes.js'
import type { ContactRecord, PartAuthor, Workspace } from './state.js'
import type {
  TicketAttributeValue,
  TicketCategory,
  TicketRecord,
  Ticketing,
  TicketStateRecord,
  TicketTypeAttributeRecord,
  TicketTypeRecord,
} from './ticket-records.js'
import { linkedTicketsOf } from './ticket-records.js'

const DEFAULT_STATES: TicketStateRecord[] = [
  { id: '8301', category: 'submitted', internalLabel: 'Submitted', externalLabel: 'Submitted', archived: false },
  { id: '8302', category: 'in_progress', internalLabel: 'In progress', externalLabel: 'In progress', archived: false },
  {
    id: '8303',
    category: 'waiting_on_customer',
    internalLabel: 'Waiting on customer',
    externalLabel: 'Waiting on you',
    archived: false,
  },
  { id: '8304', category: 'resolved', internalLabel: 'Resolved', externalLabel: 'Resolved', archived: false },
]

const defaultAttributes = (): TicketTypeAttributeRecord[] => [
  {
    id: '1',
    name: '_default_title_',
    description: 'Title',
    dataType: 'string',
    requiredToCreate: false,
    isDefault: true,
    listItems: [],
    order: 0,
  },
  {
    id: '2',
    name: '_default_description_',
    description: 'Description',
    dataType: 'string',
    requiredToCreate: false,
    isDefault: true,
    listItems: [],
    order: 1,
  },
]

/**
 * The seeded workspace's ticket types: a Customer type (conversations convert into it), a Back-office type with a
 * string and a list attribute (a call follow-up, linked to the call's conversation) and a Tracker type.
 */
export function seedTicketing(ticketing: Ticketing, nowSec: number): void {
  ticketing.states = DEFAULT_STATES.map((state) => ({ ...state }))
  ticketing.tickets.clear()
  const stateIds = ticketing.states.map((state) => state.id)
  const type = (
    id: string,
    name: string,
    category: TicketCategory,
    icon: string,
    extra: TicketTypeAttributeRecord[] = [],
  ): TicketTypeRecord => ({
    id,
    name,
    description: `${name} (emulator)`,
    icon,
    category,
    archived: false,
    createdAt: nowSec,
    updatedAt: nowSec,
    attributes: [...defaultAttributes(), ...extra],
    stateIds,
  })
  ticketing.types = [
    type('88', 'Call follow-up', 'Customer', '📞'),
    type('89', 'Voicemail callback', 'Back-office', '📼', [
      {
        id: '11',
        name: 'Aircall line',
        description: 'The line the call came in on',
        dataType: 'string',
        requiredToCreate: false,
        isDefault: false,
        listItems: [],
        order: 2,
      },
      {
        id: '12',
        name: 'Priority',
        description: 'How soon to call back',
        dataType: 'list',
        requiredToCreate: false,
        isDefault: false,
        listItems: [
          { id: '3ae1c0de-0001-4c0f-9a0b-000000000001', label: 'Low' },
          { id: '3ae1c0de-0002-4c0f-9a0b-000000000002', label: 'High' },
        ],
        order: 3,
      },
    ]),
    type('90', 'Phone system issue', 'Tracker', '🐞'),
  ]
}

const ticketNotFound = (): ApiError => new ApiError(404, 'ticket_not_found', 'Ticket not found')

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const idOf = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : null

function requireType(ws: Workspace, id: unknown): TicketTypeRecord {
  const typeId = idOf(id)
  const type = typeId === null ? undefined : ws.ticketing.types.find((candidate) => candidate.id === typeId)
  if (!type) throw new ApiError(404, 'not_found', 'Ticket type not found')
  return type
}

function requireTicket(ws: Workspace, id: string | undefined): TicketRecord {
  const ticket = id === undefined ? undefined : ws.ticketing.tickets.get(id)
  if (!ticket) throw ticketNotFound()
  return ticket
}

const stateOf = (ws: Workspace, id: string): TicketStateRecord => {
  const state = ws.ticketing.states.find((candidate) => candidate.id === id)
  if (!state) throw new Error(`ticket state ${id} is not in the workspace`)
  return state
}

/** Values per attribute type; a list takes one of its item ids, as the description says. */
function checkAttributes(
  type: TicketTypeRecord,
  input: unknown,
  creating: boolean,
): Record<string, TicketAttributeValue> {
  if (input !== undefined && !isRecord(input)) throw invalid('ticket_attributes must be an object', 'ticket_attributes')
  const values: Record<string, TicketAttributeValue> = {}
  for (const [name, value] of Object.entries(input ?? {})) {
    const attribute = type.attributes.find((candidate) => candidate.name === name)
    if (!attribute) throw invalid(`Ticket attribute ${name} does not exist for this ticket type`, 'ticket_attributes')
    const fail = (what: string): never => {
      throw invalid(`Ticket attribute ${name} must be ${what}`, 'ticket_attributes')
    }
    if (value !== null) {
      switch (attribute.dataType) {
        case 'string':
        case 'datetime':
          if (typeof value !== 'string') fail('a string')
          break
        case 'integer':
          if (typeof value !== 'number' || !Number.isInteger(value)) fail('an integer')
          break
        case 'decimal':
          if (typeof value !== 'number') fail('a number')
          break
        case 'boolean':
          if (typeof value !== 'boolean') fail('a boolean')
          break
        case 'list':
          if (typeof value !== 'string' || !attribute.listItems.some((item) => item.id === value)) {
            fail('the id of one of its list items')
          }
          break
        case 'files':
          if (!Array.isArray(value)) fail('a list of files')
          break
      }
    }
    values[name] = value as TicketAttributeValue
  }
  if (creating) {
    const absent = type.attributes.filter((attribute) => attribute.requiredToCreate && values[attribute.name] == null)
    if (absent.length > 0) throw invalid('Missing required ticket attributes', 'ticket_attributes')
  }
  return values
}

function contactFor(ctx: ApiContext, contacts: unknown): ContactRecord {
  if (!Array.isArray(contacts) || contacts.length === 0) throw missing('contacts')
  if (contacts.length > 1) throw invalid('Currently only one contact is allowed', 'contacts')
  const [reference] = contacts as unknown[]
  if (!isRecord(reference)) throw invalid('contacts must hold objects', 'contacts')
  if (typeof reference.id === 'string') return requireContact(ctx, reference.id)
  const index = ctx.ws.contactIndex
  const found =
    typeof reference.external_id === 'string'
      ? (index.externalId.lookup(reference.external_id) ?? [])
      : typeof reference.email === 'string'
        ? (index.email.lookup(reference.email) ?? [])
        : null
  if (found === null) throw invalid('A contact needs an id, external_id or email', 'contacts')
  const contact = [...found].find((candidate) => candidate.mergedInto === null)
  if (contact) return contact
  if (typeof reference.email !== 'string') throw new ApiError(404, 'not_found', 'User Not Found')
  // "If a contact with this email does not exist, one will be created."
  const now = ctx.nowSec()
  const created: ContactRecord = {
    id: ctx.ws.contactId(),
    role: 'lead',
    name: null,
    email: reference.email,
    phone: null,
    externalId: null,
    ownerId: null,
    avatar: null,
    signedUpAt: null,
    lastSeenAt: null,
    unsubscribedFromEmails: false,
    createdAt: now,
    updatedAt: now,
    searchableFromMs: ctx.nowMs() + ctx.config.searchLagMs,
    customAttributes: {},
    tags: [],
    mergedInto: null,
    mergeHistory: [],
  }
  ctx.ws.contacts.set(created.id, created)
  return created
}

const adminAuthorOf = (ws: Workspace, adminId: string | null): PartAuthor => {
  const admin = adminId === null ? undefined : ws.admins.get(adminId)
  return admin
    ? { type: 'admin', id: admin.id, name: admin.name, email: admin.email }
    : { type: 'bot', id: '0', name: 'Operator', email: 'operator@intercom.io' }
}

const nextTicketIds = (ws: Workspace): { id: string; ticketId: string } => {
  ws.ticketing.nextId += 1
  return { id: String(ws.ticketing.nextId), ticketId: String(ws.ticketing.nextId - 6_000) }
}

function newTicket(
  ctx: ApiContext,
  type: TicketTypeRecord,
  contactIds: string[],
  attributes: Record<string, TicketAttributeValue>,
  options: { stateId?: string | null; createdAt?: number; linkedConversationIds?: string[] },
): TicketRecord {
  const now = ctx.nowSec()
  const stateId = options.stateId ?? type.stateIds[0]
  if (stateId === undefined || !type.stateIds.includes(stateId)) {
    throw new ApiError(
      400,
      'ticket_state_id_invalid',
      'Ticket state id is not valid or is not associated with the ticket type.',
    )
  }
  const ticket: TicketRecord = {
    ...nextTicketIds(ctx.ws),
    typeId: type.id,
    contactIds,
    attributes,
    stateId,
    previousStateId: null,
    open: true,
    isShared: type.category === 'Customer',
    createdAt: options.createdAt ?? now,
    updatedAt: now,
    adminAssigneeId: 0,
    teamAssigneeId: 0,
    linkedConversationIds: options.linkedConversationIds ?? [],
    parts: [],
  }
  ctx.ws.ticketing.tickets.set(ticket.id, ticket)
  return ticket
}

export function renderTicketType(ws: Workspace, type: TicketTypeRecord): Record<string, unknown> {
  return {
    type: 'ticket_type',
    id: type.id,
    category: type.category,
    name: type.name,
    description: type.description,
    icon: type.icon,
    workspace_id: 'emulator',
    archived: type.archived,
    created_at: type.createdAt,
    updated_at: type.updatedAt,
    ticket_type_attributes: {
      type: 'ticket_type_attributes.list',
      ticket_type_attributes: type.attributes.map((attribute) => ({
        type: 'ticket_type_attribute',
        id: attribute.id,
        workspace_id: 'emulator',
        name: attribute.name,
        description: attribute.description,
        data_type: attribute.dataType,
        input_options:
          attribute.dataType === 'list'
            ? { list_items: attribute.listItems.map((item) => ({ ...item, archived: false })) }
            : { multiline: attribute.name === '_default_description_' },
        order: attribute.order,
        required_to_create: attribute.requiredToCreate,
        required_to_create_for_contacts: false,
        visible_on_create: true,
        visible_to_contacts: true,
        default: attribute.isDefault,
        ticket_type_id: Number(type.id),
        archived: false,
        created_at: type.createdAt,
        updated_at: type.updatedAt,
      })),
    },
    ticket_states: { type: 'list', data: type.stateIds.map((id) => renderState(stateOf(ws, id))) },
  }
}

const renderState = (state: TicketStateRecord): Record<string, unknown> => ({
  type: 'ticket_state',
  id: state.id,
  category: state.category,
  internal_label: state.internalLabel,
  external_label: state.externalLabel,
})

export function renderTicket(ws: Workspace, ticket: TicketRecord): Record<string, unknown> {
  const type = requireType(ws, ticket.typeId)
  return {
    type: 'ticket',
    id: ticket.id,
    ticket_id: ticket.ticketId,
    category: type.category,
    ticket_attributes: { ...ticket.attributes },
    ticket_state: renderState(stateOf(ws, ticket.stateId)),
    ticket_type: renderTicketType(ws, type),
    contacts: {
      type: 'contact.list',
      contacts: ticket.contactIds.map((id) => ({
        type: 'contact',
        id,
        external_id: ws.contacts.get(id)?.externalId ?? null,
      })),
    },
    admin_assignee_id: ticket.adminAssigneeId,
    team_assignee_id: ticket.teamAssigneeId,
    created_at: ticket.createdAt,
    updated_at: ticket.updatedAt,
    open: ticket.open,
    linked_objects: {
      type: 'list',
      total_count: ticket.linkedConversationIds.length,
      has_more: false,
      data: ticket.linkedConversationIds.map((id) => ({ type: 'conversation', id, category: null })),
    },
    ticket_parts: {
      type: 'ticket_part.list',
      ticket_parts: ticket.parts.map((part) => ({
        type: 'ticket_part',
        id: part.id,
        part_type: part.partType,
        body: part.body,
        ...(part.ticketState ? { ticket_state: part.ticketState } : {}),
        ...(part.previousTicketState ? { previous_ticket_state: part.previousTicketState } : {}),
        created_at: part.createdAt,
        updated_at: part.createdAt,
        author: part.author,
        attachments: [],
        redacted: false,
      })),
      total_count: ticket.parts.length,
    },
    is_shared: ticket.isShared,
    previous_ticket_state_id: ticket.previousStateId,
  }
}

function listTicketTypes(ctx: ApiContext): ApiReply {
  return { body: { type: 'list', data: ctx.ws.ticketing.types.map((type) => renderTicketType(ctx.ws, type)) } }
}

function getTicketType(ctx: ApiContext): ApiReply {
  return { body: renderTicketType(ctx.ws, requireType(ctx.ws, ctx.params.ticket_type_id)) }
}

function listTicketStates(ctx: ApiContext): ApiReply {
  const { ticketing } = ctx.ws
  return {
    body: {
      type: 'list',
      data: ticketing.states.map((state) => ({
        ...renderState(state),
        archived: state.archived,
        ticket_types: {
          type: 'list',
          data: ticketing.types
            .filter((type) => type.stateIds.includes(state.id))
            .map((type) => ({ type: 'ticket_type', id: type.id, category: type.category, name: type.name })),
        },
      })),
    },
  }
}

function createTicket(ctx: ApiContext): ApiReply {
  const body = ctx.body
  if (!isRecord(body)) throw invalid('Request body must be an object')
  if (body.ticket_type_id === undefined) throw missing('ticket_type_id')
  const type = requireType(ctx.ws, body.ticket_type_id)
  if (type.archived) throw invalid('Ticket type is archived', 'ticket_type_id')
  const contact = contactFor(ctx, body.contacts)
  const attributes = checkAttributes(type, body.ticket_attributes, true)
  const linked: string[] = []
  if (body.conversation_to_link_id !== undefined) {
    const conversation = requireConversation(ctx.ws, idOf(body.conversation_to_link_id) ?? undefined)
    // "conversation | back-office ticket" and "conversation | tracker ticket" are the pairs with a conversation.
    if (type.category === 'Customer') {
      throw invalid('A conversation can only be linked to a back-office or tracker ticket', 'conversation_to_link_id')
    }
    linked.push(conversation.id)
  }
  const createdAt = typeof body.created_at === 'number' ? body.created_at : undefined
  const ticket = newTicket(ctx, type, [contact.id], attributes, { createdAt, linkedConversationIds: linked })
  ctx.events.emit('ticket.created', renderTicket(ctx.ws, ticket))
  return { body: renderTicket(ctx.ws, ticket) }
}

function getTicket(ctx: ApiContext): ApiReply {
  return { body: renderTicket(ctx.ws, requireTicket(ctx.ws, ctx.params.ticket_id)) }
}

function updateTicket(ctx: ApiContext): ApiReply {
  const ticket = requireTicket(ctx.ws, ctx.params.ticket_id)
  const body = ctx.body
  if (!isRecord(body)) throw invalid('Request body must be an object')
  const type = requireType(ctx.ws, ticket.typeId)
  const adminId = idOf(body.admin_id)
  if (adminId !== null && !ctx.ws.admins.has(adminId)) throw new ApiError(404, 'assignee_not_found', 'Admin not found')
  const now = ctx.nowSec()
  if (body.ticket_attributes !== undefined) {
    Object.assign(ticket.attributes, checkAttributes(type, body.ticket_attributes, false))
  }
  if (body.ticket_state_id !== undefined) {
    const stateId = idOf(body.ticket_state_id)
    if (stateId === null || !type.stateIds.includes(stateId)) {
      throw new ApiError(
        400,
        'ticket_state_id_invalid',
        'Ticket state id is not valid or is not associated with the ticket type.',
      )
    }
    if (stateId !== ticket.stateId) {
      const previous = stateOf(ctx.ws, ticket.stateId).category
      ticket.previousStateId = ticket.stateId
      ticket.stateId = stateId
      ctx.ws.ticketing.nextId += 1
      ticket.parts.push({
        id: `p${ctx.ws.ticketing.nextId}`,
        partType: 'ticket_state_updated_by_admin',
        body: null,
        createdAt: now,
        author: adminAuthorOf(ctx.ws, adminId),
        ticketState: stateOf(ctx.ws, stateId).category,
        previousTicketState: previous,
      })
      ctx.events.emit('ticket.state.updated', renderTicket(ctx.ws, ticket))
    }
  }
  if (body.open !== undefined) {
    if (typeof body.open !== 'boolean') throw invalid('open must be a boolean', 'open')
    ticket.open = body.open
  }
  if (body.is_shared !== undefined) {
    if (typeof body.is_shared !== 'boolean') throw invalid('is_shared must be a boolean', 'is_shared')
    ticket.isShared = body.is_shared
  }
  if (body.assignee_id !== undefined) {
    const assignee = idOf(body.assignee_id)
    if (assignee === null) throw invalid('assignee_id must be a string', 'assignee_id')
    if (assignee === '0') {
      ticket.adminAssigneeId = 0
      ticket.teamAssigneeId = 0
    } else if (ctx.ws.admins.has(assignee)) {
      ticket.adminAssigneeId = Number(assignee)
    } else if (ctx.ws.teams.has(assignee)) {
      ticket.teamAssigneeId = Number(assignee)
    } else {
      throw new ApiError(404, 'assignee_not_found', 'Assignee not found')
    }
  }
  ticket.updatedAt = now
  return { body: renderTicket(ctx.ws, ticket) }
}

/** Only a Customer type can be a conversion target; the ticket starts with the conversation's parts. */
function convertConversation(ctx: ApiContext): ApiReply {
  const conversation = requireConversation(ctx.ws, ctx.params.conversation_id)
  const body = ctx.body
  if (!isRecord(body)) throw invalid('Request body must be an object')
  if (body.ticket_type_id === undefined) throw missing('ticket_type_id')
  const type = requireType(ctx.ws, body.ticket_type_id)
  if (type.category !== 'Customer') throw invalid('Ticket type is not a customer ticket type', 'ticket_type_id')
  if (linkedTicketsOf(ctx.ws, conversation.id).some((linked) => linked.category === 'Customer')) {
    throw invalid('Conversation has already been converted to a ticket', 'conversation_id')
  }
  const attributes = checkAttributes(type, body.attributes, true)
  const stateId = body.ticket_state_id === undefined ? null : idOf(body.ticket_state_id)
  const ticket = newTicket(ctx, type, [...conversation.contactIds], attributes, {
    stateId,
    linkedConversationIds: [conversation.id],
  })
  const now = ctx.nowSec()
  ticket.parts.push(
    {
      id: conversation.source.id,
      partType: 'comment',
      body: conversation.source.body,
      createdAt: conversation.createdAt,
      author: conversation.source.author,
    },
    ...conversation.parts.map((part) => ({
      id: part.id,
      partType: part.partType,
      body: part.body,
      createdAt: part.createdAt,
      author: part.author,
    })),
    {
      id: `p${ticket.id}`,
      partType: 'ticket_state_updated_by_admin',
      body: null,
      createdAt: now,
      author: adminAuthorOf(ctx.ws, null),
      ticketState: stateOf(ctx.ws, ticket.stateId).category,
    },
  )
  ctx.events.emit('ticket.created', renderTicket(ctx.ws, ticket))
  return { body: renderTicket(ctx.ws, ticket) }
}

export const ticketRoutes: RouteDef[] = [
  { method: 'GET', path: '/ticket_types', handler: listTicketTypes },
  { method: 'GET', path: '/ticket_types/{ticket_type_id}', handler: getTicketType },
  { method: 'GET', path: '/ticket_states', handler: listTicketStates },
  { method: 'POST', path: '/tickets', handler: createTicket },
  { method: 'GET', path: '/tickets/{ticket_id}', handler: getTicket },
  { method: 'PUT', path: '/tickets/{ticket_id}', handler: updateTicket },
  { method: 'POST', path: '/conversations/{conversation_id}/convert', handler: convertConversation },
]
