/**
 * PostgreSQL state locations: `postgres://user:password@host:5432/db?schema=name`, wherever a state file is
 * accepted. The password is for the driver only: everything shown (a `path`, an error, a log line) is redacted.
 */
import { PostgresStoreError } from './errors.js'

/** Where the tables live when no schema is named: PostgreSQL's own default. */
export const DEFAULT_SCHEMA = 'public'

/** The query parameter that names the schema; the driver never sees it. */
const SCHEMA_PARAM = 'schema'

/** Query parameters the driver reads as secrets (libpq's `password`, and the key's passphrase). */
const SECRET_PARAMS = new Set(['password', 'sslpassword'])

/**
 * An unquoted PostgreSQL identifier, lower case so that it means the same quoted or not, within the 63 bytes a
 * name keeps; `pg_` is reserved for the system's schemas.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

export const isPostgresUrl = (location: string): boolean => /^postgres(?:ql)?:\/\//i.test(location.trim())

/**
 * The URL with its password removed, and nothing else changed: user, host, port, database and the other query
 * parameters stay, so the URL still says which store it is. A URL too broken to parse loses everything between
 * the user name and the last `@` of what would be its authority, which is where a password could be.
 */
export const redactUrl = (url: string): string => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return redactUnparsed(url)
  }
  parsed.password = ''
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAMS.has(name.toLowerCase())) parsed.searchParams.delete(name)
  }
  return parsed.toString()
}

const redactUnparsed = (url: string): string => {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? ''
  let rest = url.slice(scheme.length)
  const at = rest.lastIndexOf('@')
  if (at >= 0) {
    const colon = rest.indexOf(':')
    if (colon >= 0 && colon < at) rest = rest.slice(0, colon) + rest.slice(at)
  }
  return scheme + rest.replace(/([?&](?:ssl)?password=)[^&#]*/gi, '$1')
}

export interface PostgresLocation {
  /** What the driver connects with: the URL as given, less the schema parameter. */
  connectionString: string
  /** The schema's name, validated (not quoted). */
  schema: string
  /** The location as it may be shown: redacted, with the schema when it is not the default one. */
  display: string
}

const malformed = (url: string, why: string): PostgresStoreError =>
  new PostgresStoreError(
    'malformed-url',
    redactUrl(url),
    `the state URL ${redactUrl(url)} is not valid: ${why}`,
    'write it as postgres://user:password@host:5432/database, optionally with ?schema=name',
  )

/**
 * Reads a state URL and the schema to use: `options.schema`, else the URL's `?schema=`, else `public`. The two
 * ways may not disagree. Refuses what the driver would misread: an unparsable URL, a percent-encoding that does not
 * decode, a schema that is not a plain identifier.
 */
export const parsePostgresUrl = (url: string, options: { schema?: string | undefined } = {}): PostgresLocation => {
  if (!isPostgresUrl(url)) throw malformed(url, 'it must start with postgres:// or postgresql://')
  let parsed: URL
  try {
    parsed = new URL(url.trim())
  } catch {
    throw malformed(
      url,
      'it cannot be parsed as a URL (a port that is not a number, or a character of the password that is not ' +
        'percent-encoded?)',
    )
  }
  for (const [part, text] of [
    ['user name', parsed.username],
    ['password', parsed.password],
    ['database name', parsed.pathname],
  ] as const) {
    try {
      decodeURIComponent(text)
    } catch {
      throw malformed(url, `its ${part} holds a % that is not a percent-encoding (write % as %25)`)
    }
  }
  const fromUrl = parsed.searchParams.getAll(SCHEMA_PARAM)
  if (fromUrl.length > 1) throw malformed(url, 'it names the schema more than once')
  const inUrl = fromUrl[0]
  if (options.schema !== undefined && inUrl !== undefined && options.schema !== inUrl) {
    throw malformed(url, `it names the schema ${inUrl} and the schema option names ${options.schema}`)
  }
  const schema = options.schema ?? inUrl ?? DEFAULT_SCHEMA
  if (!SCHEMA_NAME.test(schema) || schema.startsWith('pg_')) {
    throw malformed(
      url,
      `the schema name ${JSON.stringify(schema)} must be lower-case letters, digits and _ (not starting with a ` +
        'digit or pg_), at most 63 characters',
    )
  }
  parsed.searchParams.delete(SCHEMA_PARAM)
  const connectionString = parsed.toString()
  if (schema !== DEFAULT_SCHEMA) parsed.searchParams.set(SCHEMA_PARAM, schema)
  return { connectionString, schema, display: redactUrl(parsed.toString()) }
}
