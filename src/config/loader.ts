import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { parseDocument } from 'yaml'
import { z } from 'zod'
import { type CodedError, EXIT, UserError } from '../errors.js'
import { configSchema, ENV, HIDDEN_PATHS, SECRET_PATHS, type AppConfig } from './schema.js'
import { resolveTemplateSettings } from './templates-check.js'
import { isPostgresUrl, postgresLocation, shownLocation, type StateLocation } from '../store/location.js'
import { redactUrl } from '../store/postgres/url.js'

export const DEFAULT_CONFIG_FILE = 'aircall-intercom.yml'
export const DEFAULT_STATE_FILE = 'aircall-intercom.sqlite'

export interface ConfigProblem {
  /** The file the value was read from, or `environment` when a variable supplied it. */
  file: string
  path: string
  message: string
  /** Set when an environment variable supplied the value: the problem is the variable's, not a file's. */
  variable?: string
}

export class ConfigError extends Error implements CodedError {
  readonly failure = 'permanent'
  readonly errorCode = 'config_invalid'
  readonly exitCode = EXIT.usage

  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((problem) => formatProblem(problem)).join('\n'))
    this.name = 'ConfigError'
  }
}

export const formatProblem = (problem: ConfigProblem): string => {
  if (problem.variable) {
    return `${problem.variable} (environment variable${problem.path ? `, for ${problem.path}` : ''}): ${problem.message}`
  }
  return problem.path ? `${problem.file}:${problem.path}: ${problem.message}` : `${problem.file}: ${problem.message}`
}

/** Where one effective value came from, for `config show --sources`. */
export type ValueOrigin =
  | { kind: 'default' }
  /** `variable` when the file's value is a `${NAME}` reference. */
  | { kind: 'file'; file: string; path: string; variable?: string }
  | { kind: 'env'; variable: string }
  | { kind: 'flag'; flag: string }

/** A key the file sets that an environment variable replaced with another value (precedence env > file). */
export interface EnvOverride {
  path: string
  variable: string
  file: string
  /** A credential: neither value is carried. */
  secret: boolean
  fileValue?: string
  envValue?: string
}

export interface LoadOptions {
  /** --config flag. */
  configPath?: string
  /** --state flag. */
  statePath?: string
  env?: NodeJS.ProcessEnv
  cwd?: string
}

export interface LoadedConfig {
  config: AppConfig
  /** The file that was read, or null when none exists and defaults + env were used. */
  file: string | null
  /** Where the config would be read from (shown when no file exists). */
  expectedFile: string
  /** Where the state lives as it may be shown: the file's path, or the database URL without its password. */
  statePath: string
  /** Where the state lives, to open it (a URL here may hold the password: never show it). */
  state?: StateLocation
  /** Secret values that were loaded, for redaction. */
  secrets: string[]
  /** Which source supplied each overridable setting, for `config show`. */
  sources: Record<string, 'default' | 'file' | 'env' | 'flag'>
  /** Every effective value's key path → where it came from (`config show --sources`). */
  origins?: Record<string, ValueOrigin>
  /** File values the environment replaced (`init` and `doctor` warn about them). */
  overrides?: EnvOverride[]
  /**
   * Template settings that named a file: key path → the file's absolute path. `config` holds the file's
   * Liquid source in their place.
   */
  templateFiles?: Record<string, string>
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json }

const SECRET_ENV: Record<string, string> = {
  'aircall.apiId': ENV.aircallApiId,
  'aircall.apiToken': ENV.aircallApiToken,
  'aircall.webhookToken': ENV.aircallWebhookToken,
  'intercom.accessToken': ENV.intercomAccessToken,
  'intercom.clientSecret': ENV.intercomClientSecret,
}

const ENV_REFERENCE = /\$\{([A-Z0-9_]+)\}/g
const FIRST_ENV_REFERENCE = /\$\{([A-Z0-9_]+)\}/

/** The variables laid over the file's values: variable, section, key. */
export const ENV_OVERLAY: ReadonlyArray<readonly [variable: string, section: string, key: string]> = [
  [ENV.aircallApiId, 'aircall', 'apiId'],
  [ENV.aircallApiToken, 'aircall', 'apiToken'],
  [ENV.aircallWebhookToken, 'aircall', 'webhookToken'],
  [ENV.aircallApiUrl, 'aircall', 'apiUrl'],
  [ENV.intercomAccessToken, 'intercom', 'accessToken'],
  [ENV.intercomClientSecret, 'intercom', 'clientSecret'],
  [ENV.intercomAdminId, 'intercom', 'adminId'],
  [ENV.intercomApiUrl, 'intercom', 'apiUrl'],
]

