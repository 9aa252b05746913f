import type { AppConfig } from '../config/schema.js'
import { isPlannedContact } from '../matching/types.js'
import type { StateStore } from '../store/state-store.js'
import type { PlannedCall } from './backfill-engine.js'
import { iso } from '../sources/range.js'

/** One row of a dry run's plan: a call, the contact it would go on, and what logging it would write. */
export interface PlanRow {
  callId: string
  startedAt: string
  /** The caller's E.164, or the digits Aircall sent when they do not read as one. */
  caller: string
  /** The contact's id, or "new contact" for one the run would create. */
  contact: string
  contactName: string | null
  /** Why this contact: the resolver's reason (index, search, created, tie-break). */
  match: string
  /** The conversation the note goes in: its id when the ledger knows it, else what the run would open. */
  conversation: string
  /** "add" a first note, or "update" the note of a call Aircall rewrote. */
  note: 'add' | 'update'
  /** Custom attributes the call's tags would write, comma-separated. */
  tagAttributes: string
}

export interface DryRunPlan {
  rows: PlanRow[]
}

export const NEW_CONTACT = 'new contact'

/** The plan of a dry run, row per call it would log, named from the (in-memory) contact index. */
export async function dryRunPlan(
  planned: readonly PlannedCall[],
  store: Pick<StateStore, 'contacts'>,
  mode: AppConfig['logging']['mode'],
): Promise<DryRunPlan> {
  const names = new Map<string, string | null>()
  for (const { resolution } of planned) {
    const contactId = resolution && resolution.status !== 'unmatched' ? resolution.contactId : null
    if (contactId !== null && !names.has(contactId)) {
      names.set(contactId, (await store.contacts.get(contactId))?.name ?? null)
    }
  }
  const nameOf = (contactId: string): string | null => names.get(contactId) ?? null
  const rows = planned.map(({ call, resolution, plan }): PlanRow => {
    const contactId = resolution && resolution.status !== 'unmatched' ? resolution.contactId : null
    const isNew = contactId === null || isPlannedContact(contactId)
    return {
      callId: call.callId,
      startedAt: iso(call.startedAt),
      caller: (resolution?.e164 ?? null) || call.rawDigits,
      contact: isNew ? NEW_CONTACT : contactId,
      contactName: isNew ? null : nameOf(contactId),
      match: resolution && resolution.status !== 'unmatched' ? resolution.reason : '',
      conversation:
        plan.conversationId ?? (mode === 'note' ? "the contact's latest open conversation" : 'new conversation'),
      note: plan.note,
      tagAttributes: plan.tagAttributes.join(', '),
    }
  })
  return { rows }
}

const CSV_COLUMNS = [
  ['call_id', 'callId'],
  ['caller', 'caller'],
  ['contact', 'contact'],
  ['conversation', 'conversation'],
  ['note', 'note'],
  ['tag_attributes', 'tagAttributes'],
  ['started_at', 'startedAt'],
  ['contact_name', 'contactName'],
  ['match', 'match'],
] as const satisfies ReadonlyArray<readonly [string, keyof PlanRow]>

/** RFC 4180 quoting; a leading = + - @ is prefixed so a spreadsheet never runs a caller's name as a formula. */
const csvField = (value: string | null): string => {
  let text = value ?? ''
  if (/^[=+\-@\t\r]/.test(text) && !/^[+-]?\d/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** The plan as CSV: a header line, then one line per call. */
export function planCsv(plan: DryRunPlan): string {
  const lines = [CSV_COLUMNS.map(([header]) => header).join(',')]
  for (const row of plan.rows) lines.push(CSV_COLUMNS.map(([, key]) => csvField(row[key])).join(','))
  return `${lines.join('\n')}\n`
}
