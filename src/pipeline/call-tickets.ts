import type { AppConfig } from '../config/schema.js'
import type { CallRecord } from '../domain/call-record.js'
import { PermanentError } from '../errors.js'
import { ticketAttributes, type TicketAttributeValue, type TicketTrigger } from '../rules/call-ticket.js'
import type { StateStore } from '../store/state-store.js'
import { formatPhoneForDisplay, renderCallText } from '../templates/index.js'
import type { IntercomConversation } from '../intercom/schemas.js'
import { callMarker, callTemplateContext, conversationSummary, hasCallMarker } from './call-content.js'

/** The ticket type as the rules read it (IntercomClient.tickets.listTypes). */
export interface TicketTypeView {
  id: string
  name: string
  category: 'Customer' | 'Back-office' | 'Tracker'
  archived: boolean
  attributes: Array<{
    name: string
    dataType: string
    requiredToCreate: boolean
    isDefault: boolean
    listItems: Array<{ id: string; label: string }>
  }>
  states: Array<{ id: string; category: string }>
}

export interface TicketView {
  id: string
  attributes: Record<string, unknown>
}

/** The Intercom calls tickets need; IntercomClient's `tickets` and `conversations` provide them. */
export interface TicketApi {
  tickets: {
    listTypes(signal?: AbortSignal): Promise<TicketTypeView[]>
    create(
      input: {
        ticketTypeId: string
        contactId: string
        attributes: Record<string, TicketAttributeValue>
        conversationToLinkId?: string
      },
      options: { signal?: AbortSignal },
    ): Promise<TicketView>
    convertConversation(
      conversationId: string,
      input: { ticketTypeId: string; attributes: Record<string, TicketAttributeValue> },
      options: { signal?: AbortSignal },
    ): Promise<TicketView>
    update(
      id: string,
      patch: { ticketStateId?: string; open?: boolean; adminId?: string },
      options: { signal?: AbortSignal },
    ): Promise<unknown>
    get(id: string, signal?: AbortSignal): Promise<TicketView>
  }
  conversations: { get(id: string, signal?: AbortSignal): Promise<IntercomConversation> }
}

export interface CallTicketDeps {
  store: Pick<StateStore, 'ledger'>
  intercom: TicketApi
  adminId: string
  config: AppConfig['tickets']
}

export type TicketOutcome =
  | { status: 'opened'; ticketId: string; trigger: TicketTrigger; via: 'linked' | 'converted' | 'reconciled' }
  | { status: 'already-open'; ticketId: string }

export type TicketCloseOutcome =
  { status: 'closed'; ticketId: string } | { status: 'already-closed'; ticketId: string } | { status: 'no-ticket' }

export const ticketStepKey = (callId: string): string => `call:${callId}:ticket`
const closeStepKey = (callId: string): string => `call:${callId}:ticket-close`

const TITLES: Record<TicketTrigger, string> = {
  'missed-call': 'Missed call',
  voicemail: 'Voicemail',
  'action-item': 'Follow up on a call',
  vip: 'VIP call',
}

/** Ticket ids a conversation shows: the ticket it became, and the tickets linked to it. */
const ticketIdsOf = (conversation: IntercomConversation): string[] => [
  ...(conversation.ticket ? [conversation.ticket.id] : []),
  ...(conversation.linked_objects?.data ?? []).filter((item) => item.type === 'ticket').map((item) => item.id),
]

/**
 * One Intercom ticket per call at most, of the configured type, for the contact and linked to the call's
 * conversation: a Customer type converts the conversation itself (Intercom links a customer ticket no other way),
 * a Back-office or Tracker type is created with the conversation linked. A create that died before it was recorded
 * is found again through the conversation's tickets, whose description carries the call's marker.
 */
export class CallTicketService {
  private type: Promise<TicketTypeView> | null = null

  constructor(private readonly deps: CallTicketDeps) {}

