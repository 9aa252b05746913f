import { createHash } from 'node:crypto'
import type pg from 'pg'
import type { SessionLock } from '../async-store.js'
import { heedConnectionLoss } from './context.js'

/** The advisory-lock class of single-flight jobs (the migration lock has its own; see migrations.ts). */
const JOB_LOCK_CLASS = 0x41_49_43_4a // "AICJ"

const keyOf = (schema: string, name: string): number =>
  createHash('sha256').update(`job:${schema}:${name}`).digest().readInt32BE(0)

/**
 * Single-flight jobs (`sync`) as session advisory locks: one connection holds the lock for the job's run, and the
 * server frees it the moment that connection ends — a holder killed on any host frees it at once, where a lock
 * row has to be waited out to its expiry (nothing tells another host a slow holder from a dead one).
 */
export class PgSessionLocks {
  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
  ) {}

  /** The lock, or null when another session holds it; never waits. */
  async tryAcquire(name: string): Promise<SessionLock | null> {
    const client = await this.pool.connect()
    const unheed = heedConnectionLoss(client)
    const key = keyOf(this.schema, name)
    let held = false
    try {
      const { rows } = await client.query<{ held: boolean }>('select pg_try_advisory_lock($1, $2) as held', [
        JOB_LOCK_CLASS,
        key,
      ])
      held = rows[0]?.held === true
    } finally {
      if (!held) {
        unheed()
        client.release()
      }
    }
    if (!held) return null
    let released = false
    let lost = false
    // The server ends the lock with the session: a dropped connection means it is no longer held.
    const onLoss = (): void => {
      lost = true
    }
    client.on('error', onLoss)
    return {
      lost: () => lost,
      release: async () => {
        if (released) return
        released = true
        client.removeListener('error', onLoss)
        try {
          await client.query('select pg_advisory_unlock($1, $2)', [JOB_LOCK_CLASS, key])
          unheed()
          client.release()
        } catch (error) {
          // A connection that failed to unlock is discarded: its end frees the lock.
          unheed()
          client.release(error as Error)
        }
      },
    }
  }
}
