import type { AppConfig } from '../config/schema.js'
import type { CallRecord } from '../domain/call-record.js'
import type { IntercomClient } from '../intercom/client.js'
import { callTemplateContext } from './call-content.js'
import type { IntercomContext } from './intercom-context.js'
import { ECHO_KINDS, ORIGIN_MARKER } from '../rules/loop-guard.js'
import { decideResolve, type ResolveSkipReason } from '../rules/resolve.js'
import type { StateStore } from '../store/state-store.js'
import { renderResolveNote } from '../templates/index.js'
import type { LoopGuard } from './loop-guard.js'

export type ResolveOutcome =
  | { status: 'skipped'; reason: ResolveSkipReason | 'no-conversation' }
  | { status: 'already-resolved'; conversationId: string }
  | { status: 'resolved'; conversationId: string; via: 'ticket-reference' | 'call-conversation' }

export interface ResolveDeps {
  store: Pick<StateStore, 'ledger'>
  intercom: IntercomClient
  context: IntercomContext
  guard: LoopGuard
  adminId: string
  config: AppConfig['resolve']
}

/**
 * A call tagged with the resolving tag closes the conversation a ticket reference in its comments names, or
 * else the call's own (or the contact's open) conversation, after a call-summary note.
 */
export class ResolveConversationService {
  constructor(private readonly deps: ResolveDeps) {}

  async handle(
    call: CallRecord,
    contact: { name: string | null; email: string | null } | null,
    callConversationId: string | null,
    signal?: AbortSignal,
  ): Promise<ResolveOutcome> {
    const decision = decideResolve({ call, config: this.deps.config })
    if (!decision.resolve) return { status: 'skipped', reason: decision.reason }
    const conversationId = decision.conversationId ?? callConversationId
    if (conversationId === null) return { status: 'skipped', reason: 'no-conversation' }
    const via = decision.conversationId ? 'ticket-reference' : 'call-conversation'
    const { store, intercom, adminId, guard, context, config } = this.deps

    const closeKey = `call:${call.callId}:resolve-close`
    if ((await store.ledger.get(closeKey))?.status === 'done') return { status: 'already-resolved', conversationId }

    const noteKey = `call:${call.callId}:resolve-note`
    const note = await store.ledger.get(noteKey)
    if (note?.status !== 'done') {
      // The rendered note is deterministic for a call, so a pending step finds its own note by its text.
      const text = renderResolveNote(callTemplateContext(call, contact), config.noteTemplate)
      const already = note?.status === 'pending' && (await context.hasPartContaining(conversationId, text, signal))
      if (!already) {
        await store.ledger.begin(noteKey, { conversationId })
        await intercom.conversations.addNote(conversationId, { adminId, body: `${text}${ORIGIN_MARKER}` }, { signal })
      }
      await store.ledger.complete(noteKey, conversationId)
    }

    await store.ledger.begin(closeKey, { conversationId })
    await guard.record({
      service: 'intercom',
      kind: ECHO_KINDS.conversationClose,
      targetId: conversationId,
      payload: null,
    })
    await intercom.conversations.close(conversationId, { adminId }, { replaySafe: true, signal })
    await store.ledger.complete(closeKey, conversationId)
    return { status: 'resolved', conversationId, via }
  }
}
