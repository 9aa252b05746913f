/** Ticket records of the emulated workspace (kept apart from the routes so the workspace can hold them). */
import type { PartAuthor, Workspace } from './state.js'

export type TicketCategory = 'Customer' | 'Back-office' | 'Tracker'
export type TicketStateCategory = 'submitted' | 'in_progress' | 'waiting_on_customer' | 'resolved'
export type TicketAttributeValue = string | number | boolean | null | unknown[]

export interface TicketTypeAttributeRecord {
  id: string
  name: string
  description: string
  dataType: 'string' | 'list' | 'integer' | 'decimal' | 'boolean' | 'datetime' | 'files'
  requiredToCreate: boolean
  isDefault: boolean
  listItems: Array<{ id: string; label: string }>
  order: number
}

export interface TicketTypeRecord {
  id: string
  name: string
  description: string
  icon: string
  category: TicketCategory
  archived: boolean
  createdAt: number
  updatedAt: number
  attributes: TicketTypeAttributeRecord[]
  stateIds: string[]
}

export interface TicketStateRecord {
  id: string
  category: TicketStateCategory
  internalLabel: string
  externalLabel: string
  archived: boolean
}

export interface TicketPartRecord {
  id: string
  partType: string
  body: string | null
  createdAt: number
  author: PartAuthor
  ticketState?: TicketStateCategory
  previousTicketState?: TicketStateCategory
}

export interface TicketRecord {
  id: string
  ticketId: string
  typeId: string
  contactIds: string[]
  attributes: Record<string, TicketAttributeValue>
  stateId: string
  previousStateId: string | null
  open: boolean
  isShared: boolean
  createdAt: number
  updatedAt: number
  adminAssigneeId: number
  teamAssigneeId: number
  linkedConversationIds: string[]
  parts: TicketPartRecord[]
}

export interface Ticketing {
  types: TicketTypeRecord[]
  states: TicketStateRecord[]
  tickets: Map<string, TicketRecord>
  nextId: number
}

export const newTicketing = (): Ticketing => ({ types: [], states: [], tickets: new Map(), nextId: 7_000 })

/** The tickets a conversation shows in `linked_objects`: those linked to it, and the one it was converted into. */
export function linkedTicketsOf(ws: Workspace, conversationId: string): Array<Record<string, unknown>> {
  const linked: Array<Record<string, unknown>> = []
  for (const ticket of ws.ticketing.tickets.values()) {
    if (!ticket.linkedConversationIds.includes(conversationId)) continue
    const category = ws.ticketing.types.find((type) => type.id === ticket.typeId)?.category ?? null
    linked.push({ type: 'ticket', id: ticket.id, category })
  }
  return linked
}