  async open(
    input: {
      call: CallRecord
      trigger: TicketTrigger
      contactId: string
      conversationId: string
      /** Lines added to the description, e.g. the AI's action items. */
      details?: string[]
    },
    signal?: AbortSignal,
  ): Promise<TicketOutcome> {
    const { store, intercom, config } = this.deps
    const { call, trigger, contactId, conversationId } = input
    const key = ticketStepKey(call.callId)
    const step = await store.ledger.get(key)
    if (step?.status === 'done' && step.externalId) return { status: 'already-open', ticketId: step.externalId }
    const type = await this.ticketType(signal)
    if (step?.status === 'pending') {
      const found = await this.findOnConversation(conversationId, call.callId, signal)
      if (found) {
        await store.ledger.complete(key, found, { trigger, conversationId, typeId: type.id })
        return { status: 'opened', ticketId: found, trigger, via: 'reconciled' }
      }
    }
    const context = callTemplateContext(call)
    const caller = formatPhoneForDisplay(context.caller.phone ?? call.rawDigits) || 'an unknown number'
    const title = config.title ? renderCallText(context, config.title) : `${TITLES[trigger]} from ${caller}`
    const description = [
      config.description ? renderCallText(context, config.description) : conversationSummary(call),
      ...(input.details ?? []).map((line) => `• ${line}`),
      ...(context.assetUrl && !config.description ? [`Listen in Aircall: ${context.assetUrl}`] : []),
      // The marker a pending create is recognised by, whatever the description template says.
      `(${callMarker(call.callId)})`,
    ].join('\n')
    const mapped = Object.fromEntries(
      Object.entries(config.attributes).map(([name, source]) => [name, renderCallText(context, source)]),
    )
    const { values, problems } = ticketAttributes(type.attributes, { title, description, mapped })
    if (problems.length > 0) throw new PermanentError(`ticket type ${type.id} (${type.name}): ${problems.join('; ')}`)

    await store.ledger.begin(key, { trigger, conversationId, contactId })
    const ticket =
      type.category === 'Customer'
        ? await intercom.tickets.convertConversation(
            conversationId,
            { ticketTypeId: type.id, attributes: values },
            { signal },
          )
        : await intercom.tickets.create(
            { ticketTypeId: type.id, contactId, attributes: values, conversationToLinkId: conversationId },
            { signal },
          )
    await store.ledger.complete(key, ticket.id, { trigger, conversationId, typeId: type.id })
    return {
      status: 'opened',
      ticketId: ticket.id,
      trigger,
      via: type.category === 'Customer' ? 'converted' : 'linked',
    }
  }

  /** Moves the call's ticket to the type's resolved state and closes it; a PUT of the same state is harmless. */
  async close(callId: string, signal?: AbortSignal): Promise<TicketCloseOutcome> {
    const { store, intercom, adminId } = this.deps
    const ticket = await store.ledger.get(ticketStepKey(callId))
    const ticketId = ticket?.status === 'done' ? ticket.externalId : null
    if (!ticketId) return { status: 'no-ticket' }
    const key = closeStepKey(callId)
    if ((await store.ledger.get(key))?.status === 'done') return { status: 'already-closed', ticketId }
    const type = await this.ticketType(signal)
    const resolved = type.states.find((state) => state.category === 'resolved')
    if (!resolved) throw new PermanentError(`ticket type ${type.id} (${type.name}) has no resolved state`)
    await store.ledger.begin(key, { ticketId })
    await intercom.tickets.update(ticketId, { ticketStateId: resolved.id, open: false, adminId }, { signal })
    await store.ledger.complete(key, ticketId)
    return { status: 'closed', ticketId }
  }

  private ticketType(signal?: AbortSignal): Promise<TicketTypeView> {
    this.type ??= this.loadType(signal)
    // A failed read may succeed on the next event, so it is not kept.
    this.type.catch(() => (this.type = null))
    return this.type
  }

  private async loadType(signal?: AbortSignal): Promise<TicketTypeView> {
    const { typeId } = this.deps.config
    const types = await this.deps.intercom.tickets.listTypes(signal)
    const type = types.find((candidate) => candidate.id === typeId)
    if (!type) {
      const known = types.map((candidate) => `${candidate.id} (${candidate.name})`).join(', ') || 'none'
      throw new PermanentError(`tickets.typeId ${typeId ?? '(unset)'} is not a ticket type of this workspace: ${known}`)
    }
    if (type.archived) throw new PermanentError(`tickets.typeId ${type.id} (${type.name}) is archived`)
    return type
  }

  private async findOnConversation(
    conversationId: string,
    callId: string,
    signal?: AbortSignal,
  ): Promise<string | null> {
    for (const id of ticketIdsOf(await this.deps.intercom.conversations.get(conversationId, signal))) {
      const ticket = await this.deps.intercom.tickets.get(id, signal)
      const description = ticket.attributes._default_description_
      if (typeof description === 'string' && hasCallMarker(description, callId)) return id
    }
    return null
  }
}
