import type { AircallCallLike, CallRecord } from '../domain/call-record.js'
import type { StateStore } from '../store/state-store.js'

/**
 * Dead letters of a backfill live in the store's event queue, like the listener's: a call whose logging
 * exhausted its retries becomes a `call.ended` event with status `dead` (and its ledger step `call:<id>:log`
 * is marked failed with the error). `events replay <id>` puts it back in the queue, and the worker logs it
 * through the same call logger, which reconciles whatever the failed attempts left half-done.
 */

export const logStepKey = (callId: string): string => `call:${callId}:log`
export const deadLetterIdentity = (callId: string): string => `backfill:call:${callId}`

/** The CallRecord back in Aircall's webhook `data` shape, so the queue worker parses it like a live event. */
export function toAircallCall(call: CallRecord): AircallCallLike {
  return {
    id: /^\d+$/.test(call.callId) ? Number(call.callId) : call.callId,
    direction: call.direction,
    status: call.status,
    started_at: call.startedAt,
    answered_at: call.answeredAt,
    ended_at: call.endedAt,
    duration: call.durationSeconds,
    missed_call_reason: call.missedReason,
    raw_digits: call.rawDigits,
    asset: call.assetUrl,
    archived: call.archived,
    cost: call.cost,
    number: {
      id: call.line.id,
      name: call.line.name,
      digits: call.line.digits,
      country: call.line.country,
      time_zone: call.line.timeZone,
    },
    user: call.agent ? { id: call.agent.id, name: call.agent.name, email: call.agent.email } : null,
    teams: call.teams.map((name) => ({ name })),
    tags: call.tags.map((name) => ({ name })),
    comments: call.comments.map((content) => ({ content })),
    contact: call.contact
      ? {
          id: call.contact.id,
          first_name: call.contact.firstName,
          last_name: call.contact.lastName,
          company_name: call.contact.companyName,
          emails: call.contact.emails.map((value) => ({ value })),
          phone_numbers: call.contact.phones.map((value) => ({ value })),
        }
      : null,
  }
}

/** Records one dead letter; returns the queue event id (`events show/replay`). */
export function deadLetterCall(store: StateStore, call: CallRecord, error: string, nowMs: number): number {
  return store.transaction(() => {
    store.failStep(logStepKey(call.callId), error)
    const payload = JSON.stringify({
      resource: 'call',
      event: 'call.ended',
      timestamp: Math.floor(nowMs / 1000),
      // The webhook token is checked at intake only; a secret never enters the store.
      token: '',
      data: toAircallCall(call),
    })
    const { id } = store.enqueueEvent({
      source: 'aircall',
      identity: deadLetterIdentity(call.callId),
      type: 'call.ended',
      subject: `aircall:call:${call.callId}`,
      payload,
      receivedAt: nowMs,
    })
    store.deadLetterEvent(id, error)
    return id
  })
}

/** A call that failed earlier and has now been logged leaves no failed step behind. */
export function clearDeadLetter(store: StateStore, callId: string): void {
  const step = store.getStep(logStepKey(callId))
  if (step?.status === 'failed') store.completeStep(logStepKey(callId), null, { recovered: true })
}