const isSecretPath = (section: string, key: string): boolean =>
  SECRET_PATHS.some(([secretSection, secretKey]) => secretSection === section && secretKey === key)

const sectionOf = (sections: Record<string, unknown>, name: string): Record<string, unknown> | null => {
  const value = sections[name]
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null
}

/**
 * The keys of a configuration (as written in a file, `${NAME}` references resolved) whose value the environment
 * replaces with a different one. Equal values are not an override: nothing changes.
 */
export const findEnvOverrides = (
  fileSections: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  file: string,
): EnvOverride[] => {
  const overrides: EnvOverride[] = []
  for (const [variable, section, key] of ENV_OVERLAY) {
    const envValue = env[variable]
    if (envValue === undefined || envValue === '') continue
    const fileValue = sectionOf(fileSections, section)?.[key]
    if (fileValue === undefined || fileValue === null) continue
    const fileText = typeof fileValue === 'string' ? fileValue : JSON.stringify(fileValue)
    if (fileText === envValue) continue
    const secret = isSecretPath(section, key)
    overrides.push({
      path: `${section}.${key}`,
      variable,
      file,
      secret,
      ...(secret ? {} : { fileValue: fileText, envValue }),
    })
  }
  return overrides
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

const valueAt = (root: unknown, path: ReadonlyArray<string>): unknown => {
  let current = root
  for (const part of path) {
    if (!isPlainObject(current)) return undefined
    current = current[part]
  }
  return current
}

/** Key paths of every value: objects are walked, arrays and scalars (and empty objects) are values. */
export const leafPaths = (value: unknown, path: string[] = []): string[][] => {
  if (isPlainObject(value) && (Object.keys(value).length > 0 || path.length === 0)) {
    return Object.entries(value).flatMap(([key, item]) => (item === undefined ? [] : leafPaths(item, [...path, key])))
  }
  return [path]
}
const WHOLE_ENV_REFERENCE = /^\$\{([A-Z0-9_]+)\}$/

const keyPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)),
    '',
  )

/** Replaces `${NAME}` in every string, reporting each missing variable with the key that references it. */
const interpolate = (
  value: Json,
  env: NodeJS.ProcessEnv,
  path: Array<string | number>,
  problems: Array<Omit<ConfigProblem, 'file'>>,
): Json => {
  if (typeof value === 'string') {
    return value.replace(ENV_REFERENCE, (_match, name: string) => {
      const replacement = env[name]
      if (replacement === undefined || replacement === '') {
        problems.push({ path: keyPath(path), message: `environment variable ${name} is not set` })
        return ''
      }
      return replacement
    })
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, env, [...path, index], problems))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, env, [...path, key], problems)]),
    )
  }
  return value
}

export const levenshtein = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0] ?? 0
    row[0] = i
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j] ?? 0
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length] ?? 0
}

/** Known keys at a path of the schema, to suggest a fix for a typo. */
const knownKeysAt = (path: ReadonlyArray<PropertyKey>): string[] => {
  let schema: unknown = configSchema
  for (const part of path) {
    schema = unwrap(schema)
    if (typeof part === 'number') {
      schema = isZodArray(schema) ? schema.element : undefined
    } else {
      schema = isZodObject(schema) ? schema.shape[String(part)] : undefined
    }
  }
  schema = unwrap(schema)
  return isZodObject(schema) ? Object.keys(schema.shape) : []
}

/** Through defaults, optionals and transforms to the schema that holds the keys. */
const unwrap = (schema: unknown): unknown => {
  let current = schema
  for (let depth = 0; depth < 10; depth += 1) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable
    ) {
      current = current.unwrap()
    } else if (current instanceof z.ZodPipe) {
      current = current.in
    } else {
      return current
    }
  }
  return current
}
const isZodObject = (schema: unknown): schema is z.ZodObject => schema instanceof z.ZodObject
const isZodArray = (schema: unknown): schema is z.ZodArray<z.ZodType> => schema instanceof z.ZodArray

type ZodIssue = z.core.$ZodIssue

/** What `typeof` (and the distinctions zod's wording makes) calls a value. */
const receivedOf = (value: unknown): string => {
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isNaN(value) ? 'nan' : Number.isInteger(value) ? 'number' : 'float'
  return typeof value
}

const SIZE_NOUN: Record<string, [string, string]> = {
  string: ['String must contain', 'character(s)'],
  array: ['Array must contain', 'element(s)'],
  set: ['Set must contain', 'element(s)'],
}

