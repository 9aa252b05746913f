import type { CallRecord } from '../domain/call-record.js'
import { type JobKind, type JobVia, jobEventType, jobIdentity } from '../domain/job.js'
import type { StateStore } from '../store/state-store.js'

/**
 * Dead letters of a history run live in the store's event queue beside the listener's, as typed jobs: a call
 * whose logging exhausted its retries becomes a `job.log-call` (or `job.tag-attributes`) event with status `dead`
 * holding its origin and the full call, and its ledger step `call:<id>:log` is marked failed with the error.
 * `events replay <id>` runs it through the same pipeline with the history origin: no customer message, no
 * assignment, no resolve.
 */

export const logStepKey = (callId: string): string => `call:${callId}:log`

export interface DeadLetterJob {
  kind: JobKind
  via: JobVia
}

/** Records one dead letter; returns the queue event id (`events show/replay`). */
export function deadLetterCall(
  store: Pick<StateStore, 'ledger' | 'queue' | 'transaction'>,
  job: DeadLetterJob,
  call: CallRecord,
  error: string,
  nowMs: number,
): Promise<number> {
  return store.transaction(async (tx) => {
    await tx.ledger.fail(logStepKey(call.callId), error)
    const { id } = await tx.queue.enqueue({
      source: 'job',
      identity: jobIdentity(job.kind, call.callId),
      type: jobEventType(job.kind),
      subject: `aircall:call:${call.callId}`,
      payload: JSON.stringify({ kind: job.kind, origin: 'history', via: job.via, call }),
      receivedAt: nowMs,
    })
    // The identity is the call's: a call dead-lettered again by a later run is the same job, with its new error.
    await tx.queue.deadLetter(id, error)
    return id
  })
}

/** A call that failed earlier and has now been logged leaves no failed step behind. */
export async function clearDeadLetter(store: Pick<StateStore, 'ledger'>, callId: string): Promise<void> {
  const step = await store.ledger.get(logStepKey(callId))
  if (step?.status === 'failed') await store.ledger.complete(logStepKey(callId), null, { recovered: true })
}
