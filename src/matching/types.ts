import type { CallRecord } from '../domain/call-record.js'

/** How an Aircall caller was (or was not) tied to an Intercom contact. */
export type Resolution =
  | {
      status: 'matched'
      contactId: string
      role: 'user' | 'lead'
      e164: string | null
      /** The step that found it, in resolver order. */
      via:
        | 'index'
        | 'recent-create'
        | 'formatted_phone'
        | 'phone-variant'
        | 'email'
        | 'conflict'
        | 'discovered'
        | 'catch-all'
      /** Why this contact among several (tie-break), recorded in the ledger. */
      reason: string
      candidates: number
      /** On the catch-all contact (`via: 'catch-all'`): what kept the call off a real contact. */
      catchAllFor?: 'invalid-number' | 'ambiguous'
      /** An ambiguous caller's candidates, named in the note of a call logged on the catch-all contact. */
      candidateIds?: string[]
    }
  | {
      status: 'created'
      contactId: string
      role: 'user' | 'lead'
      e164: string | null
      reason: string
    }
  | {
      status: 'unmatched'
      reason: 'anonymous' | 'invalid-number' | 'no-contact' | 'ambiguous'
      e164: string | null
      /** What was tried, for `audit unmatched` (numbers/variants/emails). */
      tried: string[]
      detail: string
      /** With reason "ambiguous": the contacts that stayed equally plausible, sorted by id. */
      candidates?: string[]
    }

const PLANNED_CONTACT = 'planned:'

/** The placeholder id a dry run gives the contact it would create for a number. */
export const plannedContactId = (e164: string): string => `${PLANNED_CONTACT}${e164}`

/** Whether a contact id is a dry run's placeholder for a contact it would create. */
export const isPlannedContact = (contactId: string): boolean => contactId.startsWith(PLANNED_CONTACT)

export interface ResolveOptions {
  /** Create the contact when nothing matches (config `matching.createUnknown` decides the default). */
  create: boolean
  /** Never write: report what would be created. */
  dryRun?: boolean
  signal?: AbortSignal
}

/** One resolver serves every sync path: backfill, sync, CSV import, listener and audit. */
export interface ContactResolver {
  resolve(call: CallRecord, options: ResolveOptions): Promise<Resolution>
}
