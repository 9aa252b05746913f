import type { CallRecord } from '../domain/call-record.js'
import type { ContactResolver } from '../matching/types.js'
import type { StateStore } from '../store/state-store.js'
import { conversationStepKey } from './call-logger.js'
import type { TagAttributeWriter } from './tag-attributes.js'
import type { CallLogger, LogCallOutcome } from './types.js'

/**
 * Applies only the tag → attribute mapping to a call (`tags sync`, and the replay of its dead letters): the
 * contact is the one its logged conversation names, else whoever the resolver finds (never created: tags alone
 * do not justify a new contact).
 */
export class TagAttributeLogger implements CallLogger {
  constructor(
    private readonly store: Pick<StateStore, 'ledger'>,
    private readonly resolver: ContactResolver,
    private readonly writer: TagAttributeWriter,
  ) {}

  async log(call: CallRecord, options: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<LogCallOutcome> {
    if (this.writer.plan(call).writes.length === 0)
      return { status: 'already-done', conversationId: null, contactId: null }
    const logged = await this.store.ledger.get(conversationStepKey(call.callId))
    const loggedContact = logged?.status === 'done' ? logged.data.contactId : undefined
    const resolution =
      typeof loggedContact === 'string'
        ? null
        : await this.resolver.resolve(call, { create: false, dryRun: options.dryRun, signal: options.signal })
    if (resolution?.status === 'unmatched') {
      const reason =
        resolution.reason === 'anonymous' || resolution.reason === 'invalid-number' ? resolution.reason : 'unmatched'
      return { status: 'skipped', reason, resolution }
    }
    const contactId = typeof loggedContact === 'string' ? loggedContact : (resolution?.contactId ?? '')
    const conversationId = logged?.status === 'done' ? logged.externalId : null
    if (options.dryRun) return { status: 'skipped', reason: 'dry-run', resolution }
    const outcome = await this.writer.apply({ call, contactId, conversationId, signal: options.signal })
    if (outcome.status !== 'written') return { status: 'already-done', conversationId, contactId }
    const reported = resolution ?? {
      status: 'matched' as const,
      contactId,
      role: 'lead' as const,
      e164: null,
      via: 'index' as const,
      reason: 'contact of the logged call',
      candidates: 1,
    }
    return { status: 'logged', conversationId: conversationId ?? '', contactId, resolution: reported }
  }
}
