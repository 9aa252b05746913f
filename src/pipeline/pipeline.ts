import type { AppConfig } from '../config/schema.js'
import { safeParseAircallEvent } from '../aircall/webhook-events.js'
import type { AircallCallEvent } from '../domain/aircall-event.js'
import type { CallRecord } from '../domain/call-record.js'
import type { IntercomEvent } from '../domain/intercom-event.js'
import { safeParseIntercomEvent } from '../intercom/webhook-events.js'
import { parseJob } from '../domain/job.js'
import { allowsLiveRules, looksUpExisting, type Origin } from '../domain/origin.js'
import { PermanentError } from '../errors.js'
import type { IntercomContext } from './intercom-context.js'
import { isAiEvent } from '../aircall/ai-schemas.js'
import { isMessageEvent } from '../aircall/message-schemas.js'
import { followContactChange } from '../matching/index-follower.js'
import type { ContactIndexDeps } from '../matching/refresh.js'
import type { ContactResolver } from '../matching/types.js'
import type { QueuedEvent, StateStore } from '../store/state-store.js'
import { callTicketTriggers, voicemailReplacesMessage } from '../rules/call-ticket.js'
import { conversationStepKey } from './call-logger.js'
import { type CallInsightService, insightCallId, insightTextLines } from './call-insights.js'
import type { CallTicketService, TicketCloseOutcome, TicketOutcome } from './call-tickets.js'
import { ConversationNotYetLoggedError } from './call-insights.js'
import type { VoicemailNoteService, VoicemailOutcome } from './voicemail-note.js'
import type { EscalationService } from './escalation.js'
import type { InsightCardService } from './insight-card.js'
import type { LoopGuard } from './loop-guard.js'
import type { MessageThreadService } from './message-threads.js'
import type { MissedCallService } from './missed-call.js'
import { preCheckMissedCall } from './missed-call.js'
import type { ResolveConversationService } from './resolve-conversation.js'
import type { CallLogger, LogCallOutcome } from './types.js'
import type { VipService } from './vip.js'

export type RuleName =
  | 'loop-guard'
  | 'freshness'
  | 'call-state'
  | 'log'
  | 'tags'
  | 'missed-call'
  | 'vip'
  | 'resolve'
  | 'escalation'
  | 'insight-card'
  | 'contact-index'
  | 'insights'
  | 'messages'
  | 'voicemail'
  | 'ticket'

/** Where the count of stale webhooks is kept (`status` shows it). */
export const STALE_EVENTS_CHECKPOINT = 'listener:stale-events'

/** One rule's result for one event, e.g. `{rule: 'missed-call', status: 'skipped', detail: 'anonymous'}`. */
export interface Effect {
  rule: RuleName
  status: string
  detail?: string
}

export interface PipelineResult {
  effects: Effect[]
  summary: string
}

/** The services the rules run through; a disabled rule's service is null. */
export interface PipelineDeps {
  config: AppConfig
  /** UNIX ms; decides whether a webhook is too old to act on live. */
  now: () => number
  store: Pick<StateStore, 'ledger' | 'checkpoints' | 'callStates' | 'transaction'>
  guard: LoopGuard
  logger: CallLogger
  /** Replays `tag-attributes` jobs (dead letters of `tags sync`); null without a tag mapping. */
  tagAttributes: CallLogger | null
  resolver: ContactResolver
  context: IntercomContext | null
  missedCall: MissedCallService | null
  vip: VipService | null
  resolve: ResolveConversationService | null
  escalation: EscalationService | null
  insightCard: InsightCardService | null
  /** Follows contact.* webhooks into the local contact index; null when `listener.followContacts` is off. */
  contactIndex: ContactIndexDeps | null
  /** Aircall's AI insights as notes on the call's conversation; null without an Intercom admin to write them. */
  insights: CallInsightService | null
  /** Aircall SMS and WhatsApp messages as one conversation per thread; null when messages.enabled is off. */
  messages: MessageThreadService | null
  /** Voicemail notes with the permanent asset link; null without an Intercom admin or with voicemail.enabled off. */
  voicemail: VoicemailNoteService | null
  /** Intercom tickets for the configured triggers; null without tickets.typeId. */
  tickets: CallTicketService | null
  /** Reads a call back from Aircall, for a ticket opened by an event that carries no call (an AI action item). */
  loadCall: ((callId: string, signal?: AbortSignal) => Promise<CallRecord>) | null
}

