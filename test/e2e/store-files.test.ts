import { spawn } from 'node:child_process'
import { chmodSync, closeSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { openStateStore } from '../../src/store/sqlite/index.js'
import { CLI, runCli, type CliResult } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { startHarness, type Harness } from '../listener/harness.js'

const tempDir = useTempDir()
let harness: Harness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

/** A store with enough rows to span many pages, then one page in the middle overwritten with garbage. */
const damagedStore = (path: string): void => {
  const store = openStateStore(path)
  for (let i = 0; i < 3000; i++) {
    store.queue.enqueue({
      source: 'aircall',
      identity: `e${i}`,
      type: 'call.ended',
      subject: null,
      payload: 'x'.repeat(200),
      receivedAt: Date.now(),
    })
  }
  store.close()
  const fd = openSync(path, 'r+')
  writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096 * 20)
  closeSync(fd)
}

/** A store with one queued event, closed, at `dir/state.sqlite`. */
const storeWithEvent = (dir: string): string => {
  const path = join(dir, 'state.sqlite')
  const store = openStateStore(path)
  store.queue.enqueue({
    source: 'aircall',
    identity: 'a',
    type: 'call.ended',
    subject: null,
    payload: '{}',
    receivedAt: 1,
  })
  store.close()
  return path
}

interface ErrorDocument {
  error: { code: string; message: string; hint: string }
}
const errorOf = (run: CliResult): ErrorDocument['error'] => (JSON.parse(run.stdout) as ErrorDocument).error

/** What a file looks like from outside: any change to its bytes or mode by a failing command shows here. */
const snapshot = (path: string): { mode: number; bytes: string } => ({
  mode: statSync(path).mode & 0o777,
  bytes: readFileSync(path).toString('base64'),
})

const READ = ['status', '--json']
const WRITE = ['events', 'purge', '--status', 'done', '--yes', '--json']

/** runCli as another user: only root can, which is how CI runs, so the "another user's file" case is real. */
const runCliAs = (uid: number, args: string[], options: { cwd: string; env: Record<string, string> }) =>
  new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      uid,
      gid: uid,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })

