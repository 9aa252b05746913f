import type { CallRecord } from '../domain/call-record.js'
import type { Resolution } from '../matching/types.js'

export type LogCallOutcome =
  | { status: 'logged' | 'updated'; conversationId: string; contactId: string; resolution: Resolution }
  | { status: 'already-done'; conversationId: string | null; contactId: string | null }
  | {
      status: 'skipped'
      reason: 'anonymous' | 'invalid-number' | 'unmatched' | 'dry-run'
      resolution: Resolution | null
      /** With reason "dry-run": what the run would write for this call. */
      plan?: CallWritePlan
    }

/** What logging one call would write: a dry run's answer, the same decisions the real run takes. */
export interface CallWritePlan {
  /** The call's conversation when the ledger knows it; null when the run would open one (or pick the latest). */
  conversationId: string | null
  /** A first note, or the note rewritten because Aircall changed the call. */
  note: 'add' | 'update'
  /** The custom attributes its tags would write (`tags.map`). */
  tagAttributes: string[]
}

/**
 * Logs one call into Intercom (a conversation per call or a note on the contact's latest open
 * conversation, per config). Idempotent through the ledger: logging the same call twice creates
 * nothing new, and a call re-read after Aircall rewrote it updates what was logged.
 */
export interface CallLogger {
  log(
    call: CallRecord,
    options?: {
      dryRun?: boolean
      signal?: AbortSignal
      findExisting?: boolean
      prePass?: (call: CallRecord) => Promise<void>
    },
  ): Promise<LogCallOutcome>
}
