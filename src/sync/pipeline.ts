import type { AppConfig } from '../config/schema.js'
import { safeParseAircallEvent, type AircallCallEvent } from '../domain/aircall-event.js'
import type { CallRecord } from '../domain/call-record.js'
import { safeParseIntercomEvent, type IntercomEvent } from '../domain/intercom-event.js'
import { parseJob } from '../domain/job.js'
import { allowsLiveRules, looksUpExisting, type Origin } from '../domain/origin.js'
import { PermanentError } from '../errors.js'
import type { IntercomContext } from './intercom-context.js'
import { isAiEvent } from '../aircall/ai-schemas.js'
import { followContactChange } from '../matching/index-follower.js'
import type { ContactIndexDeps } from '../matching/refresh.js'
import type { ContactResolver } from '../matching/types.js'
import type { QueuedEvent, StateStore } from '../store/state-store.js'
import { type CallInsightService, insightCallId } from './call-insights.js'
import type { EscalationService } from './escalation.js'
import type { InsightCardService } from './insight-card.js'
import type { LoopGuard } from './loop-guard.js'
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
  store: StateStore
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
}

/** Lifecycle order of Aircall call events; 0 for events that do not move the call forward (tags, comments). */
const STAGE: Readonly<Record<string, number>> = {
  'call.created': 1,
  'call.ringing_on_agent': 2,
  'call.answered': 3,
  'call.hungup': 4,
  'call.ended': 5,
}

const callStateKey = (callId: string): string => `listener:call:${callId}`

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
      const state = callId === null ? undefined : this.deps.store.getCheckpoint(callStateKey(callId))?.value
      if (typeof state?.notLogged === 'string') {
        return [{ rule: 'insights', status: 'skipped', detail: `call not logged (${state.notLogged})` }]
      }
      const outcome = await this.deps.insights.handle(event.event, data, signal)
      switch (outcome.status) {
        case 'noted':
          return [{ rule: 'insights', status: 'noted', detail: `conversation ${outcome.conversationId}` }]
        case 'already-noted':
          return [{ rule: 'insights', status: 'already-noted', detail: `conversation ${outcome.conversationId}` }]
        case 'skipped':
          return [{ rule: 'insights', status: 'skipped', detail: outcome.reason }]
      }
    }
    if (event.kind !== 'call') return [{ rule: 'call-state', status: 'ignored', detail: event.event }]
    const echo = this.deps.guard.check(event)
    if (echo.echo) return [{ rule: 'loop-guard', status: 'echo', detail: echo.why }]
    if (this.upsertCallState(event) === 'stale') {
      return [{ rule: 'call-state', status: 'superseded', detail: `${event.event} after a later event` }]
    }
    const call = event.call
    const stale = this.staleness(event.timestamp)
    const origin: Origin = stale ? 'history' : 'live'
    const history = stale ? [stale] : []
    switch (event.event) {
      case 'call.created':
      case 'call.ringing_on_agent':
        return stale ? history : this.insightCard(call, signal)
      case 'call.hungup':
        return stale ? history : this.missedCall(call, null, signal)
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
      case 'call.comm_assets_generated':
      case 'call.voicemail_left':
      case 'call.assigned':
      case 'call.archived':
        return [{ rule: 'call-state', status: 'recorded', detail: event.event }]
    }
  }

  /**
   * A webhook older than `listener.staleAfterHours` (a redelivery after an outage, a replay days later) is still
   * logged, but as history: no customer message, no assignment, no resolve. Counted for `status`.
   */
  private staleness(timestampSeconds: number): Effect | null {
    const { config, now, store } = this.deps
    const ageHours = (now() / 1000 - timestampSeconds) / 3600
    if (ageHours <= config.listener.staleAfterHours) return null
    store.transaction(() => {
      const previous = store.getCheckpoint(STALE_EVENTS_CHECKPOINT)?.value.count
      store.setCheckpoint(STALE_EVENTS_CHECKPOINT, {
        count: (typeof previous === 'number' ? previous : 0) + 1,
        lastAt: now(),
      })
    })
    return { rule: 'freshness', status: 'stale', detail: `${Math.round(ageHours)} h old: handled as history` }
  }

  /** Upserts the call's furthest lifecycle stage; an event older than what was processed is stale. */
  /** Insights of this call then know not to wait for its conversation. */
  private rememberNotLogged(callId: string, reason: string): void {
    const { store } = this.deps
    store.transaction(() => {
      const known = store.getCheckpoint(callStateKey(callId))?.value ?? {}
      store.setCheckpoint(callStateKey(callId), { ...known, notLogged: reason })
    })
  }

  private upsertCallState(event: AircallCallEvent): 'current' | 'stale' {
    const stage = STAGE[event.event] ?? 0
    const { store } = this.deps
    return store.transaction(() => {
      const known = store.getCheckpoint(callStateKey(event.callId))?.value
      const knownStage = typeof known?.stage === 'number' ? known.stage : 0
      if (stage > 0 && stage < knownStage) return 'stale'
      if (stage >= knownStage) {
        store.setCheckpoint(callStateKey(event.callId), { stage, event: event.event, timestamp: event.timestamp })
      }
      return 'current'
    })
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
    if (logged.status === 'skipped' && !dryRun) this.rememberNotLogged(call.callId, logged.reason)
    if (!allowsLiveRules(origin) || dryRun) return { logged, effects }
    let contactId: string | null = null
    let conversationId: string | null = null
    if (logged.status === 'logged' || logged.status === 'updated' || logged.status === 'already-done') {
      contactId = logged.contactId
      conversationId = logged.conversationId
    }
    if (missed) effects.push(...(await this.missedCall(call, contactId, signal)))
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
    }
    if (deps.resolve && contact) {
      const resolved = await deps.resolve.handle(call, contact, conversationId, signal)
      effects.push(
        resolved.status === 'skipped'
          ? { rule: 'resolve', status: 'skipped', detail: resolved.reason }
          : { rule: 'resolve', status: resolved.status, detail: `conversation ${resolved.conversationId}` },
      )
    }
    return { logged, effects }
  }

  private async missedCall(call: CallRecord, knownContactId: string | null, signal?: AbortSignal): Promise<Effect[]> {
    const { missedCall, resolver, config } = this.deps
    if (!missedCall) return []
    const early = preCheckMissedCall(call, config.missedCalls)
    if (early) return early === 'disabled' || early === 'not-missed' || early === 'outbound' ? [] : [skip(early)]
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
    const echo = this.deps.guard.check(event)
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
    const stale = this.staleness(event.createdAt)
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
