/**
 * The local phone → contact index (`contacts refresh`), also fed by every contact a search showed or a create
 * returned, so most callers are matched without asking Intercom.
 */

/**
 * How a stored phone was read as one E.164 number: as spelled with its own country code, or a national spelling
 * read under the contact's location country or under the workspace default country. Strongest first.
 */
export const READING_DERIVATIONS = ['international', 'contact-country', 'default-country'] as const
export type StoredDerivation = (typeof READING_DERIVATIONS)[number]

export interface ContactReading {
  e164: string
  derivation: StoredDerivation
}

export interface IndexedContact {
  contactId: string
  role: 'user' | 'lead'
  name: string | null
  /** Trimmed and lower-cased: what matching compares. */
  email: string | null
  /**
   * The address exactly as Intercom holds it, for a merge: Intercom's duplicate validation compares it untrimmed.
   * Absent when written by code that only matches; null in rows indexed before migration 7.
   */
  emailRaw?: string | null
  phoneRaw: string | null
  /** The strongest reading of the stored phone (what dedupe and reports show). */
  phoneE164: string | null
  /**
   * Every plausible reading of the stored phone, strongest first, each found by its E.164. Absent when written:
   * `phoneE164` is the one reading (international when the raw phone starts with "+", else the default country's).
   */
  readings?: ContactReading[]
  /** ISO country of the contact's Intercom `location`, when Intercom knows it. */
  country?: string | null
  /**
   * The last digits of the stored number, so a national spelling can be found for a caller of any country and
   * read under that country (see src/matching/index-entry.ts).
   */
  phoneTail?: string | null
  createdAt: number
  updatedAt: number
  lastSeenAt: number | null
  /**
   * Where the entry came from: a `contacts refresh` (a listing of every contact, or of every change since the last
   * one), a contact this toolkit created itself, or a search result (what one caller's search happened to show:
   * no proof that no other contact holds another caller's number). A search result never downgrades an entry
   * a refresh listed.
   */
  origin: 'refresh' | 'created' | 'search'
  indexedAt: number
}

export interface ContactUpsertOptions {
  /**
   * The entries only spare a later search (what a lookup showed, a contact just created): they may be committed
   * after the call returns, and a crash or a failed commit before then costs only that search. Without it the
   * write is durable, or throws, before the call returns: a refresh then records how far it read.
   */
  bestEffort?: boolean
}

export interface ContactIndex {
  /**
   * Inserts or replaces each contact whole, its readings included (an edited phone keeps none of its old ones).
   * Reads through this store see the entries at once, whatever the options.
   */
  upsert(contacts: readonly IndexedContact[], options?: ContactUpsertOptions): void
  remove(contactIds: readonly string[]): void
  get(contactId: string): IndexedContact | undefined
  /**
   * Contacts with a reading equal to `e164`, in contact id order, each with that one reading in `readings` (the
   * lookup runs per caller: `get` has all of them).
   */
  findByPhone(e164: string): IndexedContact[]
  /**
   * Contacts whose phone is spelled with its own country code as `e164` (their strongest reading), each with that
   * reading: what answers most callers, in one indexed lookup.
   */
  findSpelledInternationally(e164: string): IndexedContact[]
  /** Contacts whose stored phone ends in `tail` (see IndexedContact.phoneTail), without their readings. */
  findByPhoneTail(tail: string): IndexedContact[]
  /** Compared trimmed and case-insensitively. */
  findByEmail(email: string): IndexedContact[]
  /** Every contact, in contact id order, without their readings. */
  iterate(): IterableIterator<IndexedContact>
}

const DERIVATION_RANK: Record<StoredDerivation, number> = {
  international: 0,
  'contact-country': 1,
  'default-country': 2,
}

/** Orders readings strongest first, as every backend returns them. */
export const byReadingStrength = (a: ContactReading, b: ContactReading): number =>
  DERIVATION_RANK[a.derivation] - DERIVATION_RANK[b.derivation]

/** The readings to store for a contact: what a writer that predates readings meant by `phoneE164`. */
export function readingsToStore(contact: IndexedContact): ContactReading[] {
  if (contact.readings) return contact.readings
  if (!contact.phoneE164) return []
  const spelledInternational = contact.phoneRaw?.trimStart().startsWith('+') ?? true
  return [{ e164: contact.phoneE164, derivation: spelledInternational ? 'international' : 'default-country' }]
}

/** Emails are stored and looked up trimmed and lower-cased. */
export const indexedEmail = (email: string): string => email.trim().toLowerCase()
