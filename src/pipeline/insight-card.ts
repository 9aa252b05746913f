import type { AircallClient } from '../aircall/client.js'
import type { AppConfig } from '../config/schema.js'
import type { CallRecord } from '../domain/call-record.js'
import { ValidationError } from '../http/errors.js'
import type { IntercomContext } from './intercom-context.js'
import { buildInsightCard, type InsightCardContact } from '../rules/insight-card.js'
import type { StateStore } from '../store/state-store.js'

export type InsightCardOutcome =
  | { status: 'skipped'; reason: 'disabled' | 'outbound' | 'call-over' }
  | { status: 'already-posted' }
  | { status: 'posted'; known: boolean; openConversations: number }

export interface InsightCardDeps {
  store: Pick<StateStore, 'ledger'>
  aircall: AircallClient
  context: IntercomContext
  config: AppConfig['insightCards']
}

/**
 * While an inbound call rings, the agent sees the caller's Intercom context in Aircall: name, company, plan,
 * open conversations and a link to the latest. Posted once per call (`call.created` and
 * `call.ringing_on_agent` both ask for it).
 */
export class InsightCardService {
  constructor(private readonly deps: InsightCardDeps) {}

  async handle(call: CallRecord, contactId: string | null, signal?: AbortSignal): Promise<InsightCardOutcome> {
    const { store, config, context, aircall } = this.deps
    if (!config.enabled) return { status: 'skipped', reason: 'disabled' }
    if (call.direction !== 'inbound') return { status: 'skipped', reason: 'outbound' }
    const key = `call:${call.callId}:insight-card`
    const step = await store.ledger.get(key)
    if (step?.status === 'done') return { status: 'already-posted' }
    if (step?.status === 'failed') return { status: 'skipped', reason: 'call-over' }

    let contact: InsightCardContact | null = null
    let open: Awaited<ReturnType<IntercomContext['openConversations']>> = []
    if (contactId !== null) {
      const found = await context.contact(contactId, signal)
      contact = { ...found, companyName: found.companyName }
      open = await context.openConversations(contactId, signal)
    }
    const card = buildInsightCard({ contact, openConversations: open, config, appId: await context.appId(signal) })
    await store.ledger.begin(key, { contactId })
    try {
      // A card shown twice is harmless; a card never shown is the failure the agent would notice.
      await aircall.calls.createInsightCard(Number(call.callId), card.contents, { replaySafe: true, signal })
    } catch (error) {
      // Aircall refuses cards once the call is over: by then nobody is looking, so it is not a failure.
      if (error instanceof ValidationError && error.status === 422) {
        await store.ledger.fail(key, 'the call was over before the card was posted')
        return { status: 'skipped', reason: 'call-over' }
      }
      throw error
    }
    await store.ledger.complete(key, null, { contactId })
    return { status: 'posted', known: contact !== null, openConversations: open.length }
  }
}
