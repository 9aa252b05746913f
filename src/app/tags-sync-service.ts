import { createHash } from 'node:crypto'

import type { Runtime } from './runtime.js'
import { UserError } from '../errors.js'
import { DataAttributeEnsurer } from '../pipeline/data-attributes.js'
import { type RequestFigures, requestFigures } from './backfill-service.js'
import { spansOf, uncovered } from '../sources/coverage.js'
import { type BackfillEvent, runBackfillEngine } from '../pipeline/backfill-engine.js'
import { parseRange, iso } from '../sources/range.js'
import { AircallRangeSource } from '../sources/aircall-range.js'

/** Calls this recent may still be re-tagged: the next run reads them again. */
const SETTLE_S = 3_600

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
  /** Queue event ids of those dead letters (`events show/replay`). */
  deadLetterIds: number[]
  dataAttributesCreated: string[]
  elapsedMs: number
  requests: { aircall: RequestFigures; intercom: RequestFigures }
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
  // Coverage belongs to one mapping: a changed mapping applies to calls an earlier one already covered.
  const checkpointName = `tags:api:${createHash('sha256').update(JSON.stringify(mapping)).digest('hex').slice(0, 12)}`
  const nowSeconds = Math.floor(runtime.now() / 1000)
  const gaps = uncovered(
    spansOf((await runtime.store.checkpoints.get(checkpointName))?.value),
    range.since,
    range.until,
  )
  const run = await runBackfillEngine({
    source: new AircallRangeSource({
      client: runtime.aircall,
      ...range,
      retentionDays: runtime.config.aircall.retentionDays,
      now: runtime.now,
      checkpointName,
      gaps,
      settledBefore: nowSeconds - SETTLE_S,
    }),
    logger: runtime.tagAttributeLogger(ensurer),
    deadLetter: { kind: 'tag-attributes', via: 'tags-sync' },
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
    deadLetterIds: run.deadLetterIds,
    dataAttributesCreated: [...ensurer.created],
    elapsedMs: run.elapsedMs,
    requests: requestFigures(runtime),
  }
}
