/** Named locks with an expiry, so a crashed holder cannot block the next cron run or listener forever. */

export interface LockHolder {
  owner: string
  expiresAt: number
}

export interface Locks {
  /** Taken when free, expired, or already this owner's (which renews it); false while another owner holds it. */
  acquire(name: string, owner: string, now: number, ttlMs: number): boolean
  /** Extends this owner's lock; false when it no longer holds it (it expired and another owner took it). */
  renew(name: string, owner: string, now: number, ttlMs: number): boolean
  /** Releases the lock if this owner holds it. */
  release(name: string, owner: string): void
  get(name: string): LockHolder | undefined
  /** Every lock whose name starts with `prefix`, lapsed ones included (the caller judges them), by name. */
  list(prefix: string): NamedLock[]
  /** Deletes the locks under `prefix` that lapsed before `now` (left by processes that died); returns how many. */
  purgeExpired(prefix: string, now: number): number
}

export interface NamedLock extends LockHolder {
  name: string
}
