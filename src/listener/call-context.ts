import type { CallRecord } from '../domain/call-record.js'
import { normalisePhone } from '../phone/index.js'
import type { CallTemplateContext } from '../templates/index.js'

/** The caller's E.164 number, or null for an anonymous or unparseable caller (never guessed). */
export const callerE164 = (call: CallRecord): string | null => {
  const phone = normalisePhone(call.rawDigits, (call.line.country ?? undefined) as Parameters<typeof normalisePhone>[1])
  return phone.kind === 'valid' ? phone.e164 : null
}

/** The template context of a normalised call (webhook or API), with the Intercom contact when known. */
export const templateContextOf = (
  call: CallRecord,
  contact: { name: string | null; email: string | null } | null,
): CallTemplateContext => {
  const aircallName = [call.contact?.firstName, call.contact?.lastName].filter(Boolean).join(' ').trim()
  return {
    callId: call.callId,
    direction: call.direction,
    type: call.kind,
    startedAt: call.startedAt,
    durationSeconds: call.durationSeconds,
    timeZone: call.line.timeZone ?? 'UTC',
    line: { name: call.line.name ?? '', digits: call.line.digits ?? '' },
    agent: call.agent ? { name: call.agent.name ?? '', email: call.agent.email ?? '' } : null,
    caller: { name: aircallName || contact?.name || null, phone: callerE164(call) },
    missedReason: call.missedReason,
    assetUrl: call.assetUrl,
    tags: [...call.tags],
    comments: [...call.comments],
    contact,
  }
}
