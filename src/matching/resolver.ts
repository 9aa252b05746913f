import type { AppConfig } from '../config/schema.js'
import type { CallRecord } from '../domain/call-record.js'
import { NotFoundError } from '../http/errors.js'
import { collect } from '../http/paginate.js'
import { type ContactInput, type IntercomClient, supportsFormattedPhone } from '../intercom/client.js'
import { contactQuery } from '../intercom/query.js'
import type { IntercomContact } from '../intercom/schemas.js'
import { describePhoneVariants, normalisePhone, type CountryCode, type PhoneClassification } from '../phone/index.js'
import type { IndexedContact, StateStore } from '../store/state-store.js'
import { candidateOf, countryOf, indexEntryOf } from './index-entry.js'
import { chooseContact } from './tie-break.js'
import type { ContactResolver, Resolution, ResolveOptions } from './types.js'

export interface ResolverDeps {
  matching: AppConfig['matching']
  store: StateStore
  intercom: IntercomClient
  /** UNIX ms. */
  now: () => number
}

type Matched = Extract<Resolution, { status: 'matched' }>
type Unmatched = Extract<Resolution, { status: 'unmatched' }>

/** Intercom answers at most this many contacts for one phone; more would mean a shared switchboard number. */
const MAX_SEARCH_RESULTS = 100

export const createStepKey = (e164: string): string => `contact:${e164}:create`

/**
 * Ties an Aircall caller to an Intercom contact: local index → our recent creates → `formatted_phone` and
 * phone-variant search → the Aircall contact's emails → create. Every contact seen through the API is written
 * back to the index; a create is a ledger step so a crash between the POST and its record is reconciled by
 * searching again rather than creating twice.
 */
export class IntercomContactResolver implements ContactResolver {
  private readonly inFlight = new Map<string, Promise<Resolution>>()
  private readonly defaultCountry: CountryCode | undefined

  constructor(private readonly deps: ResolverDeps) {
    this.defaultCountry = countryOf(deps.matching.defaultCountry)
  }

  private pendingCreatesRead: Set<string> | null = null

  /**
   * Create steps left pending by an earlier run, read once instead of one query per resolved call. A create
   * interrupted later (another process) is still settled: `create` reads its own step before writing.
   */
  private pendingCreates(): Set<string> {
    this.pendingCreatesRead ??= new Set(
      this.deps.store.listSteps({ status: 'pending', prefix: 'contact:' }).map((step) => step.key),
    )
    return this.pendingCreatesRead
  }

  resolve(call: CallRecord, options: ResolveOptions): Promise<Resolution> {
    const phone = this.classify(call)
    if (phone.kind === 'anonymous') {
      return Promise.resolve(unmatched('anonymous', null, [call.rawDigits], 'the caller withheld their number'))
    }
    if (phone.kind === 'invalid') {
      const countries = this.countriesFor(call).join(', ') || 'no default country'
      const detail = `"${call.rawDigits}" is not a valid phone number (${phone.reason}; read with ${countries})`
      return Promise.resolve(unmatched('invalid-number', null, [call.rawDigits], detail))
    }
    // Calls from one new caller processed together must share one search-and-create, or each would create.
    const key = `${phone.e164}|${options.create ? 'create' : 'find'}|${options.dryRun ? 'dry' : 'live'}`
    const pending = this.inFlight.get(key)
    if (pending) return pending
    const work = this.resolveNumber(phone.e164, call, options).finally(() => this.inFlight.delete(key))
    this.inFlight.set(key, work)
    return work
  }

  private countriesFor(call: CallRecord): CountryCode[] {
    const line = this.deps.matching.useLineCountry ? countryOf(call.line.country) : undefined
    return [...new Set([line, this.defaultCountry].filter((c): c is CountryCode => c !== undefined))]
  }

  /** National-format digits are read with the line's country first, then the configured default. */
  private classify(call: CallRecord): PhoneClassification {
    const countries = this.countriesFor(call)
    let last: PhoneClassification = normalisePhone(call.rawDigits, countries[0])
    for (const country of countries.slice(1)) {
      if (last.kind !== 'invalid') break
      last = normalisePhone(call.rawDigits, country)
    }
    return last
  }

  private async resolveNumber(e164: string, call: CallRecord, options: ResolveOptions): Promise<Resolution> {
    const { store, intercom, matching } = this.deps
    const tried = [e164]

    const indexed = this.trusted(store.findContactsByPhone(e164))
    if (indexed.refreshed.length > 0) return this.matched(indexed.refreshed, 'index', e164)
    if (indexed.recent.length > 0) return this.matched(indexed.recent, 'recent-create', e164)

    const variants = searchVariants(e164)
    tried.push(...variants.filter((variant) => variant !== e164))
    const byPhone = await intercom.findByPhone(e164, variants, { signal: options.signal })
    if (byPhone.length > 0) {
      const entries = this.remember(byPhone.slice(0, MAX_SEARCH_RESULTS), 'refresh')
      const match = this.matched(entries, 'phone-variant', e164)
      const chosen = byPhone.find((contact) => contact.id === match.contactId)
      if (supportsFormattedPhone(intercom.version) && chosen?.formatted_phone === e164) match.via = 'formatted_phone'
      return match
    }

    const emails = emailsOf(call)
    if (matching.matchByEmail && emails.length > 0) {
      tried.push(...emails)
      const byEmailIndex = emails.flatMap((email) => store.findContactsByEmail(email))
      const trustedByEmail = this.trusted(byEmailIndex)
      const fromIndex = [...trustedByEmail.refreshed, ...trustedByEmail.recent]
      if (fromIndex.length > 0) return this.matched(uniqueEntries(fromIndex), 'email', e164)
      const query = emails.length === 1 ? contactQuery.eq('email', emails[0] ?? '') : contactQuery.in('email', emails)
      const byEmail = await collect(intercom.searchContacts(query, { signal: options.signal }), MAX_SEARCH_RESULTS)
      if (byEmail.length > 0) return this.matched(this.remember(byEmail, 'refresh'), 'email', e164)
    }

    const lookedFor = matching.matchByEmail && emails.length > 0 ? `${e164} (or ${emails.join(', ')})` : e164
    if (!options.create) return unmatched('no-contact', e164, tried, `no Intercom contact has ${lookedFor}`)
    if (options.dryRun) {
      return unmatched('no-contact', e164, tried, `dry run: would create a ${matching.createAs} for ${e164}`)
    }
    return this.create(e164, call, emails, options)
  }