/** Lifecycle order of Aircall call events; 0 for events that do not move the call forward (tags, comments). */
const STAGE: Readonly<Record<string, number>> = {
  'call.created': 1,
  'call.ringing_on_agent': 2,
  'call.answered': 3,
  'call.hungup': 4,
  'call.ended': 5,
}

export const summarise = (effects: Effect[]): string =>
  effects.map((effect) => `${effect.rule}:${effect.status}${effect.detail ? `(${effect.detail})` : ''}`).join(' ') ||
  'no rule applies'

/**
 * Turns one queued webhook into the product's live use cases. Every write below is a keyed ledger step, so a
 * redelivered, replayed or re-run event converges to the same Intercom and Aircall state. Throws to retry; a
 * PermanentError (or a permanent API error) is dead-lettered by the worker at once.
 */
export class EventPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async handle(event: QueuedEvent, signal?: AbortSignal): Promise<PipelineResult> {
    if (event.source === 'job') {
      const effects = await this.job(event.payload, signal)
      return { effects, summary: summarise(effects) }
    }
    let body: unknown
    try {
      body = JSON.parse(event.payload) as unknown
    } catch {
      throw new PermanentError(`event ${event.id} holds a payload that is not JSON`)
    }
    const effects = event.source === 'aircall' ? await this.aircall(body, signal) : await this.intercom(body, signal)
    return { effects, summary: summarise(effects) }
  }

  /**
   * One call through the pipeline with its origin: logged always; the live rules (missed-call message, VIP
   * assignment, resolve) only for a live origin or the replay of one. History never messages, assigns or resolves.
   */
  async handleCall(
    call: CallRecord,
    options: {
      origin: Origin
      missed?: boolean
      dryRun?: boolean
      signal?: AbortSignal
      prePass?: (call: CallRecord) => Promise<void>
    },
  ): Promise<{ logged: LogCallOutcome; effects: Effect[] }> {
    return this.ended(
      call,
      options.origin,
      options.signal,
      options.missed ?? true,
      options.dryRun ?? false,
      options.prePass,
    )
  }

  /**
   * The pipeline as a history run's call logger: every call logged with the history origin, no rule run, and
   * the run's pre-pass consulted on a ledger miss.
   */
  history(prePass?: (call: CallRecord) => Promise<void>): CallLogger {
    return {
      log: async (call, options = {}) =>
        (await this.handleCall(call, { origin: 'history', dryRun: options.dryRun, signal: options.signal, prePass }))
          .logged,
    }
  }

  /** A typed dead letter of a history run, replayed exactly as the run would have handled it. */
  private async job(payload: string, signal?: AbortSignal): Promise<Effect[]> {
    const job = parseJob(payload)
    switch (job.kind) {
      case 'log-call':
        return (await this.ended(job.call, 'replay-of-history', signal)).effects
      case 'tag-attributes': {
        if (!this.deps.tagAttributes) throw new PermanentError('tags.map is empty: there is no mapping to apply')
        const outcome = await this.deps.tagAttributes.log(job.call, { signal })
        return [{ ...logEffect(outcome), rule: 'tags' }]
      }
    }
  }

  private async aircall(body: unknown, signal?: AbortSignal): Promise<Effect[]> {
    const parsed = safeParseAircallEvent(body)
    if (!parsed.ok) throw parsed.error
    const event = parsed.event
    if (event.kind === 'other' && isAiEvent(event.event) && this.deps.insights) {
      // History or live alike: a note adds what was said and sends nothing to the customer.
      const data = (body as { data: Record<string, unknown> }).data
      // A call that was processed and not logged (anonymous, unmatched…) has no conversation to wait for.
      const callId = insightCallId(data)
      const notLogged = callId === null ? null : ((await this.deps.store.callStates.get(callId))?.notLogged ?? null)
      if (notLogged !== null) {
        return [{ rule: 'insights', status: 'skipped', detail: `call not logged (${notLogged})` }]
      }
      const outcome = await this.deps.insights.handle(event.event, data, signal)
      switch (outcome.status) {
        case 'noted':
        case 'already-noted': {
          const attributes = outcome.attributes.length > 0 ? `; ${outcome.attributes.join(', ')}` : ''
          const noted = {
            rule: 'insights' as const,
            status: outcome.status,
            detail: `conversation ${outcome.conversationId}${attributes}`,
          }
          const ticket =
            event.event === 'action_item.created' && callId !== null
              ? await this.actionItemTicket(callId, data, signal)
              : []
          return [noted, ...ticket]
        }
        case 'skipped':
          return [{ rule: 'insights', status: 'skipped', detail: outcome.reason }]
      }
    }
    if (event.kind === 'other' && isMessageEvent(event.event) && this.deps.messages) {
      // History or live alike: a contact's reply and an agent's note reach no customer.
      const data = (body as { data: Record<string, unknown> }).data
      const outcome = await this.deps.messages.handle(event.event, data, { timestamp: event.timestamp, signal })
      switch (outcome.status) {
        case 'added':
          return [{ rule: 'messages', status: 'added', detail: `conversation ${outcome.conversationId}` }]
        case 'already-added':
          return [{ rule: 'messages', status: 'already-added', detail: `conversation ${outcome.conversationId}` }]
        case 'skipped':
          return [{ rule: 'messages', status: 'skipped', detail: outcome.reason }]
      }
    }
    if (event.kind !== 'call') return [{ rule: 'call-state', status: 'ignored', detail: event.event }]
    const echo = await this.deps.guard.check(event)
    if (echo.echo) return [{ rule: 'loop-guard', status: 'echo', detail: echo.why }]
    if ((await this.upsertCallState(event)) === 'stale') {
      return [{ rule: 'call-state', status: 'superseded', detail: `${event.event} after a later event` }]
    }
    const call = event.call
    const stale = await this.staleness(event.timestamp)
    const origin: Origin = stale ? 'history' : 'live'
    const history = stale ? [stale] : []
    switch (event.event) {
      case 'call.created':
      case 'call.ringing_on_agent':
        return stale ? history : this.insightCard(call, signal)
      case 'call.hungup':
        return stale ? history : this.missedCall(call, null, signal, true)
      case 'call.ended':
        return [...history, ...(await this.ended(call, origin, signal)).effects]
      case 'call.tagged':
      case 'call.untagged':
      case 'call.commented':
        // Tags and comments made during the call are applied when call.ended (which carries them) arrives.
        if (call.endedAt === null && call.status !== 'done') {
          return [{ rule: 'log', status: 'deferred', detail: 'call still live; call.ended applies it' }]
        }
        return [...history, ...(await this.ended(call, origin, signal, false)).effects]
      case 'call.answered':
      case 'call.agent_declined':
      case 'call.transferred':
      case 'call.external_transferred':
      case 'call.unsuccessful_transfer':
      case 'call.hold':
      case 'call.unhold':
      case 'call.ivr_option_selected':
      case 'call.assigned':
      case 'call.archived':
        return [{ rule: 'call-state', status: 'recorded', detail: event.event }]
      case 'call.comm_assets_generated':
      case 'call.voicemail_left':
        return [...history, ...(await this.voicemailLeft(event.event, call, origin, signal))]
    }
  }

  /**
   * A voicemail's own events carry the call: its note goes on the call's conversation, which call.ended opens, so
   * an event that comes first waits for it (retried, never a second conversation); a live one may open its ticket.
   */
  private async voicemailLeft(name: string, call: CallRecord, origin: Origin, signal?: AbortSignal): Promise<Effect[]> {
    const { voicemail, tickets, store, config } = this.deps
    const triggers =
      tickets && allowsLiveRules(origin) ? callTicketTriggers(call, config).filter((t) => t === 'voicemail') : []
    if (call.kind !== 'voicemail' || (!voicemail && triggers.length === 0)) {
      return [{ rule: 'call-state', status: 'recorded', detail: name }]
    }
    const notLogged = (await store.callStates.get(call.callId))?.notLogged ?? null
    if (notLogged !== null) {
      return [{ rule: 'voicemail', status: 'skipped', detail: `call not logged (${notLogged})` }]
    }
    const step = await store.ledger.get(conversationStepKey(call.callId))
    const conversationId = step?.status === 'done' ? step.externalId : null
    if (!conversationId) throw new ConversationNotYetLoggedError(call.callId)
    const contactId = typeof step?.data.contactId === 'string' ? step.data.contactId : null
    const effects = await this.voicemailNote(call, conversationId, signal)
    if (contactId !== null) effects.push(...(await this.openTicket(call, triggers, contactId, conversationId, signal)))
    return effects
  }

  private async voicemailNote(call: CallRecord, conversationId: string, signal?: AbortSignal): Promise<Effect[]> {
    if (!this.deps.voicemail || call.kind !== 'voicemail') return []
    return [voicemailEffect(await this.deps.voicemail.handle(call, conversationId, signal))]
  }

  /** The call's one ticket, for the first trigger it meets. */
  private async openTicket(
    call: CallRecord,
    triggers: ReturnType<typeof callTicketTriggers>,
    contactId: string,
    conversationId: string,
    signal?: AbortSignal,
    details?: string[],
  ): Promise<Effect[]> {
    const [trigger] = triggers
    if (!this.deps.tickets || trigger === undefined) return []
    return [ticketEffect(await this.deps.tickets.open({ call, trigger, contactId, conversationId, details }, signal))]
  }

  /** AI action items may open the call's ticket, listing them; the call is read back for the ticket's templates. */
  private async actionItemTicket(
    callId: string,
    data: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<Effect[]> {
    const { tickets, loadCall, store, config } = this.deps
    if (!tickets || !loadCall || config.tickets.typeId === undefined || !config.tickets.on.includes('action-item'))
      return []
    const step = await store.ledger.get(conversationStepKey(callId))
    const conversationId = step?.status === 'done' ? step.externalId : null
    const contactId = typeof step?.data.contactId === 'string' ? step.data.contactId : null
    if (!conversationId || !contactId) return [{ rule: 'ticket', status: 'skipped', detail: 'no conversation' }]
    const call = await loadCall(callId, signal)
    const details = insightTextLines('action_item.created', data)
    return this.openTicket(call, ['action-item'], contactId, conversationId, signal, details)
  }

  /**
   * A webhook older than `listener.staleAfterHours` (a redelivery after an outage, a replay days later) is still
   * logged, but as history: no customer message, no assignment, no resolve. Counted for `status`.
   */
  private async staleness(timestampSeconds: number): Promise<Effect | null> {
    const { config, now, store } = this.deps
    const ageHours = (now() / 1000 - timestampSeconds) / 3600
    if (ageHours <= config.listener.staleAfterHours) return null
    await store.transaction(
      async (tx) => {
        const previous = (await tx.checkpoints.get(STALE_EVENTS_CHECKPOINT))?.value.count
        await tx.checkpoints.set(STALE_EVENTS_CHECKPOINT, {
          count: (typeof previous === 'number' ? previous : 0) + 1,
          lastAt: now(),
        })
      },
      { lockKeys: [STALE_EVENTS_CHECKPOINT] },
    )
    return { rule: 'freshness', status: 'stale', detail: `${Math.round(ageHours)} h old: handled as history` }
  }

  /** Insights of this call then know not to wait for its conversation. */
  private async rememberNotLogged(callId: string, reason: string): Promise<void> {
    await this.deps.store.callStates.markNotLogged(callId, reason)
  }

  /** Upserts the call's furthest lifecycle stage; an event older than what was processed is stale. */
  private async upsertCallState(event: AircallCallEvent): Promise<'current' | 'stale'> {
    const stage = STAGE[event.event] ?? 0
    return this.deps.store.callStates.advance(event.callId, { stage, event: event.event, timestamp: event.timestamp })
  }

  private async ended(
    call: CallRecord,
    origin: Origin,
    signal?: AbortSignal,
    missed = true,
    dryRun = false,
    prePass?: (call: CallRecord) => Promise<void>,
  ): Promise<{ logged: LogCallOutcome; effects: Effect[] }> {
    const { deps } = this
    const effects: Effect[] = []
    const logged: LogCallOutcome = await deps.logger.log(call, {
      signal,
      dryRun,
      findExisting: looksUpExisting(origin),
      prePass,
    })
    effects.push(logEffect(logged))
    if (logged.status === 'skipped' && !dryRun) await this.rememberNotLogged(call.callId, logged.reason)
    if (!allowsLiveRules(origin) || dryRun) return { logged, effects }
    let contactId: string | null = null
    let conversationId: string | null = null
    if (logged.status === 'logged' || logged.status === 'updated' || logged.status === 'already-done') {
      contactId = logged.contactId
      conversationId = logged.conversationId
    }
    if (missed) effects.push(...(await this.missedCall(call, contactId, signal)))
    if (contactId !== null && conversationId !== null) {
      effects.push(...(await this.voicemailNote(call, conversationId, signal)))
      effects.push(
        ...(await this.openTicket(call, callTicketTriggers(call, deps.config), contactId, conversationId, signal)),
      )
    }
    if (contactId === null || !deps.context) return { logged, effects }
    const needsContact = deps.vip !== null || deps.resolve !== null
    const contact = needsContact ? await deps.context.contact(contactId, signal) : null
    if (deps.vip && contact) {
      const vip = await deps.vip.handle(call, contact.attributes, conversationId, signal)
      effects.push(
        vip.status === 'skipped'
          ? { rule: 'vip', status: 'skipped', detail: vip.reason }
          : { rule: 'vip', status: 'applied', detail: [vip.rule, vip.assignedTo].filter(Boolean).join(' → ') },
      )
      if (vip.status !== 'skipped' && conversationId !== null && deps.config.tickets.on.includes('vip')) {
        effects.push(...(await this.openTicket(call, ['vip'], contactId, conversationId, signal)))
      }
    }
    if (deps.resolve && contact) {
      const resolved = await deps.resolve.handle(call, contact, conversationId, signal)
      effects.push(
        resolved.status === 'skipped'
          ? { rule: 'resolve', status: 'skipped', detail: resolved.reason }
          : { rule: 'resolve', status: resolved.status, detail: `conversation ${resolved.conversationId}` },
      )
      if (resolved.status !== 'skipped' && deps.tickets && deps.config.tickets.closeOnResolve) {
        const closed = await deps.tickets.close(call.callId, signal)
        if (closed.status !== 'no-ticket') effects.push(ticketCloseEffect(closed))
      }
    }
    return { logged, effects }
  }

  private async missedCall(
    call: CallRecord,
    knownContactId: string | null,
    signal?: AbortSignal,
    atHangup = false,
  ): Promise<Effect[]> {
    const { missedCall, resolver, config, tickets } = this.deps
    if (!missedCall) return []
    const early = preCheckMissedCall(call, config.missedCalls)
    if (early) return early === 'disabled' || early === 'not-missed' || early === 'outbound' ? [] : [skip(early)]
    if (tickets && voicemailReplacesMessage(call, config)) return [skip('voicemail: a ticket instead')]
    if (tickets && atHangup && config.missedCalls.onVoicemail === 'ticket') {
      // A voicemail opens a ticket instead of the message, and only call.ended says for sure whether one was left.
      return [{ rule: 'missed-call', status: 'deferred', detail: 'call.ended says whether a voicemail was left' }]
    }
    let contactId = knownContactId
    if (contactId === null) {
      const resolution = await resolver.resolve(call, { create: config.matching.createUnknown, signal })
      contactId = resolution.status === 'unmatched' ? null : resolution.contactId
    }
    const outcome = await missedCall.handle(call, contactId, signal)
    switch (outcome.status) {
      case 'sent':
        return [{ rule: 'missed-call', status: 'sent', detail: outcome.template || 'reconciled' }]
      case 'already-sent':
        return [{ rule: 'missed-call', status: 'already-sent' }]
      case 'skipped':
        return [skip(outcome.reason)]
    }
  }

  private async insightCard(call: CallRecord, signal?: AbortSignal): Promise<Effect[]> {
    const { insightCard, resolver } = this.deps
    if (!insightCard) return []
    if (call.direction !== 'inbound') return [{ rule: 'insight-card', status: 'skipped', detail: 'outbound' }]
    // A ringing call only looks the caller up: contacts are created when the call is logged.
    const resolution = await resolver.resolve(call, { create: false, signal })
    const contactId = resolution.status === 'unmatched' ? null : resolution.contactId
    const outcome = await insightCard.handle(call, contactId, signal)
    if (outcome.status === 'skipped') return [{ rule: 'insight-card', status: 'skipped', detail: outcome.reason }]
    if (outcome.status === 'already-posted') return [{ rule: 'insight-card', status: 'already-posted' }]
    return [{ rule: 'insight-card', status: 'posted', detail: outcome.known ? 'known caller' : 'new caller' }]
  }

  private async intercom(body: unknown, signal?: AbortSignal): Promise<Effect[]> {
    const parsed = safeParseIntercomEvent(body)
    if (!parsed.ok) throw parsed.error
    const event: IntercomEvent = parsed.event
    const echo = await this.deps.guard.check(event)
    if (echo.echo) return [{ rule: 'loop-guard', status: 'echo', detail: echo.why }]
    // Before the freshness check: the contact is read back as it is now, so an old webhook still updates rightly.
    if ((event.kind === 'contact' || event.kind === 'contact-change') && this.deps.contactIndex) {
      const change =
        event.kind === 'contact'
          ? { contactId: event.contactId, mergedFromId: null, removed: false }
          : { contactId: event.contactId, mergedFromId: event.mergedFromId, removed: event.removed }
      const outcome = await followContactChange(this.deps.contactIndex, change, signal)
      const forgotten = outcome.forgotten.length > 0 ? ` (forgot ${outcome.forgotten.join(', ')})` : ''
      return [{ rule: 'contact-index', status: outcome.status, detail: `contact ${outcome.contactId}${forgotten}` }]
    }
    const stale = await this.staleness(event.createdAt)
    if (stale) return [stale]
    if (event.kind !== 'conversation' || !this.deps.escalation) {
      return [{ rule: 'escalation', status: 'ignored', detail: event.topic }]
    }
    const outcome = await this.deps.escalation.handle(event, signal)
    switch (outcome.status) {
      case 'skipped':
        return [{ rule: 'escalation', status: 'skipped', detail: outcome.reason }]
      case 'already-queued':
        return [{ rule: 'escalation', status: 'already-queued', detail: `aircall user ${outcome.aircallUserId}` }]
      case 'queued':
        return [
          {
            rule: 'escalation',
            status: outcome.alreadyImported ? 'already-imported' : 'queued',
            detail: `${outcome.phone} → aircall user ${outcome.aircallUserId}`,
          },
        ]
    }
  }
}