describe('state store files (built CLI)', () => {
  test('listen refuses a store with damaged pages, naming the file and what to do, and never says listening', async () => {
    harness = await startHarness(tempDir())
    damagedStore(harness.statePath)
    const run = await runCli(['listen', '--port', '0', '--json'], { env: harness.env })
    expect(run.code).toBe(1)
    const error = errorOf(run)
    expect(error.code).toBe('store_error')
    expect(error.message).toContain(`${harness.statePath} is damaged (`)
    expect(error.hint).toContain('restore it from a backup, or move it aside to start over')
    expect(error.hint).toContain('a backfill would then re-check Intercom')
    expect(run.stderr).not.toContain('listening on')
  })

  test('status and events list read a read-only store without changing its mode', async () => {
    const dir = tempDir()
    const path = storeWithEvent(dir)
    chmodSync(path, 0o444)
    const env = { AIRCALL_INTERCOM_STATE: path }
    const status = await runCli(['status', '--json'], { env, cwd: dir })
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout).result.counts.events.queued).toBe(1)
    const listed = await runCli(['events', 'list', '--json'], { env, cwd: dir })
    expect(listed.code).toBe(0)
    expect(JSON.parse(listed.stdout).result.events).toHaveLength(1)
    expect(statSync(path).mode & 0o777).toBe(0o444)
  })

  // A new store is made 0600 (test/store/sqlite-store.test.ts); one the operator set up keeps the mode it was given.
  test('a writing command leaves the mode of an existing store alone', async () => {
    const dir = tempDir()
    const existing = storeWithEvent(dir)
    chmodSync(existing, 0o640)
    const purged = await runCli(WRITE, { env: { AIRCALL_INTERCOM_STATE: existing }, cwd: dir })
    expect(purged.code).toBe(0)
    expect(statSync(existing).mode & 0o777).toBe(0o640)
  })

  test('a writing command refuses a read-only store, saying how to make it writable, and leaves it as it was', async () => {
    const dir = tempDir()
    const path = storeWithEvent(dir)
    chmodSync(path, 0o444)
    const before = snapshot(path)
    const run = await runCli(WRITE, { env: { AIRCALL_INTERCOM_STATE: path }, cwd: dir })
    expect(run.code).toBe(1)
    const error = errorOf(run)
    expect(error.code).toBe('store_error')
    expect(error.message).toBe(`state file ${path} is read-only (mode 0444) and this command writes to it`)
    expect(error.hint).toBe(`make it writable (chmod u+w ${path}) or use --state to choose another file`)
    expect(snapshot(path)).toEqual(before)
  })

  test.each([
    ['status', READ],
    ['events purge', WRITE],
  ])('%s names a file that is not an SQLite database as such, and leaves it as it was', async (_name, args) => {
    const dir = tempDir()
    const path = join(dir, 'state.sqlite')
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(200))
    chmodSync(path, 0o644)
    const before = snapshot(path)
    const run = await runCli(args, { env: { AIRCALL_INTERCOM_STATE: path }, cwd: dir })
    expect(run.code).toBe(1)
    const error = errorOf(run)
    expect(error.code).toBe('store_error')
    expect(error.message).toBe(`${path} is not an aircall-intercom state file (not an SQLite database)`)
    expect(error.hint).toBe('move it away or point --state at the right file')
    expect(snapshot(path)).toEqual(before)
  })

  test.each([
    ['status', READ],
    ['events purge', WRITE],
  ])('%s names a store whose schema page is damaged, says what to do, and leaves it as it was', async (_n, args) => {
    const dir = tempDir()
    const path = storeWithEvent(dir)
    // Page 1 past the 100-byte file header holds the schema: SQLite cannot read any table without it.
    const fd = openSync(path, 'r+')
    writeSync(fd, Buffer.alloc(4096 - 100, 0x5a), 0, 4096 - 100, 100)
    closeSync(fd)
    const before = snapshot(path)
    const run = await runCli(args, { env: { AIRCALL_INTERCOM_STATE: path }, cwd: dir })
    expect(run.code).toBe(1)
    const error = errorOf(run)
    expect(error.code).toBe('store_error')
    expect(error.message).toMatch(new RegExp(`^${path.replaceAll('.', '\\.')} is damaged \\(.*malformed.*\\)$`))
    expect(error.hint).toBe(
      'restore it from a backup, or move it aside to start over ' +
        '(the ledger is lost: a backfill would then re-check Intercom)',
    )
    expect(snapshot(path)).toEqual(before)
  })

  // Root reads and writes any file, so as root (CI) the file stays root's and the CLI runs as nobody (65534);
  // anyone else cannot make a file another user owns, so it is their own file with no permissions at all.
  const asRoot = process.getuid?.() === 0
  test.each([
    ['status', READ],
    ['events purge', WRITE],
  ])('%s names a store it may not open, with its owner and what to do, and leaves it as it was', async (_n, args) => {
    const dir = tempDir()
    const path = storeWithEvent(dir)
    const env = { AIRCALL_INTERCOM_STATE: path }
    let run: CliResult
    if (asRoot) {
      chmodSync(dir, 0o755)
      chmodSync(path, 0o600)
      const before = snapshot(path)
      run = await runCliAs(65534, args, { cwd: dir, env })
      expect(snapshot(path)).toEqual(before)
    } else {
      chmodSync(path, 0o000)
      run = await runCli(args, { env, cwd: dir })
      chmodSync(path, 0o600)
    }
    expect(run.code).toBe(1)
    const error = errorOf(run)
    expect(error.code).toBe('store_error')
    const owner = statSync(path).uid
    if (asRoot) {
      expect(error.message).toBe(`cannot open state file ${path}: permission denied (owned by uid ${owner})`)
      expect(error.hint).toBe('run as that user or choose another --state')
    } else {
      expect(error.message).toBe(`cannot open state file ${path}: permission denied (mode 0000)`)
      expect(error.hint).toBe(`make it readable and writable (chmod u+rw ${path}) or choose another --state`)
    }
  })

  test('a state URL the store cannot use, or a database that refuses, is named with its password hidden, and no file is made of it', async () => {
    const dir = tempDir()
    const cases: Array<{ args: string[]; env: Record<string, string>; code: number; message: string }> = [
      {
        args: ['status', '--json', '--state', 'mysql://aircall:s3cret-pass@127.0.0.1:3306/aircall'],
        env: {},
        code: 2,
        message: '--state mysql://aircall@127.0.0.1:3306/aircall is a URL the state store cannot use',
      },
      {
        args: ['events', 'list', '--json'],
        env: { AIRCALL_INTERCOM_STATE: 'postgres://aircall:s3cret-pass@127.0.0.1:5432/aircall?schema=Not-Valid' },
        code: 2,
        message: 'the state URL postgres://aircall@127.0.0.1:5432/aircall?schema=Not-Valid is not valid',
      },
      {
        // Port 1 is served by nothing here: the connection is refused.
        args: ['status', '--json'],
        env: { AIRCALL_INTERCOM_STATE: 'postgres://aircall:s3cret-pass@127.0.0.1:1/aircall' },
        code: 1,
        message: 'postgres://aircall@127.0.0.1:1/aircall',
      },
    ]
    for (const { args, env, code, message } of cases) {
      const run = await runCli(args, { env, cwd: dir })
      expect(run.code).toBe(code)
      const error = (JSON.parse(run.stdout) as { error: { message: string; hint: string } }).error
      expect(error.message).toContain(message)
      expect(`${run.stdout}${run.stderr}`).not.toContain('s3cret-pass')
    }
    expect(readdirSync(dir)).toEqual([])
  })
})
