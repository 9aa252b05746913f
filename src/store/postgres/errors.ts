/**
 * Why a PostgreSQL store cannot be opened, each with its own remedy, found from the socket's and the server's error
 * codes (SQLSTATE), not from the server's message text, which follows its locale. Every message names the store by
 * its redacted URL: the password never reaches a terminal, a log or `--json`.
 */
import { type FailureClass, UserError } from '../../errors.js'

export type PostgresProblem =
  | 'malformed-url'
  | 'unreachable'
  | 'refused'
  | 'auth-failed'
  | 'missing-database'
  | 'missing-role'
  | 'permission-denied'
  | 'newer-schema'
  | 'not-ready'
  | 'failed'

export class PostgresStoreError extends UserError {
  override readonly failure: FailureClass

  constructor(
    readonly problem: PostgresProblem,
    /** The store's redacted URL. */
    readonly path: string,
    message: string,
    hint?: string,
  ) {
    // A URL that cannot be read is configuration (2: the command could not start); the rest fail a started
    // command, as a state file's problems do (StoreError).
    super(message, hint, problem === 'malformed-url' ? 2 : 1, problem === 'malformed-url' ? 'usage' : 'store_error')
    this.name = 'PostgresStoreError'
    // A server that is down or starting may be up on the next attempt; nothing else mends itself.
    this.failure = problem === 'refused' || problem === 'unreachable' || problem === 'not-ready' ? 'retry' : 'permanent'
  }
}

interface DriverError {
  code?: unknown
  routine?: unknown
  message?: unknown
}

const fieldOf = (error: unknown, name: keyof DriverError): string => {
  if (typeof error !== 'object' || error === null) return ''
  const value = (error as DriverError)[name]
  if (typeof value === 'string') return value
  // A host with several addresses fails with one error per address, gathered in an AggregateError.
  const first: unknown = error instanceof AggregateError ? error.errors[0] : undefined
  return first === undefined ? '' : fieldOf(first, name)
}

/** Node's socket errors: the server could not be reached at all. */
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET'])

/**
 * The error to show for a failure to connect to, or migrate, the store at `path` (redacted). `schema` is named
 * where it is the remedy (a permission to create it).
 */
export const postgresOpenError = (path: string, schema: string, error: unknown): PostgresStoreError => {
  if (error instanceof PostgresStoreError) return error
  const code = fieldOf(error, 'code')
  const detail = fieldOf(error, 'message')
  const at = `the PostgreSQL store ${path}`
  switch (code) {
    case 'ECONNREFUSED':
      return new PostgresStoreError(
        'refused',
        path,
        `cannot connect to ${at}: the connection was refused (is the server running, on this host and port?)`,
        'start PostgreSQL, or correct the host and port of the state URL',
      )
    case '28P01':
      return new PostgresStoreError(
        'auth-failed',
        path,
        `cannot connect to ${at}: the password was refused for its user`,
        'correct the password of the state URL (percent-encode its special characters), or the role',
      )
    case '3D000':
      return new PostgresStoreError(
        'missing-database',
        path,
        `cannot connect to ${at}: the database does not exist`,
        'create it (createdb, or CREATE DATABASE … OWNER the user of the URL), or correct the database of the URL',
      )
    case '28000':
      // The same code says "no such role" and "pg_hba.conf has no entry for you"; only the routine differs.
      if (fieldOf(error, 'routine') === 'InitializeSessionUserId') {
        return new PostgresStoreError(
          'missing-role',
          path,
          `cannot connect to ${at}: its user (role) does not exist on the server`,
          'create the role (CREATE ROLE … LOGIN PASSWORD …), or correct the user of the state URL',
        )
      }
      return new PostgresStoreError(
        'auth-failed',
        path,
        `cannot connect to ${at}: the server does not let this user connect from here (${detail})`,
        "add an entry for this user and host to the server's pg_hba.conf, or connect as another user",
      )
    case '42501':
      return new PostgresStoreError(
        'permission-denied',
        path,
        `cannot prepare ${at}: permission denied (${detail})`,
        `grant its user CREATE on the database, or create the schema ${schema} for it (CREATE SCHEMA … AUTHORIZATION)`,
      )
    case '57P03':
    case '53300':
      return new PostgresStoreError(
        'not-ready',
        path,
        `cannot connect to ${at}: the server is not accepting connections now (${detail})`,
        'try again shortly; if it persists, check the server (max_connections, a recovery in progress)',
      )
  }
  if (UNREACHABLE.has(code) || /timeout/i.test(code)) {
    return new PostgresStoreError(
      'unreachable',
      path,
      `cannot connect to ${at}: the server cannot be reached (${code})`,
      'check the host name and the network between this machine and the server',
    )
  }
  // The driver's own connection timeout carries no code.
  if (code === '' && /timeout/i.test(detail)) {
    return new PostgresStoreError(
      'unreachable',
      path,
      `cannot connect to ${at}: no answer within the connection timeout`,
      'check the host name and the network between this machine and the server',
    )
  }
  return new PostgresStoreError('failed', path, `cannot open ${at}: ${scrub(detail || String(error), path)}`)
}

/** A driver message naming the connection string would name its password: such a message is not repeated. */
const scrub = (text: string, path: string): string => (text.includes('://') ? `an error on ${path}` : text)

export const newerSchemaError = (path: string, schema: string, current: number, latest: number): PostgresStoreError =>
  new PostgresStoreError(
    'newer-schema',
    path,
    `the PostgreSQL store ${path} (schema ${schema}) was written by a newer version of aircall-intercom ` +
      `(schema version ${current}; this build knows up to ${latest})`,
    'upgrade aircall-intercom on this machine to the version the other machines run',
  )
