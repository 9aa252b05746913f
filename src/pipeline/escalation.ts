import type { AircallClient } from '../aircall/client.js'
import type { AppConfig } from '../config/schema.js'
import type { IntercomEvent } from '../domain/intercom-event.js'
import type { IntercomContext } from './intercom-context.js'
import { PermanentError } from '../errors.js'
import { normalisePhone, type CountryCode } from '../phone/index.js'
import { decideEscalation, type EscalationSkipReason, type EscalationTrigger } from '../rules/escalate.js'
import type { StateStore } from '../store/state-store.js'

export type EscalationOutcome =
  | { status: 'skipped'; reason: EscalationSkipReason | 'no-contact' | 'no-usable-number' | 'unassigned' }
  | { status: 'already-queued'; aircallUserId: number }
  | {
      status: 'queued'
      trigger: EscalationTrigger
      aircallUserId: number
      phone: string
      campaignCreated: boolean
      alreadyImported: boolean
    }

export interface EscalationDeps {
  store: Pick<StateStore, 'ledger'>
  aircall: AircallClient
  context: IntercomContext
  ownAdminId: string | null
  config: AppConfig['escalation']
  defaultCountry: string
}

/**
 * Intercom → Aircall: a conversation assigned, prioritised or tagged per config puts the contact's number on the
 * power-dialer campaign of the Aircall user mapped to the Intercom assignee (same email, or
 * `escalation.userOverrides`). A contact without a usable number is a counted skip, not a dead letter: nothing
 * in the toolkit can fix it and replaying cannot help until someone edits the contact. An assignee with no
 * Aircall user is missing configuration, so that event is dead-lettered with the fix in its error.
 */
export class EscalationService {
  private users: Promise<Map<string, number>> | null = null

  constructor(private readonly deps: EscalationDeps) {}

  async handle(event: IntercomEvent, signal?: AbortSignal): Promise<EscalationOutcome> {
    const { config, ownAdminId, store, context } = this.deps
    const decision = decideEscalation({ event, config, ownAdminId })
    if (!decision.escalate) return { status: 'skipped', reason: decision.reason }
    if (event.kind !== 'conversation') return { status: 'skipped', reason: 'not-a-trigger' }
    if (decision.assigneeAdminId === null) return { status: 'skipped', reason: 'unassigned' }
    const contactId = event.contactIds[0]
    if (contactId === undefined) return { status: 'skipped', reason: 'no-contact' }

    const key = `escalation:${event.identity}:dialer`
    const step = await store.ledger.get(key)
    if (step?.status === 'done') return { status: 'already-queued', aircallUserId: Number(step.externalId) }

    const aircallUserId = await this.aircallUserFor(decision.assigneeAdminId, signal)
    const contact = await context.contact(contactId, signal)
    const phone = contact.phone
      ? normalisePhone(contact.phone, this.deps.defaultCountry as CountryCode)
      : ({ kind: 'invalid' } as const)
    if (phone.kind !== 'valid') return { status: 'skipped', reason: 'no-usable-number' }

    await store.ledger.begin(key, { conversationId: event.conversationId, contactId, phone: phone.e164 })
    // Queuing a number twice is refused as "already imported", never duplicated, so a retry is harmless.
    const result = await this.deps.aircall.dialer.ensureCampaign(aircallUserId, [phone.e164], signal)
    await store.ledger.complete(key, String(aircallUserId), { alreadyImported: result.alreadyImported.length > 0 })
    return {
      status: 'queued',
      trigger: decision.trigger,
      aircallUserId,
      phone: phone.e164,
      campaignCreated: result.created,
      alreadyImported: result.alreadyImported.length > 0,
    }
  }

  private async aircallUserFor(adminId: string, signal?: AbortSignal): Promise<number> {
    const { config, context } = this.deps
    const email = await context.adminEmail(adminId, signal)
    const override = config.userOverrides[adminId] ?? (email ? config.userOverrides[email] : undefined)
    if (override !== undefined) return Number(override)
    if (email) {
      const user = (await this.userIdsByEmail(signal)).get(email)
      if (user !== undefined) return user
    }
    throw new PermanentError(
      `no Aircall user for Intercom admin ${adminId}${email ? ` (${email})` : ''}: add it to escalation.userOverrides (admin id or email → Aircall user id)`,
    )
  }

  private userIdsByEmail(signal?: AbortSignal): Promise<Map<string, number>> {
    this.users ??= (async () => {
      const map = new Map<string, number>()
      for await (const user of this.deps.aircall.users.list(signal)) {
        if (user.email) map.set(user.email.trim().toLowerCase(), user.id)
      }
      return map
    })()
    this.users.catch(() => (this.users = null))
    return this.users
  }
}
