/**
 * What the workspace keeps beside its records so searches stay proportional to what they return: equality indexes,
 * contacts in creation order, and cached results of full scans. Records are plain objects mutated in place by the
 * routes, so every route that changes a record says so (`Workspace.contactChanged` / `conversationChanged`);
 * records stored or removed through the Maps are seen without being told.
 */
import type { CountryCode } from 'libphonenumber-js'
import { InsertionOrder, KeyIndex, keyOf, type MapObserver } from './key-index.js'
import { formattedPhone } from './render.js'
import type { ContactRecord, ConversationRecord } from './state.js'

/** A full scan's result, valid while no contact changes and no contact crosses its search-lag deadline. */
export interface ScanResult<T> {
  items: T[]
  /** Position of an id in `items`, built on the first cursor that needs it. */
  positionOf(id: string): number
}

interface ScanEntry<T> {
  revision: number
  /** The clock may read anything in [floorMs, horizonMs) and still see the same contacts as searchable. */
  floorMs: number
  horizonMs: number
  items: T[]
  positions: Map<string, number> | null
}

const MAX_CACHED_SCANS = 8

/** Search order when no sort is given (created_at ascending, then id): the order `sortRecords` produces. */
function byCreatedAt(a: ContactRecord, b: ContactRecord): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

export class ContactIndex implements MapObserver<ContactRecord> {
  /** Bumped on every change to any contact: cached scans from an older revision are discarded. */
  private revision = 0
  readonly order = new InsertionOrder<ContactRecord>()
  readonly phone: KeyIndex<ContactRecord>
  readonly email: KeyIndex<ContactRecord>
  /** Lower-cased emails, for the 409 duplicate-user check. */
  readonly emailLower: KeyIndex<ContactRecord>
  readonly externalId: KeyIndex<ContactRecord>
  private readonly fixed: Array<KeyIndex<ContactRecord>>
  private formatted: { country: CountryCode | undefined; index: KeyIndex<ContactRecord> } | null = null
  private created: ContactRecord[] | null = null
  private readonly scans = new Map<string, ScanEntry<ContactRecord>>()

  constructor(private readonly all: () => Iterable<ContactRecord>) {
    this.phone = new KeyIndex((c) => keyOf(c.phone), all)
    this.email = new KeyIndex((c) => keyOf(c.email), all)
    this.emailLower = new KeyIndex((c) => keyOf(c.email?.toLowerCase() ?? null), all)
    this.externalId = new KeyIndex((c) => keyOf(c.externalId), all)
    this.fixed = [this.phone, this.email, this.emailLower, this.externalId]
  }

  /** Contacts by the E.164 form of their phone, as `formatted_phone` search compares it. */
  formattedPhone(country: CountryCode | undefined): KeyIndex<ContactRecord> {
    const current = this.formatted
    if (current !== null && current.country === country) return current.index
    const index = new KeyIndex<ContactRecord>((c) => keyOf(formattedPhone(c.phone, country)), this.all)
    this.formatted = { country, index }
    return index
  }

  /** Every contact, merged ones included, sorted by created_at then id. */
  byCreatedAt(): readonly ContactRecord[] {
    this.created ??= [...this.all()].sort(byCreatedAt)
    return this.created
  }

  added(contact: ContactRecord, replaced: ContactRecord | undefined): void {
    if (replaced !== undefined) this.unfile(replaced)
    this.order.add(contact, replaced)
    this.file(contact)
    this.revision++
  }

  removed(contact: ContactRecord): void {
    this.unfile(contact)
    this.order.remove(contact)
    this.revision++
  }

  cleared(): void {
    for (const index of this.keyIndexes()) index.reset()
    this.order.reset()
    this.created = null
    this.scans.clear()
    this.revision++
  }

  changed(contact: ContactRecord): void {
    for (const index of this.keyIndexes()) index.update(contact)
    if (this.created !== null && this.created[this.locate(contact)] !== contact) this.created = null
    this.revision++
  }

