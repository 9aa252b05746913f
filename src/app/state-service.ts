/**
 * `state migrate`: the state copied from the store this command is configured with into another backend (an SQLite
 * file into PostgreSQL, or back), refused while a process works on either store. The copy itself, its one
 * transaction and its verification are the store's (src/store/transfer.ts).
 */
import { resolve } from 'node:path'
import { stateLocationOf, type LoadedConfig } from '../config/loader.js'
import { LockedError, UserError } from '../errors.js'
import { REPLICA_LOCK_PREFIX, WORKER_LOCK } from '../listener/lock.js'
import { isPostgresUrl, postgresLocation, shownLocation, type StateLocation } from '../store/location.js'
import { redactUrl } from '../store/postgres/url.js'
import { isOwnerGone } from '../store/step-owner.js'
import { copyState, type StoredLock, type TableCounts, type TableName } from '../store/transfer.js'
import { holderOf } from './lock-holders.js'
import { SYNC_LOCK } from './sync-service.js'

export interface StateMigrateRequest {
  /** A postgres:// URL, or an SQLite file path (relative to the working directory). */
  to: string
  force: boolean
}

export interface StateEnd {
  backend: 'sqlite' | 'postgres'
  /** The file's path, or the URL without its password. */
  location: string
}

export interface StateMigrateResult {
  from: StateEnd
  to: StateEnd
  /** Rows copied per table, in copy order. */
  tables: Array<{ table: TableName; rows: number }>
  total: number
  /** What the target held and `--force` replaced; null when it was empty. */
  replaced: Partial<TableCounts> | null
  /** The highest event id copied, and the id the next event enqueued in the target gets. */
  events: { maxId: number | null; nextId: number }
  /** Locks of the source no live process holds (expired, or left by a process gone from this host): not copied. */
  locksLeft: number
  elapsedMs: number
}

const endOf = (location: StateLocation): StateEnd => ({ backend: location.kind, location: shownLocation(location) })

/** Where `--to` points: a database URL, or an SQLite file; another URL scheme would become a file called `mysql:`. */
export const migrationTarget = (to: string, cwd = process.cwd()): StateLocation => {
  const given = to.trim()
  if (given === '') throw new UserError('--to needs a postgres:// URL or an SQLite file path', undefined, 2, 'usage')
  if (isPostgresUrl(given)) return postgresLocation(given)
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given)) {
    throw new UserError(
      `--to ${redactUrl(given)} is a URL the state store cannot use`,
      'give --to a postgres://user@host:5432/database URL, or an SQLite file path',
      2,
      'usage',
    )
  }
  return { kind: 'sqlite', path: resolve(cwd, given) }
}

/** What of `--to` must never be printed: the URL's password, for the command's redactor. */
export const migrationSecrets = (to: string): string[] => {
  if (!isPostgresUrl(to)) return []
  try {
    const password = decodeURIComponent(new URL(to.trim()).password)
    return password ? [password] : []
  } catch {
    return []
  }
}

/** Held: not expired, and not left by a process known to be gone from this host (what the lock's takers assume). */
const isLive = (lock: StoredLock, now: number): boolean => {
  if (lock.expiresAt <= now) return false
  const holder = holderOf(lock.owner)
  return holder === null || !isOwnerGone(`${holder.host}/${holder.pid}/`)
}

const lockedBy = (lock: StoredLock, where: string): LockedError => {
  const holder = holderOf(lock.owner)
  const who = holder ? `pid ${holder.pid} on ${holder.host}` : lock.owner
  const hint =
    'stop it (and any cron sync or backfill on this store), run state migrate again, then start them with the ' +
    'new store'
  if (lock.name === WORKER_LOCK || lock.name.startsWith(REPLICA_LOCK_PREFIX)) {
    return new LockedError(`a listener (or \`events replay --process\`) is processing ${where} (${who})`, hint)
  }
  if (lock.name === SYNC_LOCK) return new LockedError(`a sync is running on ${where} (${who})`, hint)
  return new LockedError(
    `${where} is locked by a running process (${lock.name}, ${who}, until ${new Date(lock.expiresAt).toISOString()})`,
    hint,
  )
}

/**
 * Copies the command's state (`--state`, AIRCALL_INTERCOM_STATE or the configuration) into `request.to`. Refused:
 * the same backend on both sides, a source that does not exist, a listener or sync holding either store, a target
 * that already holds state (unless `force`); undone when the copy does not verify. The source is left as it was.
 */
export const migrateState = async (
  loaded: LoadedConfig,
  request: StateMigrateRequest,
  deps: { now?: () => number } = {},
): Promise<StateMigrateResult> => {
  const now = deps.now ?? Date.now
  const from = stateLocationOf(loaded)
  const to = migrationTarget(request.to)
  const started = now()
  const result = await copyState(from, to, {
    force: request.force,
    checkLocks: (side, locks, location) => {
      const held = locks.find((lock) => isLive(lock, now()))
      if (held)
        throw lockedBy(held, side === 'source' ? shownLocation(location) : `the target ${shownLocation(location)}`)
    },
  })
  const replaced = result.replaced
    ? (Object.fromEntries(Object.entries(result.replaced).filter(([, rows]) => rows > 0)) as Partial<TableCounts>)
    : null
  return {
    from: endOf(from),
    to: endOf(to),
    tables: result.tables,
    total: result.tables.reduce((sum, table) => sum + table.rows, 0),
    replaced,
    events: result.events,
    locksLeft: result.locksLeft,
    elapsedMs: now() - started,
  }
}
