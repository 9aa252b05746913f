import type { Runtime } from '../app/runtime.js'
import type { CallRecord } from '../domain/call-record.js'
import { UserError } from '../errors.js'
import { resolverFor } from '../matching/services.js'
import type { ContactResolver } from '../matching/types.js'
import type { StateStore } from '../store/state-store.js'
import { conversationStepKey } from '../sync/call-logger.js'
import { DataAttributeEnsurer } from '../sync/data-attributes.js'
import { TagAttributeWriter } from '../sync/tag-attributes.js'
import type { CallLogger, LogCallOutcome } from '../sync/types.js'
import { type RequestFigures, requestFigures } from './backfill-service.js'
import { type BackfillEvent, runBackfillEngine } from './engine.js'
import { parseRange, iso } from './range.js'
import { AircallRangeSource } from './sources/aircall-range.js'

export interface TagsSyncRequest {
  since?: string
  until?: string
  dryRun: boolean
  concurrency: number
  signal?: AbortSignal
  onEvent?: (event: BackfillEvent) => void
}

export interface TagsSyncResult {
  since: string
  until: string
  dryRun: boolean
  interrupted: boolean
  callsRead: number
  /** Calls whose mapped attributes were written (or would be, in a dry run). */
  written: number
  /** Calls with no mapped tag, or whose attributes were already written. */
  unchanged: number
  skipped: { anonymous: number; 'invalid-number': number; unmatched: number }
  deadLetters: number
  dataAttributesCreated: string[]
  elapsedMs: number
  requests: { aircall: RequestFigures; intercom: RequestFigures }
}

/**
 * Applies only the tag → attribute mapping to a call: the contact is the one its logged conversation names,
 * else whoever the resolver finds (never created: tags alone do not justify a new contact).
 */
class TagAttributeLogger implements CallLogger {
  constructor(
    private readonly store: StateStore,
    private readonly resolver: ContactResolver,
    private readonly writer: TagAttributeWriter,
  ) {}

  async log(call: CallRecord, options: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<LogCallOutcome> {
    if (this.writer.plan(call).writes.length === 0)
      return { status: 'already-done', conversationId: null, contactId: null }
    const logged = this.store.getStep(conversationStepKey(call.callId))
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

export async function syncTagAttributes(runtime: Runtime, request: TagsSyncRequest): Promise<TagsSyncResult> {
  const mapping = runtime.config.tags.map
  if (mapping.length === 0) {
    throw new UserError(
      'tags.map is empty: there is no tag → attribute mapping to apply',
      'add entries such as `- { tag: VIP, attribute: vip }` under tags.map in the config file',
    )
  }
  const range = parseRange(request, runtime.now(), '7d')
  const ensurer = new DataAttributeEnsurer(runtime.intercom)
  const writer = new TagAttributeWriter({ store: runtime.store, intercom: runtime.intercom, ensurer, mapping })
  const run = await runBackfillEngine({
    source: new AircallRangeSource({
      client: runtime.aircall,
      ...range,
      retentionDays: runtime.config.aircall.retentionDays,
      now: runtime.now,
      checkpointName: `tags:api:${range.since}:${range.until}`,
    }),
    logger: new TagAttributeLogger(runtime.store, resolverFor(runtime), writer),
    store: runtime.store,
    concurrency: request.concurrency,
    dryRun: request.dryRun,
    signal: request.signal,
    now: runtime.now,
    onEvent: request.onEvent,
  })
  const { counts } = run
  return {
    since: iso(range.since),
    until: iso(range.until),
    dryRun: request.dryRun,
    interrupted: run.interrupted,
    callsRead: counts.read,
    written: counts.logged + counts.updated + counts.wouldLog,
    unchanged: counts.alreadyDone,
    skipped: counts.skipped,
    deadLetters: counts.deadLetters,
    dataAttributesCreated: [...ensurer.created],
    elapsedMs: run.elapsedMs,
    requests: requestFigures(runtime),
  }
}
