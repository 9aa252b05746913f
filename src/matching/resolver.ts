import type { AppConfig } from '../config/schema.js'
import type { CallRecord } from '../domain/call-record.js'
import { NetworkError, NotFoundError, TimeoutError } from '../http/errors.js'
import { collect } from '../http/paginate.js'
import { realSleep } from '../http/types.js'
import type { IntercomClient } from '../intercom/client.js'
import { type ContactInput, supportsFormattedPhone } from '../intercom/contacts.js'
import { contactQuery } from '../intercom/query.js'
import type { IntercomContact } from '../intercom/schemas.js'
import {
  describePhoneVariants,
  nationalSpellings,
  normalisePhone,
  plausibleReadings,
  type CountryCode,
  type PhoneClassification,
  type ReadingDerivation,
} from '../phone/index.js'
import { type ClaimContext, claimWhenFree } from '../store/claim-step.js'
import type { IndexedContact, LedgerStep, StateStore } from '../store/state-store.js'
import { newStepOwner } from '../store/step-owner.js'
import { candidateOf, countryOf, indexEntryOf, tailOfE164 } from './index-entry.js'
import { refreshContactIndex } from './refresh.js'
import { chooseContact, chooseMatch, type ReadingMatch, roleRuleOf } from './tie-break.js'
import { type ContactResolver, plannedContactId, type Resolution, type ResolveOptions } from './types.js'

export interface ResolverDeps {
  matching: AppConfig['matching']
  store: Pick<StateStore, 'contacts' | 'checkpoints' | 'ledger' | 'transaction' | 'counts'>
  intercom: IntercomClient
  /** UNIX ms. */
  now: () => number
  /** Who claims contact creates; a private owner with a 2-minute lease when absent. */
  claims?: ClaimContext
}