/**
 * The texts users have always read (the wording of zod 3, which this file was written against): a schema's own
 * message wins over these.
 */
export const configErrorMessage = (issue: z.core.$ZodRawIssue): string | undefined => {
  switch (issue.code) {
    case 'invalid_type': {
      const received = receivedOf(issue.input)
      if (received === 'undefined') return 'Required'
      if (issue.expected === 'int') return `Expected integer, received ${received}`
      return `Expected ${issue.expected}, received ${received}`
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small'
      const bound = small ? issue.minimum : issue.maximum
      const noun = SIZE_NOUN[issue.origin]
      if (noun) {
        const [head, unit] = noun
        if (issue.exact) return `${head} exactly ${String(bound)} ${unit}`
        return `${head} ${small ? 'at least' : 'at most'} ${String(bound)} ${unit}`
      }
      const inclusive = issue.inclusive !== false
      const relation = small
        ? inclusive
          ? 'greater than or equal to'
          : 'greater than'
        : inclusive
          ? 'less than or equal to'
          : 'less than'
      return `Number must be ${relation} ${String(bound)}`
    }
    case 'invalid_format':
      return issue.format === 'regex' ? 'Invalid' : `Invalid ${issue.format}`
    case 'invalid_union':
      return 'Invalid input'
    case 'invalid_value':
      return issue.values.length > 1
        ? `must be one of ${issue.values.map((option) => JSON.stringify(option)).join(', ')} (got ${JSON.stringify(issue.input)})`
        : `Invalid literal value, expected ${JSON.stringify(issue.values[0])}`
    case 'not_multiple_of':
      return `Number must be a multiple of ${String(issue.divisor)}`
    case 'custom':
    case 'invalid_element':
    case 'invalid_key':
    case 'unrecognized_keys':
      // A refinement names its own message; unknown keys are worded by issueToProblems.
      return undefined
  }
}

const issueToProblems = (issue: ZodIssue): Array<Omit<ConfigProblem, 'file'>> => {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path)
    return issue.keys.map((key) => {
      const suggestion = known
        .map((candidate) => ({ candidate, distance: levenshtein(key.toLowerCase(), candidate.toLowerCase()) }))
        .filter(({ distance }) => distance <= Math.max(2, Math.floor(key.length / 3)))
        .sort((a, b) => a.distance - b.distance)[0]
      const hint = suggestion
        ? ` (did you mean "${suggestion.candidate}"?)`
        : known.length
          ? ` (known keys: ${known.join(', ')})`
          : ''
      return { path: keyPath([...issue.path, key]), message: `unknown key${hint}` }
    })
  }
  return [{ path: keyPath(issue.path), message: issue.message }]
}

const readConfigFile = (file: string, displayName: string, problems: ConfigProblem[]): Json => {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    problems.push({ file: displayName, path: '', message: `cannot read the file: ${(error as Error).message}` })
    return null
  }
  if (extname(file).toLowerCase() === '.json') {
    try {
      return JSON.parse(text) as Json
    } catch (error) {
      problems.push({ file: displayName, path: '', message: `invalid JSON: ${(error as Error).message}` })
      return null
    }
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const position = error.linePos?.[0]
      problems.push({
        file: position ? `${displayName}:${position.line}:${position.col}` : displayName,
        path: '',
        message: `invalid YAML: ${(error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '')}`,
      })
    }
    return null
  }
  try {
    return document.toJSON() as Json
  } catch (error) {
    // e.g. an alias whose anchor does not exist: the document parses but cannot be turned into data.
    problems.push({ file: displayName, path: '', message: `invalid YAML: ${(error as Error).message}` })
    return null
  }
}

const setIn = (target: Record<string, Json>, section: string, key: string, value: Json): void => {
  const current = target[section]
  const object = current !== null && typeof current === 'object' && !Array.isArray(current) ? current : {}
  object[key] = value
  target[section] = object
}

/**
 * Loads configuration with precedence flag > env > file > defaults. Never throws for a missing
 * default file: every command runs on defaults plus the environment and says which file it would read.
 */
