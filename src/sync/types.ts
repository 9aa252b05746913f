import type { CallRecord } from '../domain/call-record.js'
import type { Resolution } from '../matching/types.js'

export type LogCallOutcome =
  | { status: 'logged' | 'updated'; conversationId: string; contactId: string; resolution: Resolution }
  | { status: 'already-done'; conversationId: string | null; contactId: string | null }
  | {
      status: 'skipped'
      reason: 'anonymous' | 'invalid-number' | 'unmatched' | 'dry-run'
      resolution: Resolution | null
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