  private async create(e164: string, call: CallRecord, emails: string[], options: ResolveOptions): Promise<Resolution> {
    const { store, intercom, matching } = this.deps
    const key = createStepKey(e164)
    const step = store.getStep(key)
    if (step?.status === 'done' && step.externalId) {
      // We created it before, yet neither the index nor search shows it: it was merged away, or is still lagging.
      try {
        const contact = await intercom.getContactFollowingMerges(step.externalId, options.signal)
        const [entry] = this.remember([contact], 'created')
        if (entry) return this.matched([entry], 'recent-create', e164)
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error
      }
    }

    const role = matching.createAs
    const name = nameOf(call)
    const metadata = {
      e164,
      role,
      callId: call.callId,
      createdBy: 'aircall-intercom',
      // A pending step means an earlier run died mid-create; the searches above found nothing, so it never landed.
      reconciledAfterCrash: step?.status === 'pending',
    }
    await store.beginStepGrouped(key, metadata)
    const input: ContactInput = { role, phone: e164 }
    if (name) input.name = name
    if (emails[0]) input.email = emails[0]
    try {
      const { contact, created } = await intercom.createOrGetExisting(input, { signal: options.signal })
      const entry = indexEntryOf(contact, 'created', this.defaultCountry, this.deps.now())
      // Queued together, so committed together (with the other grouped writes of this turn).
      store.upsertContactsGrouped([entry])
      store.completeStepGrouped(key, contact.id, { ...metadata, created })
      if (!created) {
        return {
          status: 'matched',
          contactId: contact.id,
          role: entry.role,
          e164,
          via: 'conflict',
          reason: `create answered 409: ${contact.id} (${entry.role}) already holds these details`,
          candidates: 1,
        }
      }
      return {
        status: 'created',
        contactId: contact.id,
        role: entry.role,
        e164,
        reason: `no contact had ${e164}${matching.matchByEmail && emails.length > 0 ? ` or ${emails.join(', ')}` : ''}: created a ${entry.role}`,
      }
    } catch (error) {
      store.failStep(key, error instanceof Error ? error.message : String(error))
      throw error
    }
  }

  /** Refreshed entries are trusted; our own creates only while Intercom's search may still lag behind them. */
  private trusted(entries: IndexedContact[]): { refreshed: IndexedContact[]; recent: IndexedContact[] } {
    const now = this.deps.now()
    const ttlMs = this.deps.matching.recentCreateTtlMinutes * 60_000
    return {
      refreshed: entries.filter((entry) => entry.origin === 'refresh'),
      recent: entries.filter((entry) => entry.origin === 'created' && now - entry.indexedAt < ttlMs),
    }
  }

  private remember(contacts: IntercomContact[], origin: IndexedContact['origin']): IndexedContact[] {
    const now = this.deps.now()
    const entries = contacts.map((contact) => indexEntryOf(contact, origin, this.defaultCountry, now))
    this.deps.store.upsertContactsGrouped(entries)
    return entries
  }

  private matched(entries: IndexedContact[], via: Matched['via'], e164: string): Matched {
    const { chosen, reason } = chooseContact(entries.map(candidateOf), this.deps.matching.tieBreak)
    const winner = chosen ?? candidateOf(entries[0] as IndexedContact)
    // A create step left pending by a crash is settled by what we found instead of by a second create.
    const key = createStepKey(e164)
    if (this.pendingCreates().has(key) && this.deps.store.getStep(key)?.status === 'pending') {
      this.deps.store.completeStep(key, winner.id, { e164, reconciled: true, via })
      this.pendingCreates().delete(key)
    }
    return { status: 'matched', contactId: winner.id, role: winner.role, e164, via, reason, candidates: entries.length }
  }
}

function unmatched(reason: Unmatched['reason'], e164: string | null, tried: string[], detail: string): Unmatched {
  return { status: 'unmatched', reason, e164, tried, detail }
}

/**
 * The spellings people type, plus the "00" international prefix with the international grouping
 * ("0033 6 12 34 56 78"), which Intercom's `formatted_phone` cannot read without a workspace country.
 */
export function searchVariants(e164: string): string[] {
  const variants = describePhoneVariants(e164)
  const international = variants.find((variant) => variant.format === 'international')?.value
  const spellings = variants.map((variant) => variant.value)
  if (international?.startsWith('+')) spellings.push(`00${international.slice(1)}`)
  return [...new Set(spellings)]
}

function emailsOf(call: CallRecord): string[] {
  const emails = (call.contact?.emails ?? []).map((email) => email.trim().toLowerCase()).filter((e) => e.includes('@'))
  return [...new Set(emails)]
}

function nameOf(call: CallRecord): string | null {
  const contact = call.contact
  if (!contact) return null
  const full = [contact.firstName, contact.lastName].filter(Boolean).join(' ').trim()
  return full || contact.companyName || null
}

function uniqueEntries(entries: IndexedContact[]): IndexedContact[] {
  const byId = new Map(entries.map((entry) => [entry.contactId, entry]))
  return [...byId.values()]
}
