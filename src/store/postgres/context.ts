import type { PoolClient, QueryResult, QueryResultRow } from 'pg'

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

/**
 * A connection taken from the pool for a transaction or a session lock can drop between two statements (a
 * failover, a restart, pg_terminate_backend): the client then emits 'error', which unheard would end the process.
 * Heard, the next statement on it fails instead, and the caller rolls back and discards it. Call the returned
 * function before the client goes back to the pool (which listens itself while it holds it).
 */
export const heedConnectionLoss = (client: PoolClient): (() => void) => {
  const ignore = (): void => undefined
  client.on('error', ignore)
  return () => {
    client.removeListener('error', ignore)
  }
}
