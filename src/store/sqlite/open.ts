import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import { StoreError } from '../store-file-errors.js'
import { SqliteStateStore, type SqliteStoreOptions } from './state-store.js'

export const openStateStore = (path: string, options?: SqliteStoreOptions): SqliteStateStore =>
  new SqliteStateStore(path, options)

/**
 * An in-memory copy of the store at `path` (an empty store when there is none): a dry run decides with everything
 * stored and keeps what it learns on the way in memory, so the file is read once, read-only, and never written.
 */
export const openStoreSnapshot = (
  path: string,
  options: Omit<SqliteStoreOptions, 'image' | 'readonly'> = {},
): SqliteStateStore => {
  if (!existsSync(path)) return new SqliteStateStore(':memory:', options)
  let image: Buffer
  try {
    const source = new Database(path, { readonly: true, fileMustExist: true })
    try {
      image = source.serialize()
    } finally {
      source.close()
    }
  } catch (error) {
    throw new StoreError(`cannot read the state store ${path}: ${(error as Error).message}`, path)
  }
  // A WAL file's header says so, and SQLite opens a WAL database only from a file: the copy is read as rollback.
  image[18] = 1
  image[19] = 1
  return new SqliteStateStore(path, { ...options, image })
}