const CLAIM_LEASE_MS = 120_000
/** Between searches while waiting for Intercom's search to show a contact an interrupted create may have made. */
const LAG_POLL_MS = 5_000

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
  private readonly claims: ClaimContext

  constructor(private readonly deps: ResolverDeps) {
    this.defaultCountry = countryOf(deps.matching.defaultCountry)
    this.claims = deps.claims ?? {
      ledger: deps.store.ledger,
      owner: newStepOwner(),
      leaseMs: CLAIM_LEASE_MS,
      now: deps.now,
      sleep: realSleep,
    }
  }

  private pendingCreatesRead: Set<string> | null = null

  /**
   * Create steps left pending by an earlier run, read once instead of one query per resolved call. A create
   * interrupted later (another process) is still settled: `create` reads its own step before writing.
   */
  private async pendingCreates(): Promise<Set<string>> {
    this.pendingCreatesRead ??= new Set(
      (await this.deps.store.ledger.list({ status: 'pending', prefix: 'contact:' })).map((step) => step.key),
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

  /**
   * Runs `refresh` (an incremental `contacts refresh`) before the first caller this resolver looks up, so a run
   * matches against an index as fresh as Intercom, while a run that resolves nobody (a complete ledger) spends
   * no request on it. A failed refresh fails the lookup that waited for it; the next lookup tries again.
   */
  refreshBeforeFirstLookup(
    refresh: (signal?: AbortSignal) => Promise<unknown> = (signal) => refreshContactIndex(this.deps, { signal }),
  ): void {
    // Armed again while one runs (listen's schedule): the next lookup after it runs this one.
    this.pendingRefresh = refresh
  }

  private pendingRefresh: ((signal?: AbortSignal) => Promise<unknown>) | null = null
  private refreshing: Promise<void> | null = null

  private freshIndex(signal?: AbortSignal): Promise<void> | null {
    if (this.refreshing) return this.refreshing
    const refresh = this.pendingRefresh
    if (!refresh) return null
    this.refreshing = refresh(signal).then(
      () => {
        if (this.pendingRefresh === refresh) this.pendingRefresh = null
        this.refreshing = null
      },
      (error: unknown) => {
        this.refreshing = null
        throw error
      },
    )
    return this.refreshing
  }

  private async resolveNumber(e164: string, call: CallRecord, options: ResolveOptions): Promise<Resolution> {
    const { store, intercom, matching } = this.deps
    const tried = [e164]
    const planned = options.dryRun ? this.plannedCreates.get(e164) : undefined
    if (planned) return planned
    const refreshing = this.freshIndex(options.signal)
    if (refreshing) await refreshing

    const callerCountry = countryOfNumber(e164)
    const indexed = this.trustedFound(await this.fromIndex(e164, callerCountry), this.searchedNumbers.has(e164))
    if (indexed.listed.length > 0) return this.decide(indexed.listed, 'index', e164, tried)
    if (indexed.recent.length > 0) return this.decide(indexed.recent, 'recent-create', e164, tried)

    // The caller's national spellings too: a contact typed "0470 12 34 56" is a Belgian caller's in any workspace.
    const variants = [...new Set([...searchVariants(e164), ...nationalSpellings(e164)])]
    tried.push(...variants.filter((variant) => variant !== e164))
    const byPhone = await intercom.contacts.findByPhone(e164, variants, { signal: options.signal })
    this.searchedNumbers.add(e164)
    const searched: Found[] = (await this.remember(byPhone.slice(0, MAX_SEARCH_RESULTS), 'search')).flatMap((entry) => {
      const reading = readingMatch(entry, e164, callerCountry)
      return reading ? [{ entry, reading }] : []
    })
    // What other callers' searches taught the index counts too: a search shows only the spellings it asked for.
    for (const known of indexed.learned) {
      if (!searched.some((f) => f.entry.contactId === known.entry.contactId)) searched.push(known)
    }
    if (searched.length > 0) {
      const resolution = await this.decide(searched, 'phone-variant', e164, tried)
      const chosen =
        resolution.status === 'matched' ? byPhone.find((contact) => contact.id === resolution.contactId) : undefined
      if (
        resolution.status === 'matched' &&
        supportsFormattedPhone(intercom.version) &&
        chosen?.formatted_phone === e164
      )
        resolution.via = 'formatted_phone'
      return resolution
    }

    const emails = emailsOf(call)
    if (matching.matchByEmail && emails.length > 0) {
      tried.push(...emails)
      const byEmailIndex = (await Promise.all(emails.map((email) => store.contacts.findByEmail(email)))).flat()
      const trustedByEmail = this.trusted(byEmailIndex)
      const fromIndex = [...trustedByEmail.refreshed, ...trustedByEmail.recent]
      if (fromIndex.length > 0) return this.decide(byEmail(uniqueEntries(fromIndex)), 'email', e164, tried)
      const query = emails.length === 1 ? contactQuery.eq('email', emails[0] ?? '') : contactQuery.in('email', emails)
      const found = await collect(intercom.contacts.search(query, { signal: options.signal }), MAX_SEARCH_RESULTS)
      if (found.length > 0) return this.decide(byEmail(await this.remember(found, 'search')), 'email', e164, tried)
    }

    const lookedFor = matching.matchByEmail && emails.length > 0 ? `${e164} (or ${emails.join(', ')})` : e164
    if (!options.create) return unmatched('no-contact', e164, tried, `no Intercom contact has ${lookedFor}`)
    if (options.dryRun) return this.planCreate(e164)
    return this.create(e164, call, emails, options)
  }

  /**
   * The indexed contacts that may be this caller: those with a reading equal to the number, then (unless one
   * spells it exactly) those whose stored phone ends like it and reads as it under the caller's country.
   */
  private async fromIndex(e164: string, callerCountry: CountryCode | undefined): Promise<Found[]> {
    const { store } = this.deps
    // Most callers: contacts a refresh listed that spell this very number. Nothing can outrank them.
    const spelled = await store.contacts.findSpelledInternationally(e164)
    if (spelled.length > 0 && spelled.every((entry) => entry.origin === 'refresh')) {
      return spelled.map((entry) => ({ entry, reading: 'international' }))
    }
    const found: Found[] = []
    const exact = await store.contacts.findByPhone(e164)
    for (const entry of exact) {
      const reading = readingMatch(entry, e164, callerCountry)
      if (reading) found.push({ entry, reading })
    }
    // Nothing read nationally can outrank an exact international spelling: the tail lookup would change nothing.
    if (found.some((f) => f.reading === 'international')) return found
    const tail = callerCountry ? tailOfE164(e164) : null
    if (!tail) return found
    for (const entry of await store.contacts.findByPhoneTail(tail)) {
      if (exact.some((known) => known.contactId === entry.contactId)) continue
      const reading = readingMatch(entry, e164, callerCountry)
      if (reading) found.push({ entry, reading })
    }
    return found
  }

  /**
   * Which indexed candidates may answer without a search: those a refresh listed, and those an earlier search
   * for this very number found. Others searches taught (`learned`) join the decision after a search.
   */
  private trustedFound(
    found: Found[],
    searchedBefore: boolean,
  ): { listed: Found[]; recent: Found[]; learned: Found[] } {
    const { recent } = this.trusted(found.map((f) => f.entry))
    const listed = found.filter((f) => f.entry.origin === 'refresh' || (searchedBefore && f.entry.origin === 'search'))
    return {
      listed,
      recent: found.filter((f) => recent.includes(f.entry)),
      learned: found.filter((f) => f.entry.origin === 'search'),
    }
  }

  /** Contacts a dry run would create, by number: its later calls from that number match it, as a real run's would. */
  private readonly plannedCreates = new Map<string, Matched>()

  /** A dry run's answer where a real run creates: the contact it would create, under a placeholder id. */
  private planCreate(e164: string): Resolution {
    const role = this.deps.matching.createAs
    const contactId = plannedContactId(e164)
    this.plannedCreates.set(e164, {
      status: 'matched',
      contactId,
      role,
      e164,
      via: 'recent-create',
      reason: `dry run: the ${role} this run would create for ${e164}`,
      candidates: 1,
    })
    return {
      status: 'created',
      contactId,
      role,
      e164,
      reason: `no Intercom contact has ${e164}: would create a ${role}`,
    }
  }

  /** Numbers searched in Intercom by this resolver: the index then holds every contact that search showed. */
  private readonly searchedNumbers = new Set<string>()

  /** One contact when the rules that carry information single it out; otherwise "ambiguous", attached to none. */
  private async decide(
    found: Found[],
    via: Matched['via'],
    e164: string,
    tried: string[],
  ): Promise<Matched | Unmatched> {
    const choice = chooseMatch(
      found.map((f) => ({ candidate: candidateOf(f.entry), reading: f.reading })),
      roleRuleOf(this.deps.matching.tieBreak),
    )
    if (!choice.chosen) {
      return { ...unmatched('ambiguous', e164, tried, choice.reason), candidates: choice.ambiguous.map((c) => c.id) }
    }
    const winner = choice.chosen
    // A create step left pending by a crash is settled by what we found instead of by a second create.
    const key = createStepKey(e164)
    const pending = await this.pendingCreates()
    if (pending.has(key) && (await this.deps.store.ledger.get(key))?.status === 'pending') {
      await this.deps.store.ledger.complete(key, winner.id, { e164, reconciled: true, via })
      pending.delete(key)
    }
    const candidates = new Set(found.map((f) => f.entry.contactId)).size
    return { status: 'matched', contactId: winner.id, role: winner.role, e164, via, reason: choice.reason, candidates }
  }

  private async create(e164: string, call: CallRecord, emails: string[], options: ResolveOptions): Promise<Resolution> {
    const { store, intercom, matching } = this.deps
    const key = createStepKey(e164)
    const known = await store.ledger.get(key)
    if (known?.status === 'done' && known.externalId) {
      const again = await this.createdBefore(known, e164, options.signal)
      if (again) return again
    }

    const role = matching.createAs
    const name = nameOf(call)
    const metadata = { e164, role, callId: call.callId, createdBy: 'aircall-intercom' }
    const claim = await claimWhenFree(this.claims, key, metadata, options.signal)
    if (claim.status === 'done') {
      const again = await this.createdBefore(claim.step, e164, options.signal)
      if (again) return again
      return this.create(e164, call, emails, options)
    }
    if (claim.resumed?.status === 'pending') {
      // An earlier attempt died or timed out after sending the create: Intercom may hold the contact while its
      // search does not show it yet. Searching once would take "not found yet" for "never landed".
      const landed = await this.awaitLaggingCreate(e164, claim.resumed.updatedAt, options.signal)
      if (landed.length > 0) {
        const entries = await this.remember(landed.slice(0, MAX_SEARCH_RESULTS), 'refresh')
        const match = await this.matched(entries, 'recent-create', e164)
        await store.ledger.complete(key, match.contactId, { ...metadata, reconciled: true })
        return match
      }
    }
    const input: ContactInput = { role, phone: e164 }
    if (name) input.name = name
    if (emails[0]) input.email = emails[0]
    try {
      const { contact, created } = await intercom.contacts.createOrGetExisting(input, { signal: options.signal })
      const entry = indexEntryOf(contact, 'created', this.defaultCountry, this.deps.now())
      // Queued together, so committed together (with the other grouped writes of this turn).
      await store.contacts.upsert([entry], { bestEffort: true })
      await store.ledger.complete(key, contact.id, { ...metadata, created })
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
      // A reset or a timeout may have landed the create: the step stays pending so the next attempt waits for
      // Intercom's search instead of creating again. A refusal or a 5xx created nothing.
      if (!(error instanceof NetworkError || error instanceof TimeoutError)) {
        await store.ledger.fail(key, error instanceof Error ? error.message : String(error))
      }
      throw error
    }
  }

  /** A create step done earlier: the contact it made, unless it was deleted since (then null, to create anew). */
  private async createdBefore(step: LedgerStep, e164: string, signal?: AbortSignal): Promise<Resolution | null> {
    if (!step.externalId) return null
    // We created it before, yet neither the index nor search shows it: it was merged away, or is still lagging.
    try {
      const contact = await this.deps.intercom.contacts.getFollowingMerges(step.externalId, signal)
      const [entry] = await this.remember([contact], 'created')
      if (entry) return await this.matched([entry], 'recent-create', e164)
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error
    }
    await this.deps.store.ledger.fail(step.key, `contact ${step.externalId} no longer exists in Intercom`)
    return null
  }

  /** Searches until the contact shows or Intercom's search lag window since `since` has passed. */
  private async awaitLaggingCreate(e164: string, since: number, signal?: AbortSignal): Promise<IntercomContact[]> {
    const { intercom, matching, now } = this.deps
    const deadline = since + matching.searchLagSeconds * 1000
    for (;;) {
      const found = await intercom.contacts.findByPhone(e164, searchVariants(e164), { signal })
      if (found.length > 0 || now() >= deadline) return found
      await this.claims.sleep(Math.min(LAG_POLL_MS, Math.max(0, deadline - now())), signal)
    }
  }

  /**
   * Refreshed and searched entries are trusted (an email names one person whatever showed it); our own creates
   * only while Intercom's search may still lag behind them.
   */
  private trusted(entries: IndexedContact[]): { refreshed: IndexedContact[]; recent: IndexedContact[] } {
    const now = this.deps.now()
    const ttlMs = this.deps.matching.recentCreateTtlMinutes * 60_000
    return {
      refreshed: entries.filter((entry) => entry.origin !== 'created'),
      recent: entries.filter((entry) => entry.origin === 'created' && now - entry.indexedAt < ttlMs),
    }
  }

  private async remember(contacts: IntercomContact[], origin: IndexedContact['origin']): Promise<IndexedContact[]> {
    const now = this.deps.now()
    const entries = contacts.map((contact) => indexEntryOf(contact, origin, this.defaultCountry, now))
    await this.deps.store.contacts.upsert(entries, { bestEffort: true })
    return entries
  }

  private async matched(entries: IndexedContact[], via: Matched['via'], e164: string): Promise<Matched> {
    const { chosen, reason } = chooseContact(entries.map(candidateOf), this.deps.matching.tieBreak)
    const winner = chosen ?? candidateOf(entries[0] as IndexedContact)
    // A create step left pending by a crash is settled by what we found instead of by a second create.
    const key = createStepKey(e164)
    const pending = await this.pendingCreates()
    if (pending.has(key) && (await this.deps.store.ledger.get(key))?.status === 'pending') {
      await this.deps.store.ledger.complete(key, winner.id, { e164, reconciled: true, via })
      pending.delete(key)
    }
    return { status: 'matched', contactId: winner.id, role: winner.role, e164, via, reason, candidates: entries.length }
  }
}

function unmatched(reason: Unmatched['reason'], e164: string | null, tried: string[], detail: string): Unmatched {
  return { status: 'unmatched', reason, e164, tried, detail }
}

type Found = { entry: IndexedContact; reading: ReadingMatch | null }

const byEmail = (entries: IndexedContact[]): Found[] => entries.map((entry) => ({ entry, reading: null }))

/** The caller's country, from their number itself. Undefined for non-geographic numbers (+800, +882 …). */
function countryOfNumber(e164: string): CountryCode | undefined {
  const phone = normalisePhone(e164)
  return phone.kind === 'valid' ? phone.country : undefined
}

/**
 * How an indexed contact's stored phone reads as the caller's number, or null when it is not theirs. A spelling
 * with its own country code names that number only. A national spelling counts when it reads as the caller's
 * number under the caller's country, unless the contact's Intercom location names another country where the
 * same spelling is a valid number: then it is that country's number (a Belgian "0470 12 34 56" is not a French
 * caller's "+33 4 70 12 34 56", whatever the workspace's default country).
 */
export function readingMatch(
  entry: IndexedContact,
  e164: string,
  callerCountry: CountryCode | undefined,
): ReadingMatch | null {
  let derivation: ReadingDerivation | undefined = entry.readings?.find((reading) => reading.e164 === e164)?.derivation
  if (derivation === undefined) {
    if (!callerCountry || !entry.phoneRaw) return null
    derivation = plausibleReadings(entry.phoneRaw, { own: callerCountry }).find((r) => r.e164 === e164)?.derivation
    if (derivation === undefined) return null
  }
  if (derivation === 'international' || derivation === 'contact-country') return derivation
  const located = countryOf(entry.country)
  if (located && located !== callerCountry && entry.phoneRaw) {
    const readsThere = plausibleReadings(entry.phoneRaw, { contact: located }).some(
      (r) => r.derivation === 'contact-country',
    )
    if (readsThere) return null
  }
  return 'caller-country'
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
