import type { AppConfig } from '../config/schema.js'
import { GoneError, NotFoundError } from '../http/errors.js'
import type { IntercomClient } from '../intercom/client.js'
import { contactQuery } from '../intercom/query.js'
import type { IntercomContact } from '../intercom/schemas.js'
import type { IndexedContact, StateStore } from '../store/state-store.js'
import { countryOf, indexEntryOf } from './index-entry.js'

export const INDEX_CHECKPOINT = 'contacts:index'
const DAY_S = 86_400
const BATCH = 150
const MAX_SAMPLES = 10

export interface ContactIndexDeps {
  matching: AppConfig['matching']
  store: Pick<StateStore, 'contacts' | 'checkpoints' | 'ledger' | 'transaction' | 'counts'>
  intercom: IntercomClient
  /** UNIX ms. */
  now: () => number
}

export type RefreshEvent =
  | { type: 'start'; mode: 'full' | 'incremental'; since: number | null }
  | { type: 'progress'; seen: number; perSecond: number }

export interface RefreshOptions {
  full?: boolean
  signal?: AbortSignal
  onEvent?: (event: RefreshEvent) => void
}

export interface RefreshResult {
  mode: 'full' | 'incremental'
  /** ISO time of the previous checkpoint an incremental run started from. */
  since: string | null
  seen: number
  indexed: number
  withPhone: number
  unparseablePhones: number
  /** A few raw phone strings that could not be read, to show what needs fixing in Intercom. */
  unparseableSamples: string[]
  /** Index entries dropped: contacts merged away or deleted in Intercom. */
  removed: number
  indexSize: number
  elapsedMs: number
  requests: number
}

interface IndexCheckpoint {
  maxUpdatedAt: number
}

/**
 * Whether the index holds a finished refresh. Pages are stored as they arrive, so after a refresh killed mid-way the
 * index is non-empty yet partial; only the checkpoint, written once a refresh completes, says it is whole.
 */
export async function contactIndexComplete(store: Pick<StateStore, 'checkpoints'>): Promise<boolean> {
  return (await readCheckpoint(store)) !== null
}

async function readCheckpoint(store: Pick<StateStore, 'checkpoints'>): Promise<IndexCheckpoint | null> {
  const value = (await store.checkpoints.get(INDEX_CHECKPOINT))?.value
  return value && typeof value.maxUpdatedAt === 'number' ? { maxUpdatedAt: value.maxUpdatedAt } : null
}

/**
 * Builds the local phone/email → contact index from every Intercom user and lead, or, after a first full run,
 * only from contacts updated since the checkpoint. Merged-away and deleted contacts leave the index.
 */
export async function refreshContactIndex(
  deps: ContactIndexDeps,
  options: RefreshOptions = {},
): Promise<RefreshResult> {
  const { store, intercom, now } = deps
  const started = now()
  const requestsBefore = intercom.gate.stats().requests
  const checkpoint = options.full ? null : await readCheckpoint(store)
  const mode = checkpoint ? 'incremental' : 'full'
  options.onEvent?.({ type: 'start', mode, since: checkpoint?.maxUpdatedAt ?? null })

  const country = countryOf(deps.matching.defaultCountry)
  const seenIds = new Set<string>()
  const changedUsers: IndexedContact[] = []
  const samples = new Set<string>()
  let withPhone = 0
  let unparseable = 0
  let maxUpdatedAt = checkpoint?.maxUpdatedAt ?? 0
  let batch: IndexedContact[] = []
  const flush = async (): Promise<void> => {
    if (batch.length > 0) await store.contacts.upsert(batch)
    batch = []
    const elapsed = Math.max(1, now() - started)
    options.onEvent?.({ type: 'progress', seen: seenIds.size, perSecond: Math.round((seenIds.size * 1000) / elapsed) })
  }

  // Intercom compares dates by day, so `>` the day before re-reads the checkpoint's own day instead of missing it.
  const contacts: AsyncIterable<IntercomContact> = checkpoint
    ? intercom.contacts.search(contactQuery.gt('updated_at', checkpoint.maxUpdatedAt - DAY_S), {
        perPage: BATCH,
        signal: options.signal,
        readAhead: true,
      })
    : intercom.contacts.listAll({ perPage: BATCH, signal: options.signal, readAhead: true })
  for await (const contact of contacts) {
    if (seenIds.has(contact.id)) continue
    seenIds.add(contact.id)
    const entry = indexEntryOf(contact, 'refresh', country, now())
    if (entry.phoneRaw && entry.phoneRaw.trim() !== '') {
      withPhone++
      if (!entry.phoneE164) {
        unparseable++
        if (samples.size < MAX_SAMPLES) samples.add(entry.phoneRaw)
      }
    }
    if (entry.role === 'user' && checkpoint) changedUsers.push(entry)
    maxUpdatedAt = Math.max(maxUpdatedAt, entry.updatedAt)
    batch.push(entry)
    if (batch.length >= BATCH) await flush()
  }
  await flush()

  const removed = checkpoint
    ? await dropMergedLeads(deps, changedUsers, seenIds, options.signal)
    : await dropUnseen(deps, seenIds, started)
  await store.checkpoints.set(INDEX_CHECKPOINT, {
    maxUpdatedAt,
    mode,
    complete: true,
    at: new Date(now()).toISOString(),
  })

  return {
    mode,
    since: checkpoint ? new Date(checkpoint.maxUpdatedAt * 1000).toISOString() : null,
    seen: seenIds.size,
    indexed: seenIds.size,
    withPhone,
    unparseablePhones: unparseable,
    unparseableSamples: [...samples],
    removed,
    indexSize: (await store.counts()).contacts,
    elapsedMs: now() - started,
    requests: intercom.gate.stats().requests - requestsBefore,
  }
}

/** After a full listing, whatever was not seen is gone, except our own creates that search may not show yet. */
async function dropUnseen(deps: ContactIndexDeps, seen: Set<string>, startedAt: number): Promise<number> {
  const ttlMs = deps.matching.recentCreateTtlMinutes * 60_000
  const gone: string[] = []
  for await (const entry of deps.store.contacts.iterate()) {
    if (seen.has(entry.contactId)) continue
    const recentCreate =
      entry.origin === 'created' && (entry.indexedAt >= startedAt || startedAt - entry.indexedAt < ttlMs)
    if (!recentCreate) gone.push(entry.contactId)
  }
  await deps.store.contacts.remove(gone)
  return gone.length
}

/**
 * A merge updates the surviving user but never lists the lead it absorbed, so the leads sharing a phone or email
 * with a changed user are checked one by one: a 410 or 404 means they were merged away.
 */
async function dropMergedLeads(
  deps: ContactIndexDeps,
  changedUsers: IndexedContact[],
  seen: Set<string>,
  signal?: AbortSignal,
): Promise<number> {
  const suspects = new Map<string, IndexedContact>()
  for (const user of changedUsers) {
    const related = [
      ...(user.phoneE164 ? await deps.store.contacts.findByPhone(user.phoneE164) : []),
      ...(user.email ? await deps.store.contacts.findByEmail(user.email) : []),
    ]
    for (const entry of related) {
      if (entry.role === 'lead' && !seen.has(entry.contactId)) suspects.set(entry.contactId, entry)
    }
  }
  const gone: string[] = []
  for (const suspect of suspects.values()) {
    try {
      await deps.intercom.contacts.get(suspect.contactId, signal)
    } catch (error) {
      if (error instanceof GoneError || error instanceof NotFoundError) gone.push(suspect.contactId)
      else throw error
    }
  }
  await deps.store.contacts.remove(gone)
  return gone.length
}
