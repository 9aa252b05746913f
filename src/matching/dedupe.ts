import { ApiError, GoneError, NotFoundError } from '../http/errors.js'
import { toE164 } from '../phone/index.js'
import type { IndexedContact } from '../store/state-store.js'
import { planDedupe, type DedupeGroup, type PlannedMerge } from './dedupe-planner.js'
import { candidateOf, countryOf, indexEntryOf } from './index-entry.js'
import {
  contactIndexComplete,
  refreshContactIndex,
  type ContactIndexDeps,
  type RefreshEvent,
  type RefreshResult,
} from './refresh.js'

export interface GroupMember {
  id: string
  role: 'user' | 'lead'
  name: string | null
  email: string | null
  phone: string | null
}

export type DedupeGroupView = DedupeGroup & { members: GroupMember[] }

export type MergeStatus = 'merged' | 'already-merged' | 'failed'

export interface MergeOutcome {
  from: string
  into: string
  status: MergeStatus
  error?: string
}

export interface DedupeResult {
  /** Set when the index held no finished refresh and was built first. */
  refreshed: RefreshResult | null
  contactsIndexed: number
  groups: DedupeGroupView[]
  plannedMerges: number
  /** Users that share an identifier with another user: Intercom cannot merge them, so they are only reported. */
  usersNotMergeable: number
  leadsOnlyGroups: number
  applied: boolean
  merges: MergeOutcome[]
}

export interface DedupeOptions {
  apply: boolean
  /** Asked once, with the plan, before any merge; false leaves everything as it is. */
  confirm?: (plan: DedupeResult) => Promise<boolean>
  signal?: AbortSignal
  onEvent?: (event: RefreshEvent | { type: 'merge'; outcome: MergeOutcome }) => void
}

export const mergeStepKey = (merge: { from: string; into: string }): string => `merge:${merge.from}:${merge.into}`

/**
 * Groups indexed contacts sharing a normalised phone or email and, with `apply`, merges each lead into its
 * group's user. Every merge is a ledger step, so a rerun after a crash skips what was done and a lead already
 * merged away (410/404) counts as done.
 */
export async function dedupeContacts(deps: ContactIndexDeps, options: DedupeOptions): Promise<DedupeResult> {
  const { store } = deps
  let refreshed: RefreshResult | null = null
  // A non-empty index may be the pages of a refresh that was killed: planning from it would miss duplicates.
  if (!(await contactIndexComplete(store))) {
    refreshed = await refreshContactIndex(deps, { signal: options.signal, onEvent: options.onEvent })
  }

  const entries: IndexedContact[] = []
  for await (const entry of store.contacts.iterate()) entries.push(entry)
  const byId = new Map(entries.map((entry) => [entry.contactId, entry]))
  const country = countryOf(deps.matching.defaultCountry)
  // The planner reads the raw phone; the index already holds its reading, so both agree on every number.
  const readings = new Map(entries.flatMap((entry) => (entry.phoneRaw ? [[entry.phoneRaw, entry.phoneE164]] : [])))
  const normalise = (phone: string): string | null =>
    readings.has(phone) ? (readings.get(phone) ?? null) : toE164(phone, country)
  const groups = planDedupe(entries.map(candidateOf), normalise).map((group) => withMembers(group, byId))

  const result: DedupeResult = {
    refreshed,
    contactsIndexed: entries.length,
    groups,
    plannedMerges: groups.reduce((sum, group) => sum + group.merges.length, 0),
    usersNotMergeable: groups.reduce((sum, group) => sum + group.usersNotMergeable.length, 0),
    leadsOnlyGroups: groups.filter((group) => group.leadsOnly).length,
    applied: false,
    merges: [],
  }
  if (!options.apply || result.plannedMerges === 0) return result
  if (options.confirm && !(await options.confirm(result))) return result

  result.applied = true
  for (const group of groups) {
    for (const merge of group.merges) {
      options.signal?.throwIfAborted()
      const outcome = await mergeOnce(deps, merge, options.signal)
      result.merges.push(outcome)
      options.onEvent?.({ type: 'merge', outcome })
    }
  }
  return result
}

async function mergeOnce(deps: ContactIndexDeps, merge: PlannedMerge, signal?: AbortSignal): Promise<MergeOutcome> {
  const { store, intercom } = deps
  const key = mergeStepKey(merge)
  if ((await store.ledger.get(key))?.status === 'done') {
    await store.contacts.remove([merge.from])
    return { from: merge.from, into: merge.into, status: 'already-merged' }
  }
  await store.ledger.begin(key, { from: merge.from, into: merge.into, shared: merge.shared })
  try {
    // The lead is merged away, so rewriting its address loses nothing; the user keeps its own spelling.
    if (merge.alignEmail !== undefined) await intercom.contacts.update(merge.from, { email: merge.alignEmail }, signal)
    const survivor = await intercom.contacts.merge(merge.from, merge.into, { signal })
    await store.transaction(async (tx) => {
      await tx.contacts.remove([merge.from])
      await tx.contacts.upsert([indexEntryOf(survivor, 'refresh', countryOf(deps.matching.defaultCountry), deps.now())])
      await tx.ledger.complete(key, survivor.id)
    })
    return { from: merge.from, into: merge.into, status: 'merged' }
  } catch (error) {
    if ((error instanceof GoneError || error instanceof NotFoundError) && (await mergedAway(deps, merge, signal))) {
      await store.transaction(async (tx) => {
        await tx.contacts.remove([merge.from])
        await tx.ledger.complete(key, merge.into, { alreadyMerged: true })
      })
      return { from: merge.from, into: merge.into, status: 'already-merged' }
    }
    if (!(error instanceof ApiError)) throw error
    await store.ledger.fail(key, error.message)
    return { from: merge.from, into: merge.into, status: 'failed', error: error.detail ?? error.message }
  }
}

/** A 404 on merge may name either side; only a `from` that no longer exists means the merge already happened. */
async function mergedAway(deps: ContactIndexDeps, merge: PlannedMerge, signal?: AbortSignal): Promise<boolean> {
  try {
    await deps.intercom.contacts.get(merge.from, signal)
    return false
  } catch (error) {
    if (error instanceof GoneError || error instanceof NotFoundError) return true
    throw error
  }
}

function withMembers(group: DedupeGroup, byId: Map<string, IndexedContact>): DedupeGroupView {
  const members = group.contactIds.flatMap((id) => {
    const entry = byId.get(id)
    return entry ? [{ id, role: entry.role, name: entry.name, email: entry.email, phone: entry.phoneRaw }] : []
  })
  return { ...group, members }
}