  /** Drops cached scans without saying which contact changed. */
  touch(): void {
    this.revision++
  }

  cachedScan(key: string, nowMs: number): ScanResult<ContactRecord> | null {
    const entry = this.scans.get(key)
    if (entry === undefined) return null
    if (entry.revision !== this.revision || nowMs < entry.floorMs || nowMs >= entry.horizonMs) {
      this.scans.delete(key)
      return null
    }
    return scanResult(entry)
  }

  storeScan(key: string, items: ContactRecord[], floorMs: number, horizonMs: number): ScanResult<ContactRecord> {
    if (this.scans.size >= MAX_CACHED_SCANS) {
      const oldest = this.scans.keys().next()
      if (oldest.done !== true) this.scans.delete(oldest.value)
    }
    const entry: ScanEntry<ContactRecord> = { revision: this.revision, floorMs, horizonMs, items, positions: null }
    this.scans.set(key, entry)
    return scanResult(entry)
  }

  private keyIndexes(): Array<KeyIndex<ContactRecord>> {
    return this.formatted === null ? this.fixed : [...this.fixed, this.formatted.index]
  }

  private file(contact: ContactRecord): void {
    for (const index of this.keyIndexes()) index.add(contact)
    if (this.created !== null) this.created.splice(this.locate(contact), 0, contact)
  }

  private unfile(contact: ContactRecord): void {
    for (const index of this.keyIndexes()) index.remove(contact)
    if (this.created !== null) {
      const at = this.created.indexOf(contact)
      if (at >= 0) this.created.splice(at, 1)
    }
  }

  /** First position in the created-at view whose contact does not sort before `contact`. */
  private locate(contact: ContactRecord): number {
    const view = this.created ?? []
    let lo = 0
    let hi = view.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const at = view[mid]
      if (at !== undefined && byCreatedAt(at, contact) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

function scanResult(entry: ScanEntry<ContactRecord>): ScanResult<ContactRecord> {
  return {
    items: entry.items,
    positionOf: (id) => {
      if (entry.positions === null) {
        entry.positions = new Map()
        entry.items.forEach((c, i) => entry.positions?.set(c.id, i))
      }
      return entry.positions.get(id) ?? -1
    },
  }
}

export class ConversationIndex implements MapObserver<ConversationRecord> {
  readonly order = new InsertionOrder<ConversationRecord>()
  readonly contactIds: KeyIndex<ConversationRecord>
  /** Conversations listing a contact twice: a merge anywhere rewrites them (it dedupes every conversation). */
  readonly withDuplicateContacts = new Set<ConversationRecord>()

  constructor(all: () => Iterable<ConversationRecord>) {
    this.contactIds = new KeyIndex((c) => c.contactIds, all)
  }

  added(conversation: ConversationRecord, replaced: ConversationRecord | undefined): void {
    if (replaced !== undefined) this.unfile(replaced)
    this.order.add(conversation, replaced)
    this.contactIds.add(conversation)
    this.checkDuplicates(conversation)
  }

  removed(conversation: ConversationRecord): void {
    this.unfile(conversation)
    this.order.remove(conversation)
  }

  cleared(): void {
    this.contactIds.reset()
    this.withDuplicateContacts.clear()
    this.order.reset()
  }

  changed(conversation: ConversationRecord): void {
    this.contactIds.update(conversation)
    this.checkDuplicates(conversation)
  }

  private unfile(conversation: ConversationRecord): void {
    this.contactIds.remove(conversation)
    this.withDuplicateContacts.delete(conversation)
  }

  private checkDuplicates(conversation: ConversationRecord): void {
    const ids = conversation.contactIds
    if (ids.length > 1 && new Set(ids).size !== ids.length) this.withDuplicateContacts.add(conversation)
    else this.withDuplicateContacts.delete(conversation)
  }
}
