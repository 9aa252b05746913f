import type { QueryResult, QueryResultRow } from 'pg'

/** What a repository sends its SQL through: the pool, or the one client of a transaction (both fit). */
export interface PgQueryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: readonly unknown[]): Promise<QueryResult<R>>
}

/** What every PostgreSQL repository is built with. */
export interface PgRepositoryContext {
  db: PgQueryable
  /** The schema's name, already quoted as an identifier: `${schema}.ledger`. */
  schema: string
  /** The clock for leases and update times (milliseconds); injected so tests move it by hand. */
  now: () => number
  /** The owner `ledger.begin` claims steps as (this process). */
  owner: string
  /** Whether a claim's owner is known to be dead, so its lease is not waited out. */
  isOwnerGone: (owner: string) => boolean
}

/** One repository's tables, created by the store's migrations (`sql` is given the quoted schema name). */
export interface PgTables {
  /** The first migration version these statements belong to. */
  since: number
  sql: (schema: string) => string
}
