/**
 * The SQLite end of a copy: the tables read page by page from one open read, and written with the values as
 * they came (the JSON documents are already text, the times numbers).
 */
import type Database from 'better-sqlite3'
import { type EventIds, type Row, type StoredLock, type TableCounts, type TableSpec, zeroCounts } from './tables.js'

const columnList = (spec: TableSpec): string => spec.columns.map(([name]) => name).join(', ')

/** Rows per table, as the open transaction sees them. */
export const sqliteCounts = (db: Database.Database, tables: readonly TableSpec[]): TableCounts => {
  const counts = zeroCounts()
  for (const spec of tables) {
    counts[spec.name] = (db.prepare(`SELECT COUNT(*) AS n FROM ${spec.name}`).get() as { n: number }).n
  }
  return counts
}

/**
 * The table's rows in key order, `spec.page` at a time. The statement stays open between pages (the caller awaits
 * the other end in between): nothing else may use this connection until the walk ends.
 */
export function* sqlitePages(db: Database.Database, spec: TableSpec): Generator<Row[]> {
  const rows = db
    .prepare(`SELECT ${columnList(spec)} FROM ${spec.name} ORDER BY ${spec.key.join(', ')}`)
    .raw(true)
    .iterate() as IterableIterator<Row>
  let page: Row[] = []
  // for…of closes the statement's iterator when the walk stops early (a failure at the other end).
  for (const row of rows) {
    page.push(row)
    if (page.length >= spec.page) {
      yield page
      page = []
    }
  }
  if (page.length > 0) yield page
}

/** Writes rows as they are; returns how many were stored. */
export const sqliteInsert = (db: Database.Database, spec: TableSpec, rows: readonly Row[]): number => {
  const statement = db.prepare(
    `INSERT INTO ${spec.name} (${columnList(spec)}) VALUES (${spec.columns.map(() => '?').join(', ')})`,
  )
  let stored = 0
  for (const row of rows) stored += statement.run(...row).changes
  return stored
}

/** Empties the tables, children first. */
export const sqliteClear = (db: Database.Database, tables: readonly TableSpec[]): void => {
  for (const spec of [...tables].reverse()) db.prepare(`DELETE FROM ${spec.name}`).run()
  db.prepare(`DELETE FROM sqlite_sequence WHERE name = 'events'`).run()
}

/**
 * `events.id` is AUTOINCREMENT: SQLite hands out ids above the highest it ever gave, purged events' included,
 * which sqlite_sequence records.
 */
export const sqliteEventIds = (db: Database.Database): EventIds => {
  const { maxId } = db.prepare('SELECT MAX(id) AS maxId FROM events').get() as { maxId: number | null }
  const issued = db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'events'`).get() as
    { seq: number } | undefined
  return { maxId, nextId: Math.max(maxId ?? 0, issued?.seq ?? 0) + 1 }
}

/** Makes the next id handed out `last + 1` at the least (the copied rows already hold it up to their highest). */
export const sqliteSetLastEventId = (db: Database.Database, last: number): void => {
  const { nextId } = sqliteEventIds(db)
  if (last < nextId - 1) return
  db.prepare(`DELETE FROM sqlite_sequence WHERE name = 'events'`).run()
  if (last > 0) db.prepare(`INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)`).run(last)
}

export const sqliteLocks = (db: Database.Database): StoredLock[] =>
  (
    db.prepare('SELECT name, owner, expires_at FROM locks ORDER BY name').all() as Array<{
      name: string
      owner: string
      expires_at: number
    }>
  ).map((row) => ({ name: row.name, owner: row.owner, expiresAt: row.expires_at }))
