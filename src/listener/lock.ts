import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { LockedError } from '../errors.js'
import type { StateStore } from '../store/state-store.js'

export const WORKER_LOCK = 'listener:worker'
/** Each worker on a PostgreSQL store holds a lock row of its own under this prefix: a presence, never contended. */
export const REPLICA_LOCK_PREFIX = 'listener:replica:'

/** Who works the queue: a listener, or `events replay --process` (its owner ends in REPLAY_SUFFIX). */
export type WorkerHolder = 'listen' | 'replay'
export const REPLAY_SUFFIX = ':replay'

export interface WorkerLock {
  owner: string
  renew(): Promise<boolean>
  release(): Promise<void>
}

const holderIsGone = (owner: string): boolean => {
  const [host, pid] = owner.split(':')
  if (host !== hostname() || !pid || !/^\d+$/.test(pid)) return false
  try {
    process.kill(Number(pid), 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/**
 * One worker per SQLite store: the queue's leases would let two work side by side, but the per-caller cooldown and
 * the in-process de-duplication of creates assume one. A holder killed with SIGKILL leaves the lock behind;
 * when its process is gone on this host the lock is taken over at once instead of waiting for the expiry.
 */
export const acquireWorkerLock = async (
  store: Pick<StateStore, 'locks'>,
  now: () => number,
  ttlMs: number,
  backend: 'sqlite' | 'postgres' = 'sqlite',
  holder: WorkerHolder = 'listen',
): Promise<WorkerLock> => {
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}${holder === 'replay' ? REPLAY_SUFFIX : ''}`
  // On PostgreSQL any number of workers share the queue: claims skip each other's rows (FOR UPDATE SKIP LOCKED),
  // the ledger's claims hold across processes and the cooldown's read-then-write runs under an advisory lock.
  // One SQLite file is one machine's, and its writers queue behind one another: one worker is the fast shape.
  // Each replica's own row says it is there (`state migrate` refuses to copy or replace a store being worked on).
  if (backend === 'postgres') {
    const presence = `${REPLICA_LOCK_PREFIX}${owner}`
    // Rows of replicas that died (SIGKILLed, their host lost) lapse; the next replica to start clears them.
    await store.locks.purgeExpired(REPLICA_LOCK_PREFIX, now())
    await store.locks.acquire(presence, owner, now(), ttlMs)
    return {
      owner,
      renew: () => store.locks.renew(presence, owner, now(), ttlMs),
      release: () => store.locks.release(presence, owner),
    }
  }
  if (!(await store.locks.acquire(WORKER_LOCK, owner, now(), ttlMs))) {
    const held = await store.locks.get(WORKER_LOCK)
    if (held && holderIsGone(held.owner)) await store.locks.release(WORKER_LOCK, held.owner)
    if (!(await store.locks.acquire(WORKER_LOCK, owner, now(), ttlMs))) {
      const pid = held?.owner.split(':')[1] ?? '?'
      throw new LockedError(
        `another listener (or \`events replay --process\`) is processing this store (pid ${pid})`,
        'stop it first, or give this one its own state file with --state',
      )
    }
  }
  return {
    owner,
    renew: () => store.locks.renew(WORKER_LOCK, owner, now(), ttlMs),
    release: () => store.locks.release(WORKER_LOCK, owner),
  }
}
