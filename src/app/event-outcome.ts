import type { EventOutcome, OutcomeObject, QueuedEvent, StateStore } from '../store/state-store.js'
import { conversationStepKey } from '../pipeline/call-logger.js'
import type { PipelineResult } from '../pipeline/pipeline.js'

const CALL_SUBJECT = /^aircall:call:(.+)$/
const CONVERSATION_DETAIL = /^conversation ([^\s;]+)(?:;|$)/
/** Rules whose effect detail names the Intercom conversation they wrote on. */
const CONVERSATION_RULES: ReadonlySet<string> = new Set(['log', 'resolve', 'tags', 'insights', 'voicemail', 'messages'])
const AIRCALL_USER_DETAIL = /aircall user (\S+)$/

/**
 * The outcome stored with a completed event: the pipeline's trail, and the objects it wrote or acted on. The
 * pipeline names conversations in its effects; the contact a call was logged on is in the call's ledger step,
 * which the call logger completed during this attempt (or an earlier one: `already-done` names no conversation).
 */
export const eventOutcome = async (
  store: Pick<StateStore, 'ledger'>,
  event: QueuedEvent,
  result: PipelineResult,
  durationMs: number | null,
): Promise<EventOutcome> => {
  const objects: OutcomeObject[] = []
  const add = (object: OutcomeObject): void => {
    if (
      !objects.some((known) => known.service === object.service && known.kind === object.kind && known.id === object.id)
    )
      objects.push(object)
  }
  const callId = CALL_SUBJECT.exec(event.subject ?? '')?.[1] ?? null
  if (callId !== null) add({ service: 'aircall', kind: 'call', id: callId })
  for (const effect of result.effects) {
    const conversation = CONVERSATION_DETAIL.exec(effect.detail ?? '')?.[1]
    if (conversation && CONVERSATION_RULES.has(effect.rule))
      add({ service: 'intercom', kind: 'conversation', id: conversation })
    const user = effect.rule === 'escalation' ? AIRCALL_USER_DETAIL.exec(effect.detail ?? '')?.[1] : undefined
    if (user) add({ service: 'aircall', kind: 'user', id: user })
  }
  const logged = result.effects.some((effect) => effect.rule === 'log' && effect.status !== 'skipped')
  if (callId !== null && logged) {
    const step = await store.ledger.get(conversationStepKey(callId))
    if (step?.status === 'done' && step.externalId)
      add({ service: 'intercom', kind: 'conversation', id: step.externalId })
    const contactId = step?.data.contactId
    if (typeof contactId === 'string' && contactId) add({ service: 'intercom', kind: 'contact', id: contactId })
  }
  return {
    effects: result.effects.map((effect) => ({ ...effect })),
    objects,
    summary: result.summary,
    durationMs: durationMs === null ? null : Math.round(durationMs * 10) / 10,
  }
}

/** `rule`, `rule:status` or `rule:status:detail` → the store's outcome filter. */
export const parseOutcomeFilter = (text: string): { rule: string; status?: string; detail?: string } => {
  const [rule = '', status, ...detail] = text.split(':')
  return {
    rule,
    ...(status ? { status } : {}),
    ...(detail.length > 0 ? { detail: detail.join(':') } : {}),
  }
}