export const loadConfig = (options: LoadOptions = {}): LoadedConfig => {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const explicit = options.configPath ?? env[ENV.config]
  const expectedFile = resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE)
  const displayName = explicit ?? basename(expectedFile)
  const problems: ConfigProblem[] = []
  const sources: LoadedConfig['sources'] = {}

  let raw: Json = {}
  let file: string | null = null
  if (existsSync(expectedFile)) {
    file = expectedFile
    raw = readConfigFile(expectedFile, displayName, problems) ?? {}
  } else if (explicit !== undefined) {
    throw new ConfigError([
      { file: displayName, path: '', message: 'file not found (check --config or AIRCALL_INTERCOM_CONFIG)' },
    ])
  }
  if (problems.length > 0) throw new ConfigError(problems)
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    if (raw !== null && raw !== undefined) {
      throw new ConfigError([
        { file: displayName, path: '', message: 'must be a mapping of sections (aircall:, intercom:, …)' },
      ])
    }
    raw = {}
  }

  const fileProblems: Array<Omit<ConfigProblem, 'file'>> = []
  for (const [section, key] of SECRET_PATHS) {
    const sectionValue = raw[section]
    if (sectionValue === null || typeof sectionValue !== 'object' || Array.isArray(sectionValue)) continue
    const value = sectionValue[key]
    if (value === undefined || value === null) continue
    if (typeof value !== 'string' || !WHOLE_ENV_REFERENCE.test(value.trim())) {
      fileProblems.push({
        path: `${section}.${key}`,
        message: `secrets may not be written in the file; write \${${SECRET_ENV[`${section}.${key}`] ?? 'ENV_NAME'}} and set that variable in the environment`,
      })
    }
  }
  const storeSection = raw.store
  const writtenUrl =
    storeSection !== null && typeof storeSection === 'object' && !Array.isArray(storeSection)
      ? storeSection.url
      : undefined
  if (typeof writtenUrl === 'string' && !WHOLE_ENV_REFERENCE.test(writtenUrl.trim()) && urlPassword(writtenUrl)) {
    fileProblems.push({
      path: 'store.url',
      message:
        'the database password may not be written in the file; leave it to PGPASSWORD or ~/.pgpass, or write ' +
        'store.url as ${AIRCALL_INTERCOM_STATE_URL} and set that variable',
    })
  }
  const interpolated = interpolate(raw, env, [], fileProblems) as Record<string, Json>
  for (const section of Object.keys(interpolated)) {
    const value = interpolated[section]
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const key of Object.keys(value)) sources[`${section}.${key}`] = 'file'
    }
  }

  const overrides = findEnvOverrides(interpolated, env, displayName)
  // Key path → the variable whose value replaced (or supplied) it.
  const fromEnv = new Map<string, string>()
  for (const [name, section, key] of ENV_OVERLAY) {
    const value = env[name]
    if (value !== undefined && value !== '') {
      setIn(interpolated, section, key, value)
      sources[`${section}.${key}`] = 'env'
      fromEnv.set(`${section}.${key}`, name)
    }
  }
  /** The variable a file value names (`${NAME}`), if it is a reference. */
  const referenceAt = (path: ReadonlyArray<string>): string | undefined => {
    const written = valueAt(raw, path)
    return typeof written === 'string' ? FIRST_ENV_REFERENCE.exec(written)?.[1] : undefined
  }

  const parsed = configSchema.safeParse(interpolated, { error: configErrorMessage })
  const schemaProblems = parsed.success
    ? []
    : parsed.error.issues.flatMap((issue) => {
        const path = issue.path.map(String)
        const variable = fromEnv.get(keyPath(issue.path))
        const reference = variable ? undefined : referenceAt(path)
        return issueToProblems(issue).map((problem) =>
          variable
            ? { ...problem, variable }
            : reference
              ? { ...problem, message: `${problem.message} (from \${${reference}})` }
              : problem,
        )
      })
  const allProblems: Array<Omit<ConfigProblem, 'file'>> = [...fileProblems, ...schemaProblems]
  if (allProblems.length > 0 || !parsed.success) {
    // A value the environment supplied is the variable's problem: the file may not even exist.
    throw new ConfigError(
      allProblems.map((problem) => ({ ...problem, file: problem.variable ? 'environment' : displayName })),
    )
  }
  const config = parsed.data
  // Template files are read and parsed here, once: every consumer of `config` then holds Liquid source.
  const templates = resolveTemplateSettings(config, dirname(expectedFile))
  if (templates.problems.length > 0) {
    throw new ConfigError(templates.problems.map((problem) => ({ ...problem, file: displayName })))
  }

  const origins: Record<string, ValueOrigin> = {}
  for (const path of leafPaths(config)) {
    const key = keyPath(path)
    const variable = fromEnv.get(key)
    // A file key written as `${NAME}` for the very variable the overlay reads is the file's: it says where to look.
    if (variable && referenceAt(path) !== variable) {
      origins[key] = { kind: 'env', variable }
    } else if (file !== null && valueAt(interpolated, path) !== undefined) {
      const reference = referenceAt(path)
      origins[key] = { kind: 'file', file: displayName, path: key, ...(reference ? { variable: reference } : {}) }
    } else {
      origins[key] = { kind: 'default' }
    }
  }

  const state = stateLocation(options.statePath, env, config, cwd, expectedFile)
  if (state.from) {
    sources['store.path'] = state.from.kind === 'flag' ? 'flag' : 'env'
    origins['store.path'] = state.from
  } else if (!config.store.path && !config.store.url) {
    origins['store.path'] = { kind: 'default' }
  }
  const statePath = shownLocation(state.location)
  const secrets = HIDDEN_PATHS.map(([section, key]) => (config[section] as Record<string, unknown>)[key]).filter(
    (value): value is string => typeof value === 'string' && value.length > 0,
  )
  const databasePassword = state.location.kind === 'postgres' ? urlPassword(state.location.url) : undefined
  if (databasePassword) secrets.push(databasePassword)

  return {
    config,
    file,
    expectedFile,
    statePath,
    state: state.location,
    secrets,
    sources,
    origins,
    overrides,
    templateFiles: templates.files,
  }
}

