import { REPLAY_SUFFIX, REPLICA_LOCK_PREFIX, WORKER_LOCK } from '../listener/lock.js'
import type { StateStore } from '../store/state-store.js'
import { SYNC_LOCK } from './sync-service.js'

/** `host:pid:nonce` (a listener's lock), `host/pid/nonce` (a step owner) or the JSON a sync records. */
export const holderOf = (owner: string): { host: string; pid: number } | null => {
  try {
    const parsed = JSON.parse(owner) as { host?: unknown; pid?: unknown }
    if (typeof parsed.host === 'string' && Number.isInteger(parsed.pid))
      return { host: parsed.host, pid: Number(parsed.pid) }
    return null
  } catch {
    const [host, pid] = owner.split(/[:/]/)
    return host && pid && /^\d+$/.test(pid) ? { host, pid: Number(pid) } : null
  }
}

/**
 * A process working on the store, as its lock row says: a listener (each replica on PostgreSQL), an
 * `events replay --process`, or a sync.
 */
export interface RunningProcess {
  command: 'listen' | 'events replay' | 'sync'
  host: string | null
  pid: number | null
  /** When its lock lapses unless it renews it (a process that died stops renewing). */
  lockExpiresAt: string
}

/** The processes whose locks have not lapsed at `now`: the queue's workers (by lock name: host, then pid), then a sync. */
export const runningProcesses = async (store: Pick<StateStore, 'locks'>, now: number): Promise<RunningProcess[]> => {
  const rows = [
    ...(await store.locks.list(REPLICA_LOCK_PREFIX)).map((lock) => ({ ...lock, command: 'listen' as const })),
    ...[await store.locks.get(WORKER_LOCK)].flatMap((lock) =>
      lock ? [{ ...lock, name: WORKER_LOCK, command: 'listen' as const }] : [],
    ),
    ...[await store.locks.get(SYNC_LOCK)].flatMap((lock) =>
      lock ? [{ ...lock, name: SYNC_LOCK, command: 'sync' as const }] : [],
    ),
  ]
  return rows
    .filter((lock) => lock.expiresAt > now)
    .map((lock) => {
      const holder = holderOf(lock.owner)
      return {
        command: lock.command === 'listen' && lock.owner.endsWith(REPLAY_SUFFIX) ? 'events replay' : lock.command,
        host: holder?.host ?? null,
        pid: holder?.pid ?? null,
        lockExpiresAt: new Date(lock.expiresAt).toISOString(),
      }
    })
}
