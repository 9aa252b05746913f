import { stateLocationOf, type LoadedConfig } from '../config/loader.js'
import { openStore, storeExists } from '../store/location.js'
import type { Checkpoint, StatusCounts } from '../store/state-store.js'
import { STALE_EVENTS_CHECKPOINT } from '../pipeline/pipeline.js'
import { runningProcesses, type RunningProcess } from './lock-holders.js'

export interface StatusResult {
  statePath: string
  exists: boolean
  counts: StatusCounts | null
  checkpoints: Array<{ name: string; updatedAt: string; value: Record<string, unknown> }>
  lastSync: string | null
  /** Webhooks older than `listener.staleAfterHours`, logged as history instead of acted on live. */
  staleEvents: number
  /** Listeners (every replica on PostgreSQL) and a sync working on the store now, by their locks. */
  running: RunningProcess[]
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** Reads what the store holds without creating it: `status` must never leave a file (or a schema) behind. */
export const readStatus = async (loaded: LoadedConfig, now: () => number = Date.now): Promise<StatusResult> => {
  const location = stateLocationOf(loaded)
  if (!(await storeExists(location))) {
    return {
      statePath: loaded.statePath,
      exists: false,
      counts: null,
      checkpoints: [],
      lastSync: null,
      staleEvents: 0,
      running: [],
    }
  }
  const store = await openStore(location, { readonly: true })
  try {
    const checkpoints: Checkpoint[] = await store.checkpoints.list()
    const syncMark = await store.marks.get('sync:last-run')
    const stale = (await store.checkpoints.get(STALE_EVENTS_CHECKPOINT))?.value.count
    return {
      statePath: loaded.statePath,
      exists: true,
      counts: await store.counts(),
      checkpoints: checkpoints.slice(-20).map((checkpoint) => ({
        name: checkpoint.name,
        updatedAt: iso(checkpoint.updatedAt),
        value: checkpoint.value,
      })),
      lastSync: syncMark === null ? null : iso(syncMark),
      staleEvents: typeof stale === 'number' ? stale : 0,
      running: await runningProcesses(store, now()),
    }
  } finally {
    await store.close()
  }
}
