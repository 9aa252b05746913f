/**
 * Shape of a generated world: both Aircall and Intercom seeds plus `truth`, the answer key that lets
 * tests in other modules assert exact matching, audit and dedupe outcomes.
 */
import type { AircallSeed } from '../aircall/model.js'
import type { IntercomSeed } from '../types.js'

export interface GenerateWorldOptions {
  seed?: number
  /** Number of calls (default 500). */
  calls?: number
  /** Period covered by the calls, ending at `now` (default 30 days). */
  days?: number
  /** UNIX ms; default a fixed instant (2026-09-28T12:00:00Z) so the world is reproducible. */
  now?: number
}

export type DuplicateKind = 'lead-user-phone' | 'leads-email' | 'users-phone'

export interface DuplicateGroup {
  kind: DuplicateKind
  /** The shared E.164 number or the shared (lower-cased) email. */
  key: string
  /** Intercom contact ids in the group, oldest first. */
  contactIds: string[]
  /** The phone values exactly as stored on each contact (same order), showing the mixed formats. */
  storedPhones: Array<string | null>
  /** Intercom can only merge a lead into a user: two users, or two leads, cannot be merged. */
  mergeable: boolean
}

export interface EmailOnlyMatch {
  /** Caller E.164 as Aircall reports it. */
  phone: string
  email: string
  /** Intercom contact that has the email but no phone. */
  contactId: string
  /** Aircall shared contact that carries both the phone and the email. */
  aircallContactId: number
}

export interface SeedTruth {
  /** Caller E.164 → the Intercom contact a correct resolver picks (user over lead, then oldest). */
  callerToContact: Record<string, string>
  /** Caller E.164 → every Intercom contact that belongs to that caller (duplicates included). */
  callerToContacts: Record<string, string[]>
  /** How the preferred contact is reachable: by normalised phone, or only via the Aircall contact's email. */
  matchedBy: Record<string, 'phone' | 'email'>
  /** Valid callers (E.164) that have an Intercom contact. */
  knownCallers: string[]
  /** Valid callers (E.164) with no Intercom contact at all: `audit unmatched` must list exactly these. */
  unknownCallers: string[]
  /** `raw_digits` of too-short numbers that must never be guessed into E.164. */
  invalidCallers: string[]
  invalidCallIds: number[]
  anonymousCallIds: number[]
  emailOnlyMatches: EmailOnlyMatch[]
  duplicateGroups: DuplicateGroup[]
  /** The Intercom admin whose email equals an Aircall user's email. */
  adminMatchingAircallUser: { adminId: string; aircallUserId: number; email: string }
  /** Every caller E.164 that placed or received at least one call, with its call count. */
  callsPerCaller: Record<string, number>
  /** Calls whose AI endpoints answer 200 (transcript, summary, sentiment and topics; some also action items). */
  aiCallIds: number[]
  /** Lines without the AI plan: their calls' AI endpoints answer 403. */
  noAiNumberIds: number[]
  /** Missed calls that left a voicemail. */
  voicemailCallIds: number[]
  /** The seeded message threads, one per line, channel and other party. */
  messageThreads: MessageThread[]
}

export interface MessageThread {
  numberId: number
  channel: 'sms' | 'whatsapp'
  /** The other party, E.164. */
  phone: string
  messageIds: string[]
  /** WhatsApp only: whether the customer wrote within 24 hours of `now` (free text may be sent). */
  windowOpen: boolean
}

export interface SeedWorld {
  seed: number
  now: number
  aircall: AircallSeed
  intercom: IntercomSeed
  truth: SeedTruth
}
