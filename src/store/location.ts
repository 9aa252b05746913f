/**
 * Where a state store lives: an SQLite file, or a PostgreSQL database named by a URL. Everything that opens a
 * store (the runtime, the intake thread, `status`, `state migrate`) opens it from one of these, so a URL works
 * wherever a state file does.
 */
import { existsSync } from 'node:fs'
import type { AsyncStateStore } from './async-store.js'
import { openPostgresStore, parsePostgresUrl, isPostgresUrl } from './postgres/index.js'
import { postgresStoreExists } from './postgres/open.js'
import { asyncSqliteStore, openStateStore } from './sqlite/index.js'

export type StateLocation =
  | { kind: 'sqlite'; path: string }
  | {
      kind: 'postgres'
      /** What the driver connects with: it may hold the password, so it is never shown. */
      url: string
      /** The schema, validated. */
      schema: string
      /** The URL as it may be shown (redacted). */
      display: string
      poolSize?: number
    }

export { isPostgresUrl }

/** A PostgreSQL location from a URL (and an optional schema); a malformed URL is refused here, by name. */
export const postgresLocation = (url: string, options: { schema?: string; poolSize?: number } = {}): StateLocation => {
  const parsed = parsePostgresUrl(url, { schema: options.schema })
  return {
    kind: 'postgres',
    url: url.trim(),
    schema: parsed.schema,
    display: parsed.display,
    ...(options.poolSize !== undefined ? { poolSize: options.poolSize } : {}),
  }
}

/** The location as it may be shown: a file path, or the redacted URL. */
export const shownLocation = (location: StateLocation): string =>
  location.kind === 'sqlite' ? location.path : location.display

export interface OpenStoreOptions {
  now?: () => number
  owner?: string
  /** SQLite: open the file read-only (PostgreSQL stores are opened as they are; readers only read). */
  readonly?: boolean
  /** SQLite: leave WAL checkpoints to another connection (the intake thread's). */
  walAutoCheckpoint?: boolean
}

/** Opens the store at `location`, migrating its schema; the errors name it as `shownLocation` does. */
export const openStore = async (location: StateLocation, options: OpenStoreOptions = {}): Promise<AsyncStateStore> => {
  if (location.kind === 'sqlite') {
    return asyncSqliteStore(
      openStateStore(location.path, {
        ...(options.now ? { now: options.now } : {}),
        ...(options.owner ? { owner: options.owner } : {}),
        ...(options.readonly ? { readonly: true } : {}),
        ...(options.walAutoCheckpoint === false ? { walAutoCheckpoint: false } : {}),
      }),
    )
  }
  return openPostgresStore(location.url, {
    schema: location.schema,
    ...(location.poolSize !== undefined ? { poolSize: location.poolSize } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.owner ? { owner: options.owner } : {}),
  })
}

/**
 * Whether anything was ever stored there, without creating it: the file exists, or the schema has been migrated.
 * Read-only commands answer "nothing yet" instead of creating a store to read it.
 */
export const storeExists = async (location: StateLocation): Promise<boolean> =>
  location.kind === 'sqlite' ? existsSync(location.path) : postgresStoreExists(location.url, location.schema)