/**
 * Where the state lives, by precedence --state > AIRCALL_INTERCOM_STATE > store.url / store.path > the default
 * file beside the config. The flag and the variable take a file path or a postgres:// URL; a URL is checked here,
 * so a malformed one fails before any command starts, naming where it came from with its password hidden.
 */
function stateLocation(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  config: AppConfig,
  cwd: string,
  expectedFile: string,
): { location: StateLocation; from?: ValueOrigin } {
  const options = {
    ...(config.store.schema !== undefined ? { schema: config.store.schema } : {}),
    ...(config.store.poolSize !== undefined ? { poolSize: config.store.poolSize } : {}),
  }
  const given = (value: string, from: ValueOrigin): { location: StateLocation; from: ValueOrigin } => ({
    location: isPostgresUrl(value)
      ? postgresLocation(value, options)
      : { kind: 'sqlite', path: resolve(cwd, refuseOtherUrl(value, from)) },
    from,
  })
  if (flag !== undefined) return given(flag, { kind: 'flag', flag: '--state' })
  const fromEnv = env[ENV.state]
  if (fromEnv) return given(fromEnv, { kind: 'env', variable: ENV.state })
  if (config.store.url) return { location: postgresLocation(config.store.url, options) }
  if (config.store.path) {
    if (isPostgresUrl(config.store.path)) {
      throw new UserError(
        `store.path ${redactUrl(config.store.path)} is a database URL`,
        'a PostgreSQL store goes in store.url; store.path names an SQLite file',
      )
    }
    return { location: { kind: 'sqlite', path: resolve(dirname(expectedFile), config.store.path) } }
  }
  return { location: { kind: 'sqlite', path: join(dirname(expectedFile), DEFAULT_STATE_FILE) } }
}

/** A URL of another scheme would become a file called `mysql:` in the working directory. */
function refuseOtherUrl(value: string, from: ValueOrigin): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value
  const where = from.kind === 'flag' ? from.flag : from.kind === 'env' ? from.variable : 'store.path'
  throw new UserError(
    `${where} ${redactUrl(value)} is a URL the state store cannot use`,
    `give ${where} an SQLite file path or a postgres://user@host:5432/database URL`,
  )
}

/** The password a URL carries (decoded), so the redactor hides it wherever it might be echoed. */
function urlPassword(url: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(url).password)
    return password.length > 0 ? password : undefined
  } catch {
    return undefined
  }
}

/** Where `loaded` keeps its state; a hand-built config without a location keeps it in its `statePath` file. */
export const stateLocationOf = (loaded: Pick<LoadedConfig, 'state' | 'statePath'>): StateLocation =>
  loaded.state ?? { kind: 'sqlite', path: loaded.statePath }

/** Intercom's base URL: an explicit override wins over the region's host. */
export const intercomBaseUrl = (config: AppConfig): string => {
  if (config.intercom.apiUrl) return config.intercom.apiUrl.replace(/\/+$/, '')
  switch (config.intercom.region) {
    case 'us':
      return 'https://api.intercom.io'
    case 'eu':
      return 'https://api.eu.intercom.io'
    case 'au':
      return 'https://api.au.intercom.io'
  }
}