const skip = (reason: string): Effect => ({ rule: 'missed-call', status: 'skipped', detail: reason })

const voicemailEffect = (outcome: VoicemailOutcome): Effect =>
  outcome.status === 'skipped'
    ? { rule: 'voicemail', status: 'skipped', detail: outcome.reason }
    : { rule: 'voicemail', status: outcome.status, detail: `conversation ${outcome.conversationId}` }

const ticketEffect = (outcome: TicketOutcome): Effect =>
  outcome.status === 'opened'
    ? { rule: 'ticket', status: 'opened', detail: `ticket ${outcome.ticketId} (${outcome.trigger}, ${outcome.via})` }
    : { rule: 'ticket', status: 'already-open', detail: `ticket ${outcome.ticketId}` }

const ticketCloseEffect = (outcome: Exclude<TicketCloseOutcome, { status: 'no-ticket' }>): Effect => ({
  rule: 'ticket',
  status: outcome.status,
  detail: `ticket ${outcome.ticketId}`,
})

const logEffect = (outcome: LogCallOutcome): Effect => {
  switch (outcome.status) {
    case 'logged':
    case 'updated':
      return { rule: 'log', status: outcome.status, detail: `conversation ${outcome.conversationId}` }
    case 'already-done':
      return { rule: 'log', status: 'already-done' }
    case 'skipped':
      return { rule: 'log', status: 'skipped', detail: outcome.reason }
  }
}
