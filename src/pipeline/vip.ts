import type { AppConfig } from '../config/schema.js'
import type { CallRecord } from '../domain/call-record.js'
import type { IntercomClient } from '../intercom/client.js'
import type { IntercomContext } from './intercom-context.js'
import { ECHO_KINDS, ORIGIN_MARKER } from '../rules/loop-guard.js'
import { decideVip } from '../rules/vip.js'
import { escapeHtml } from '../templates/index.js'
import type { StateStore } from '../store/state-store.js'
import type { LoopGuard } from './loop-guard.js'

export type VipOutcome =
  | { status: 'skipped'; reason: 'not-vip' | 'no-conversation' }
  | { status: 'applied'; rule: string; noted: boolean; assignedTo: string | null; route: string | null }

export interface VipDeps {
  store: Pick<StateStore, 'ledger'>
  intercom: IntercomClient
  context: IntercomContext
  guard: LoopGuard
  adminId: string
  config: AppConfig['vip']
}

const noteNeedle = (callId: string): string => `High-value call (Aircall call ${callId})`

/**
 * High-value calls: an internal note on the call's conversation and/or its assignment to the first matching
 * route (else the default route). Each write is a ledger step, so a replayed event writes nothing twice.
 */
export class VipService {
  constructor(private readonly deps: VipDeps) {}

  async handle(
    call: CallRecord,
    contactAttributes: Record<string, unknown>,
    conversationId: string | null,
    signal?: AbortSignal,
  ): Promise<VipOutcome> {
    const decision = decideVip({ call, contactAttributes, config: this.deps.config })
    if (!decision.vip) return { status: 'skipped', reason: 'not-vip' }
    if (conversationId === null) return { status: 'skipped', reason: 'no-conversation' }
    const { store, intercom, adminId, guard, context } = this.deps

    let noted = false
    if (decision.note) {
      const key = `call:${call.callId}:vip-note`
      const step = await store.ledger.get(key)
      const needle = noteNeedle(call.callId)
      if (step?.status !== 'done') {
        const already = step?.status === 'pending' && (await context.hasPartContaining(conversationId, needle, signal))
        if (!already) {
          await store.ledger.begin(key, { conversationId, rule: decision.rule })
          const body = `<p><b>${escapeHtml(needle)}</b></p><p>Rule: ${escapeHtml(decision.rule)}${
            decision.routeName ? `, route: ${escapeHtml(decision.routeName)}` : ''
          }</p>${ORIGIN_MARKER}`
          await intercom.conversations.addNote(conversationId, { adminId, body }, { signal })
        }
        await store.ledger.complete(key, conversationId)
        noted = true
      }
    }

    let assignedTo: string | null = null
    if (decision.route) {
      const key = `call:${call.callId}:vip-assign`
      const route = decision.route
      if ((await store.ledger.get(key))?.status !== 'done') {
        await store.ledger.begin(key, { conversationId, route })
        await guard.record({
          service: 'intercom',
          kind: ECHO_KINDS.conversationAssign,
          targetId: conversationId,
          payload: {
            adminId: route.type === 'admin' ? route.id : null,
            teamId: route.type === 'team' ? route.id : null,
          },
        })
        // Assigning is a state change: repeating it after a timeout leaves the same assignee.
        await intercom.conversations.assign(
          conversationId,
          { adminId, assigneeId: route.id, type: route.type },
          { replaySafe: true, signal },
        )
        await store.ledger.complete(key, conversationId)
      }
      assignedTo = `${route.type}:${route.id}`
    }
    return { status: 'applied', rule: decision.rule, noted, assignedTo, route: decision.routeName }
  }
}
