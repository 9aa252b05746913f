/**
 * The PostgreSQL schema, versioned: each repository declares its tables with the version they arrived in
 * (`PgTables.since`), and migration N creates every table of version N. Migrations are recorded in
 * `schema_migrations` inside the store's schema and applied when a store opens, each in one transaction with its
 * record, under an advisory lock of that schema: replicas starting together migrate once, and the others wait and
 * find it done.
 */
import { createHash } from 'node:crypto'
import type pg from 'pg'
import { budgetsTables } from './budgets.js'
import { callStatesTables } from './call-states.js'
import { contactIndexTables } from './contact-index.js'
import type { PgQueryable, PgTables } from './context.js'
import { newerSchemaError } from './errors.js'
import { eventQueueTables } from './event-queue.js'
import { ledgerTables } from './ledger.js'
import { locksTables } from './locks.js'
import { marksTables } from './marks.js'
import { runCheckpointsTables } from './run-checkpoints.js'

export interface PgMigration {
  version: number
  name: string
  sql: (schema: string) => string
}

/** What each version is called in `schema_migrations`; a version with tables and no name here is a bug. */
const NAMES: Readonly<Record<number, string>> = {
  1: 'every repository: ledger, checkpoints, call states, event queue, contact index, marks, locks',
  2: 'API budgets shared by every process',
}

const TABLES: readonly PgTables[] = [
  ledgerTables,
  runCheckpointsTables,
  callStatesTables,
  eventQueueTables,
  contactIndexTables,
  marksTables,
  locksTables,
  budgetsTables,
]

const migrationsOf = (tables: readonly PgTables[]): PgMigration[] => {
  const versions = [...new Set(tables.map((t) => t.since))].sort((a, b) => a - b)
  return versions.map((version) => {
    const name = NAMES[version]
    if (name === undefined) throw new Error(`PostgreSQL migration ${version} has tables but no name`)
    const of = tables.filter((t) => t.since === version)
    return { version, name, sql: (schema) => of.map((t) => t.sql(schema)).join(';\n') }
  })
}

export const PG_MIGRATIONS: readonly PgMigration[] = migrationsOf(TABLES)
export const LATEST_PG_SCHEMA = PG_MIGRATIONS.at(-1)?.version ?? 0

/** Quotes a validated schema name (url.ts) as an identifier. */
export const quoteSchema = (schema: string): string => `"${schema.replaceAll('"', '""')}"`

/**
 * The tables the migrations create, by name, read from their statements: what the integrity check expects to
 * find, kept in step with the repositories without a second list.
 */
export const expectedTables = (): string[] => {
  const names = new Set<string>(['schema_migrations'])
  const marker = 'store_schema_marker'
  for (const migration of PG_MIGRATIONS) {
    const sql = migration.sql(marker)
    const create =
      /create\s+(?:unlogged\s+)?table\s+(?:if\s+not\s+exists\s+)?store_schema_marker\.("?)([a-z_][a-z0-9_]*)\1/gi
    for (const match of sql.matchAll(create)) names.add((match[2] ?? '').toLowerCase())
  }
  return [...names].sort()
}

/** Advisory locks of this application: the first key of the pair, the second being the schema's. */
const LOCK_CLASS = 0x41_49_43_4d // "AICM"

/** The pair of keys of the migration lock of `schema`: one lock per schema, so stores in other schemas never wait. */
export const migrationLockKeys = (schema: string): [number, number] => [
  LOCK_CLASS,
  createHash('sha256').update(`migrate:${schema}`).digest().readInt32BE(0),
]

const recordedVersion = async (client: pg.PoolClient, q: string): Promise<number> => {
  const { rows } = await client.query<{ version: number | null }>(
    `select max(version) as version from ${q}.schema_migrations`,
  )
  return rows[0]?.version ?? 0
}

/**
 * Brings the schema to the latest version, or refuses one written by a newer build (nothing is then changed).
 * `path` is the redacted URL the errors name.
 */
export const migrate = async (client: pg.PoolClient, schema: string, path: string): Promise<void> => {
  const q = quoteSchema(schema)
  const [classKey, schemaKey] = migrationLockKeys(schema)
  await client.query('select pg_advisory_lock($1, $2)', [classKey, schemaKey])
  try {
    // Asked before creating: CREATE SCHEMA IF NOT EXISTS wants the database's CREATE privilege even when the
    // schema is there, which a user given only a schema of its own lacks.
    const { rowCount } = await client.query('select 1 from pg_namespace where nspname = $1', [schema])
    if (rowCount === 0) await client.query(`create schema if not exists ${q}`)
    await client.query(
      `create table if not exists ${q}.schema_migrations (
         version integer primary key,
         name text not null,
         applied_at timestamptz not null default now()
       )`,
    )
    const current = await recordedVersion(client, q)
    if (current > LATEST_PG_SCHEMA) throw newerSchemaError(path, schema, current, LATEST_PG_SCHEMA)
    for (const migration of PG_MIGRATIONS) {
      if (migration.version <= current) continue
      await client.query('begin')
      try {
        await client.query(migration.sql(q))
        await client.query(`insert into ${q}.schema_migrations (version, name) values ($1, $2)`, [
          migration.version,
          migration.name,
        ])
        await client.query('commit')
      } catch (error) {
        await client.query('rollback').catch(() => undefined)
        throw error
      }
    }
  } finally {
    await client.query('select pg_advisory_unlock($1, $2)', [classKey, schemaKey]).catch(() => undefined)
  }
}

/** What is wrong with the migrations table and the tables the migrations create; empty when all is in place. */
export const schemaProblems = async (db: PgQueryable, schema: string): Promise<string[]> => {
  const q = quoteSchema(schema)
  const problems: string[] = []
  const { rows: present } = await db.query<{ tablename: string }>(
    'select tablename from pg_tables where schemaname = $1',
    [schema],
  )
  const names = new Set(present.map((row) => row.tablename))
  for (const table of expectedTables()) {
    if (!names.has(table)) problems.push(`table ${schema}.${table} is missing`)
  }
  if (!names.has('schema_migrations')) return problems
  const { rows } = await db.query<{ version: number; name: string }>(
    `select version, name from ${q}.schema_migrations order by version`,
  )
  const known = new Map(PG_MIGRATIONS.map((m) => [m.version, m.name]))
  rows.forEach((row, i) => {
    const expected = PG_MIGRATIONS[i]
    if (expected?.version !== row.version) {
      problems.push(
        known.has(row.version)
          ? `schema_migrations records version ${row.version} out of order`
          : `schema_migrations records version ${row.version}, which this build does not know`,
      )
    } else if (expected.name !== row.name) {
      problems.push(`schema_migrations names version ${row.version} "${row.name}", not "${expected.name}"`)
    }
  })
  if (rows.length < PG_MIGRATIONS.length) {
    problems.push(`schema_migrations stops at version ${rows.at(-1)?.version ?? 0} of ${LATEST_PG_SCHEMA}`)
  }
  return problems
}
