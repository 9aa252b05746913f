import { ConflictError, GoneError } from '../http/errors.js'
import { collect } from '../http/paginate.js'
import { type ContactField, type SearchQuery, contactQuery } from './query.js'
import type { IntercomRequester, SearchOptions, WriteOptions } from './requester.js'
import {
  type IntercomContact,
  type IntercomNote,
  type IntercomTag,
  contactSearchPageSchema,
  intercomContactSchema,
  intercomNoteSchema,
  intercomTagSchema,
} from './schemas.js'

export interface ContactInput {
  role?: 'user' | 'lead'
  external_id?: string
  email?: string
  phone?: string
  name?: string
  owner_id?: string | number
  signed_up_at?: number
  last_seen_at?: number
  unsubscribed_from_emails?: boolean
  custom_attributes?: Record<string, string | number | boolean | null>
}

/** Follow at most this many merges, as Intercom itself resolves up to 3 hops. */
const MAX_MERGE_HOPS = 3

export class IntercomContacts {
  constructor(private readonly api: IntercomRequester) {}

  /** Every contact matching `query`; the cursor travels in the request body, as Intercom requires. */
  search(query: SearchQuery<ContactField>, options: SearchOptions = {}): AsyncGenerator<IntercomContact> {
    return this.api.search('/contacts/search', query, contactSearchPageSchema, (p) => p.data, options)
  }

  /** Every user and lead, through search (one ordered cursor, retry-safe). */
  listAll(options: SearchOptions = {}): AsyncGenerator<IntercomContact> {
    return this.search(contactQuery.or(contactQuery.eq('role', 'user'), contactQuery.eq('role', 'lead')), {
      perPage: 150,
      ...options,
    })
  }

  /**
   * Contacts whose phone is `e164` or one of `variants` (other spellings of the same number). From 2.16
   * Intercom also indexes `formatted_phone` (E.164), which matches whatever format the contact was saved with.
   */
  async findByPhone(e164: string, variants: string[] = [], options: SearchOptions = {}): Promise<IntercomContact[]> {
    const spellings = [...new Set([e164, ...variants])]
    const byPhone = contactQuery.in('phone', spellings)
    const query = supportsFormattedPhone(this.api.version)
      ? contactQuery.or(contactQuery.eq('formatted_phone', e164), byPhone)
      : byPhone
    return collect(this.search(query, options), 100)
  }

  async get(id: string, signal?: AbortSignal): Promise<IntercomContact> {
    return (
      await this.api.http.request({ method: 'GET', path: `/contacts/${id}`, schema: intercomContactSchema, signal })
    ).data
  }

  /** Like get, but a merged-away id (410 with a canonical `Link`) resolves to the surviving contact. */
  async getFollowingMerges(id: string, signal?: AbortSignal): Promise<IntercomContact> {
    let current = id
    for (let hop = 0; ; hop++) {
      try {
        return await this.get(current, signal)
      } catch (error) {
        if (!(error instanceof GoneError) || error.canonicalId === undefined || hop >= MAX_MERGE_HOPS) throw error
        current = error.canonicalId
      }
    }
  }

  /**
   * Creates a contact. Not replayed after a 5xx or timeout unless `replaySafe` (the caller reconciles by
   * searching); a 409 throws ConflictError whose `existingId` names the matching contact.
   */
  async create(input: ContactInput, options: WriteOptions = {}): Promise<IntercomContact> {
    const { data } = await this.api.http.request({
      method: 'POST',
      path: '/contacts',
      body: input,
      schema: intercomContactSchema,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data
  }

  /** Creates the contact, or returns the one Intercom says already matches (search lags behind creates). */
  async createOrGetExisting(
    input: ContactInput,
    options: WriteOptions = {},
  ): Promise<{ contact: IntercomContact; created: boolean }> {
    try {
      return { contact: await this.create(input, options), created: true }
    } catch (error) {
      if (!(error instanceof ConflictError) || error.existingId === undefined) throw error
      return { contact: await this.getFollowingMerges(error.existingId, options.signal), created: false }
    }
  }

  /** PUT overwrites the given fields, so it is replayed like any idempotent request. */
  async update(id: string, patch: ContactInput, signal?: AbortSignal): Promise<IntercomContact> {
    const { data } = await this.api.http.request({
      method: 'PUT',
      path: `/contacts/${id}`,
      body: patch,
      schema: intercomContactSchema,
      signal,
    })
    return data
  }

  /** Merges lead `fromId` into user `intoId`; returns the surviving contact. */
  async merge(
    fromId: string,
    intoId: string,
    options: WriteOptions & { skipDuplicateValidation?: boolean } = {},
  ): Promise<IntercomContact> {
    const { data } = await this.api.http.request({
      method: 'POST',
      path: '/contacts/merge',
      body: {
        from: fromId,
        into: intoId,
        ...(options.skipDuplicateValidation ? { skip_duplicate_validation: true } : {}),
      },
      schema: intercomContactSchema,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data
  }

  /** Attaches a tag to a contact; attaching twice leaves one tag, so replays are allowed by default. */
  async tag(contactId: string, tagId: string, options: WriteOptions = {}): Promise<IntercomTag> {
    const { data } = await this.api.http.request({
      method: 'POST',
      path: `/contacts/${contactId}/tags`,
      body: { id: tagId },
      schema: intercomTagSchema,
      replaySafe: options.replaySafe ?? true,
      signal: options.signal,
    })
    return data
  }

  async createNote(
    contactId: string,
    input: { body: string; adminId: string },
    options: WriteOptions = {},
  ): Promise<IntercomNote> {
    const { data } = await this.api.http.request({
      method: 'POST',
      path: `/contacts/${contactId}/notes`,
      body: { body: input.body, admin_id: input.adminId },
      schema: intercomNoteSchema,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data
  }
}

/** `formatted_phone` became a documented search field in 2.16 (and Preview/Unstable, which are newer). */
export function supportsFormattedPhone(version: string): boolean {
  const m = /^(\d+)\.(\d+)$/.exec(version.trim())
  if (!m) return true
  const major = Number(m[1])
  const minor = Number(m[2])
  return major > 2 || (major === 2 && minor >= 16)
}
