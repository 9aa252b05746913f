import type { AppConfig, MissedCallTemplate } from '../config/schema.js'
import type { CallRecord } from '../domain/call-record.js'
import type { IntercomClient } from '../intercom/client.js'
import { conversationQuery } from '../intercom/query.js'
import { callerE164, callTemplateContext } from './call-content.js'
import { isPermanentError } from '../http/failure.js'
import type { IntercomContext } from './intercom-context.js'
import { decideMissedCallMessage, type MissedCallSkipReason } from '../rules/missed-call.js'
import type { StateStore } from '../store/state-store.js'
import { renderMissedCallMessage } from '../templates/index.js'

export type MissedCallOutcome =
  | { status: 'sent'; messageId: string; conversationId: string | null; template: string; reconciled: boolean }
  | { status: 'already-sent' }
  | { status: 'skipped'; reason: MissedCallSkipReason }

export interface MissedCallDeps {
  store: Pick<StateStore, 'ledger' | 'marks' | 'transaction'>
  intercom: IntercomClient
  context: IntercomContext
  adminId: string
  config: AppConfig['missedCalls']
  now: () => number
}

export const missedMessageStepKey = (callId: string): string => `call:${callId}:missed-message`
const cooldownMarkKey = (caller: string): string => `missed-call:last-message:${caller}`

/** The reasons a missed-call message is skipped before anyone is looked up (no Intercom request needed). */
export const preCheckMissedCall = (call: CallRecord, config: AppConfig['missedCalls']): MissedCallSkipReason | null => {
  const probe = decideMissedCallMessage({
    call,
    contact: { id: '-', attributes: {}, tags: [] },
    config: { ...config, templates: [{ name: '-', when: 'any', messageType: 'inapp', body: '-' }] },
    lastMessagedAt: null,
    now: 0,
  })
  return probe.send ? null : probe.reason
}

/**
 * Sends the admin-initiated message after a missed inbound call: at most once per call (ledger), and at most
 * once per caller within the cooldown (a store mark taken atomically with the ledger step, so concurrent
 * calls from one caller cannot both pass). Runs on `call.hungup` already; `call.ended` finds the step done.
 */
export class MissedCallService {
  constructor(private readonly deps: MissedCallDeps) {}

  async handle(call: CallRecord, contactId: string | null, signal?: AbortSignal): Promise<MissedCallOutcome> {
    const { store, config, now } = this.deps
    const key = missedMessageStepKey(call.callId)
    const existing = await store.ledger.get(key)
    if (existing?.status === 'done') return { status: 'already-sent' }
    const early = preCheckMissedCall(call, config)
    if (early) return { status: 'skipped', reason: early }
    if (contactId === null) return { status: 'skipped', reason: 'no-contact' }

    if (existing?.status === 'pending') {
      const found = await this.reconcile(
        call,
        typeof existing.data.contactId === 'string' ? existing.data.contactId : contactId,
        existing.createdAt,
        signal,
      )
      if (found) return found
    }

    const contact = await this.deps.context.contact(contactId, signal)
    const caller = callerE164(call) ?? call.rawDigits
    const markKey = cooldownMarkKey(caller)
    const reserved = await store.transaction(
      async (tx) => {
        if ((await tx.ledger.get(key))?.status === 'done') return 'done' as const
        const previous = await tx.marks.get(markKey)
        const retrying = (await tx.ledger.get(key))?.status === 'pending'
        const decision = decideMissedCallMessage({
          call,
          contact: { id: contact.id, attributes: contact.attributes, tags: contact.tags },
          config,
          // A retry of this call's own send must not be blocked by the mark it set itself.
          lastMessagedAt: previous === null || retrying ? null : Math.floor(previous / 1000),
          now: Math.floor(now() / 1000),
        })
        if (!decision.send) return decision
        await tx.marks.set(markKey, now())
        await tx.ledger.begin(key, {
          contactId: contact.id,
          caller,
          template: decision.template.name,
          previousMark: previous,
        })
        return { ...decision, previous }
      },
      // The caller's cooldown and this call's step: another process deciding for the same caller waits for this one.
      { lockKeys: [markKey, key] },
    )
    if (reserved === 'done') return { status: 'already-sent' }
    if (!reserved.send) return { status: 'skipped', reason: reserved.reason }

    try {
      const sent = await this.send(call, contact, reserved.template, signal)
      await store.ledger.complete(key, sent.id, { conversationId: sent.conversationId })
      return {
        status: 'sent',
        messageId: sent.id,
        conversationId: sent.conversationId,
        template: reserved.template.name,
        reconciled: false,
      }
    } catch (error) {
      // Rejected outright: nothing went out, so release the cooldown for this caller's next call.
      if (isPermanentError(error)) {
        await store.transaction(async (tx) => {
          await tx.ledger.fail(key, error instanceof Error ? error.message : String(error))
          await tx.marks.set(markKey, reserved.previous ?? 0)
        })
      }
      throw error
    }
  }

  private async send(
    call: CallRecord,
    contact: { id: string; name: string | null; email: string | null; role: string },
    template: MissedCallTemplate,
    signal?: AbortSignal,
  ): Promise<{ id: string; conversationId: string | null }> {
    const { intercom, adminId } = this.deps
    const body = renderMissedCallMessage(callTemplateContext(call, contact), template.body)
    // Intercom's /messages `to.type` must name the contact's role: a lead addressed as a user is refused.
    const contactRole = contact.role === 'lead' ? 'lead' : 'user'
    const message =
      template.messageType === 'email'
        ? await intercom.messages.sendEmail(
            {
              adminId,
              contactId: contact.id,
              contactRole,
              subject: template.subject ?? 'Sorry we missed your call',
              body,
            },
            { signal },
          )
        : await intercom.messages.sendInApp({ adminId, contactId: contact.id, contactRole, body }, { signal })
    return { id: message.id, conversationId: message.conversation_id ?? null }
  }

  /**
   * A step left pending by a crash or a timeout may have sent the message. Each message opens a conversation
   * from our admin, so one created for the contact since the step began means it went out.
   */
  private async reconcile(
    call: CallRecord,
    contactId: string,
    since: number,
    signal?: AbortSignal,
  ): Promise<MissedCallOutcome | null> {
    const sinceSeconds = Math.floor(since / 1000) - 1
    // Intercom's search takes `>` and `<` on dates, never `>=` (a 400), and compares by calendar day in the
    // workspace's zone up to 2.16: ask from two days before, then keep what was created since the step began.
    const query = conversationQuery.and(
      conversationQuery.eq('contact_ids', contactId),
      conversationQuery.gt('created_at', sinceSeconds - 2 * 86_400),
    )
    for await (const conversation of this.deps.intercom.conversations.search(query, { signal })) {
      const { source, created_at: createdAt } = conversation as {
        source?: { author?: { type?: string; id?: unknown } }
        created_at?: unknown
      }
      if (typeof createdAt === 'number' && createdAt < sinceSeconds) continue
      if (source?.author?.type === 'admin' && String(source.author.id) === this.deps.adminId) {
        await this.deps.store.ledger.complete(missedMessageStepKey(call.callId), null, {
          conversationId: conversation.id,
          reconciled: true,
        })
        return { status: 'sent', messageId: '', conversationId: conversation.id, template: '', reconciled: true }
      }
    }
    return null
  }
}
