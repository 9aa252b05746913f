import { createHash } from 'node:crypto'

import type { TagMapping } from '../config/schema.js'
import type { CallRecord } from '../domain/call-record.js'
import type { IntercomClient } from '../intercom/client.js'
import { type AttributeValue, type AttributeWrite, planTagAttributes } from '../rules/tag-attributes.js'
import type { StateStore } from '../store/state-store.js'
import type { DataAttributeEnsurer } from './data-attributes.js'

export interface CallAttributePlan {
  writes: AttributeWrite[]
  contact: Record<string, AttributeValue>
  conversation: Record<string, AttributeValue>
  /** Stable digest of the writes: an unchanged plan is not written twice. */
  hash: string
}

/** What a call's tags write, split by target; empty when no mapping matches. */
export function planCallAttributes(call: CallRecord, mapping: readonly TagMapping[]): CallAttributePlan {
  const writes = planTagAttributes(call.tags, mapping, { at: call.startedAt })
  const contact: Record<string, AttributeValue> = {}
  const conversation: Record<string, AttributeValue> = {}
  for (const write of writes) {
    if (write.target === 'contact' || write.target === 'both') contact[write.attribute] = write.value
    if (write.target === 'conversation' || write.target === 'both') conversation[write.attribute] = write.value
  }
  // Most calls carry no mapped tag: their (constant) digest is not recomputed for every call.
  const hash = writes.length === 0 ? EMPTY_PLAN_HASH : planHash(contact, conversation)
  return { writes, contact, conversation, hash }
}

const planHash = (contact: Record<string, AttributeValue>, conversation: Record<string, AttributeValue>): string =>
  createHash('sha256')
    .update(JSON.stringify([contact, conversation]))
    .digest('hex')
    .slice(0, 16)

const EMPTY_PLAN_HASH = planHash({}, {})

export interface ApplyAttributesInput {
  call: CallRecord
  contactId: string
  /** The call's conversation; conversation-target writes are skipped without one. */
  conversationId: string | null
  signal?: AbortSignal
}

export type ApplyAttributesOutcome =
  { status: 'written'; attributes: string[] } | { status: 'unchanged' | 'nothing-to-write' }

export const attrsStepKey = (callId: string): string => `call:${callId}:attrs`

/**
 * Writes the tag → attribute mapping of one call: creates missing data attributes first, then one
 * PUT per target. PUTs overwrite, so a step found pending after a crash is simply written again; the
 * ledger keeps the plan's hash so an unchanged call costs no request on the next run.
 */
export class TagAttributeWriter {
  constructor(
    private readonly deps: {
      store: Pick<StateStore, 'ledger'>
      intercom: IntercomClient
      ensurer: DataAttributeEnsurer
      mapping: readonly TagMapping[]
    },
  ) {}

  get enabled(): boolean {
    return this.deps.mapping.length > 0
  }

  plan(call: CallRecord): CallAttributePlan {
    return planCallAttributes(call, this.deps.mapping)
  }

  async apply(input: ApplyAttributesInput): Promise<ApplyAttributesOutcome> {
    const plan = this.plan(input.call)
    if (plan.writes.length === 0) return { status: 'nothing-to-write' }
    const key = attrsStepKey(input.call.callId)
    const step = await this.deps.store.ledger.get(key)
    const target = `${input.contactId}/${input.conversationId ?? '-'}`
    if (step?.status === 'done' && step.data.hash === plan.hash && step.data.target === target) {
      return { status: 'unchanged' }
    }
    await this.deps.store.ledger.begin(key, { hash: plan.hash, target })
    const { ensurer, intercom } = this.deps
    for (const write of plan.writes) {
      if (write.target !== 'conversation') await ensurer.ensure('contact', write.attribute, write.dataType)
      if (write.target !== 'contact' && input.conversationId !== null) {
        await ensurer.ensure('conversation', write.attribute, write.dataType)
      }
    }
    if (Object.keys(plan.contact).length > 0) {
      await intercom.contacts.update(input.contactId, { custom_attributes: plan.contact }, input.signal)
    }
    if (Object.keys(plan.conversation).length > 0 && input.conversationId !== null) {
      await intercom.conversations.update(input.conversationId, { customAttributes: plan.conversation }, input.signal)
    }
    await this.deps.store.ledger.complete(key, input.contactId, { hash: plan.hash, target })
    return { status: 'written', attributes: plan.writes.map((write) => write.attribute) }
  }
}
