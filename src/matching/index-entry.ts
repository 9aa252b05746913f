import { isSupportedCountry } from 'libphonenumber-js'

import type { IntercomContact } from '../intercom/schemas.js'
import { normalisePhone, type CountryCode } from '../phone/index.js'
import type { IndexedContact } from '../store/state-store.js'
import type { ContactCandidate } from './tie-break.js'

/** A configured ISO code libphonenumber knows, or undefined (the schema only checks the shape). */
export function countryOf(code: string | null | undefined): CountryCode | undefined {
  return code && isSupportedCountry(code) ? code : undefined
}

/**
 * The E.164 identity of a phone a person typed into Intercom. Our own reading with the workspace's country comes
 * first; Intercom's `formatted_phone` (2.16) is the fallback for spellings we cannot read.
 */
export function storedPhoneE164(
  raw: string | null | undefined,
  formatted: string | null | undefined,
  defaultCountry: CountryCode | undefined,
): string | null {
  if (raw && raw.trim() !== '') {
    const ours = normalisePhone(raw, defaultCountry)
    if (ours.kind === 'valid') return ours.e164
  }
  if (formatted && formatted.trim() !== '') {
    const theirs = normalisePhone(formatted)
    if (theirs.kind === 'valid') return theirs.e164
  }
  return null
}

export function roleOf(role: string): 'user' | 'lead' {
  return role === 'user' ? 'user' : 'lead'
}

/** An Intercom contact as the local index keeps it. */
export function indexEntryOf(
  contact: IntercomContact,
  origin: IndexedContact['origin'],
  defaultCountry: CountryCode | undefined,
  indexedAt: number,
): IndexedContact {
  const createdAt = contact.created_at ?? Math.floor(indexedAt / 1000)
  return {
    contactId: contact.id,
    role: roleOf(contact.role),
    name: contact.name ?? null,
    email: contact.email ? contact.email.trim().toLowerCase() : null,
    phoneRaw: contact.phone ?? null,
    phoneE164: storedPhoneE164(contact.phone, contact.formatted_phone, defaultCountry),
    createdAt,
    updatedAt: contact.updated_at ?? createdAt,
    lastSeenAt: contact.last_seen_at ?? null,
    origin,
    indexedAt,
  }
}

export function candidateOf(entry: IndexedContact): ContactCandidate {
  return {
    id: entry.contactId,
    role: entry.role,
    email: entry.email,
    phone: entry.phoneRaw,
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
    lastSeenAt: entry.lastSeenAt,
  }
}
