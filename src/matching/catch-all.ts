import type { AppConfig } from '../config/schema.js'
import { NotFoundError } from '../http/errors.js'
import { collect } from '../http/paginate.js'
import type { IntercomClient } from '../intercom/client.js'
import type { ContactInput } from '../intercom/contacts.js'
import { contactQuery } from '../intercom/query.js'
import type { IntercomContact } from '../intercom/schemas.js'
import { type ClaimContext, claimWhenFree } from '../store/claim-step.js'
import type { StateStore } from '../store/state-store.js'
import type { Resolution } from './types.js'

type CatchAll = Extract<Resolution, { status: 'matched' }>

export interface CatchAllDeps {
  store: Pick<StateStore, 'ledger'>
  intercom: IntercomClient
  claims: ClaimContext
  settings: AppConfig['matching']['catchAllContact']
}

/** The ledger step that holds the catch-all contact's id once it is found or created. */
export const catchAllStepKey = (externalId: string): string => `contact:catch-all:${externalId}`

/** A dry run's placeholder for the catch-all contact it would create (the prefix dry-run plans use). */
export const PLANNED_CATCH_ALL = 'planned:catch-all'

export const isCatchAll = (resolution: Resolution | null | undefined): boolean =>
  resolution?.status === 'matched' && resolution.via === 'catch-all'

/**
 * The one Intercom user that calls from invalid numbers are logged on (`matching.invalidNumbers: log-raw`). Its
 * external_id is the stable key: the ledger step remembers its id, a lost state file finds it again by search, and
 * a create whose answer was lost is answered by Intercom's 409 on the same external_id, so it is created once.
 */
export class CatchAllContact {
  private known: Promise<CatchAll> | null = null

  constructor(private readonly deps: CatchAllDeps) {}

  /** Once per process: every invalid-number call of a run shares the first lookup. A failed one is tried again. */
  resolve(options: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<CatchAll> {
    if (options.dryRun) return this.lookUp(options.signal)
    this.known ??= this.findOrCreate(options.signal).catch((error: unknown) => {
      this.known = null
      throw error
    })
    return this.known
  }

  private async findOrCreate(signal?: AbortSignal): Promise<CatchAll> {
    const { store, intercom, settings } = this.deps
    const key = catchAllStepKey(settings.externalId)
    const recorded = await this.recorded(signal)
    if (recorded) return recorded
    const claim = await claimWhenFree(this.deps.claims, key, { externalId: settings.externalId }, signal)
    if (claim.status === 'done') {
      const again = await this.recorded(signal)
      if (again) return again
    }
    const found = await this.search(signal)
    if (found) {
      await store.ledger.complete(key, found.id, { externalId: settings.externalId, created: false })
      return this.resolution(found.id, 'found by its external_id')
    }
    const input: ContactInput = { role: 'user', external_id: settings.externalId, name: settings.name }
    if (settings.email) input.email = settings.email
    const { contact, created } = await intercom.contacts.createOrGetExisting(input, { signal })
    await store.ledger.complete(key, contact.id, { externalId: settings.externalId, created })
    return this.resolution(contact.id, created ? 'created for calls from invalid numbers' : 'created before (409)')
  }

  /** The contact the ledger names, when Intercom still has it (it may have been merged into another). */
  private async recorded(signal?: AbortSignal): Promise<CatchAll | null> {
    const { store, intercom, settings } = this.deps
    const step = await store.ledger.get(catchAllStepKey(settings.externalId))
    if (step?.status !== 'done' || !step.externalId) return null
    try {
      const contact = await intercom.contacts.getFollowingMerges(step.externalId, signal)
      return this.resolution(contact.id, 'recorded in the ledger')
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error
    }
    await store.ledger.fail(step.key, `catch-all contact ${step.externalId} no longer exists in Intercom`)
    return null
  }

  /** Read-only: the ledger's contact, else Intercom's, else the placeholder of the one a real run would create. */
  private async lookUp(signal?: AbortSignal): Promise<CatchAll> {
    const step = await this.deps.store.ledger.get(catchAllStepKey(this.deps.settings.externalId))
    if (step?.status === 'done' && step.externalId) return this.resolution(step.externalId, 'recorded in the ledger')
    const found = await this.search(signal)
    if (found) return this.resolution(found.id, 'found by its external_id')
    return this.resolution(PLANNED_CATCH_ALL, 'dry run: would be created for calls from invalid numbers')
  }

  private async search(signal?: AbortSignal): Promise<IntercomContact | null> {
    const query = contactQuery.eq('external_id', this.deps.settings.externalId)
    const [found] = await collect(this.deps.intercom.contacts.search(query, { signal }), 1)
    return found ?? null
  }

  private resolution(contactId: string, how: string): CatchAll {
    return {
      status: 'matched',
      contactId,
      role: 'user',
      e164: null,
      via: 'catch-all',
      reason: `the catch-all contact ${this.deps.settings.externalId} (${how})`,
      candidates: 1,
    }
  }
}
