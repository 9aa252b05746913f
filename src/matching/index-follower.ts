import { GoneError, NotFoundError } from '../http/errors.js'
import { countryOf, indexEntryOf } from './index-entry.js'
import type { ContactIndexDeps } from './refresh.js'

/** A contact Intercom says changed: its id, the one merged into it, and whether it was archived or deleted. */
export interface ContactChange {
  contactId: string
  mergedFromId: string | null
  removed: boolean
}

export type FollowOutcome =
  | { status: 'indexed'; contactId: string; forgotten: string[] }
  | { status: 'removed'; contactId: string; forgotten: string[] }

/**
 * Keeps the local contact index as Intercom is, one webhook at a time: a created or edited contact is read back
 * (one GET: the webhook's item has 2.x dates as ISO strings and no promise to follow the API version) and indexed
 * under the readings of its own phone; a merged-away, archived or deleted one is forgotten, so no caller finds a
 * contact Intercom no longer shows.
 */
export async function followContactChange(
  deps: ContactIndexDeps,
  change: ContactChange,
  signal?: AbortSignal,
): Promise<FollowOutcome> {
  const { store, intercom, matching, now } = deps
  const forgotten = change.mergedFromId ? [change.mergedFromId] : []
  if (change.removed) {
    await store.contacts.remove([change.contactId, ...forgotten])
    return { status: 'removed', contactId: change.contactId, forgotten: [change.contactId, ...forgotten] }
  }
  try {
    const contact = await intercom.contacts.get(change.contactId, signal)
    await store.transaction(async (tx) => {
      if (forgotten.length > 0) await tx.contacts.remove(forgotten)
      await tx.contacts.upsert([indexEntryOf(contact, 'refresh', countryOf(matching.defaultCountry), now())])
    })
    return { status: 'indexed', contactId: contact.id, forgotten }
  } catch (error) {
    // Gone since the webhook was sent (merged or deleted in between): the later webhook says into what.
    if (!(error instanceof NotFoundError || error instanceof GoneError)) throw error
    await store.contacts.remove([change.contactId, ...forgotten])
    return { status: 'removed', contactId: change.contactId, forgotten: [change.contactId, ...forgotten] }
  }
}
