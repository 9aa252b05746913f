/**
 * `state migrate` through the built CLI, as an operator moves a store: an SQLite file into PostgreSQL and back,
 * refused while a listener holds the file, or when the target already holds state (unless --force), the password
 * never printed, and `status` on the URL afterwards showing what the file held.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { openPostgresStore } from '../../src/store/postgres/index.js'
import { openStateStore } from '../../src/store/sqlite/index.js'
import { freshDatabase, postgresServer } from '../helpers/postgres.js'
import { CLI, runCli, type CliResult } from '../helpers/run-cli.js'

const NOW = Date.now()

const host = (): string => mkdtempSync(join(tmpdir(), 'aircall-intercom-migrate-'))

/** A state file with a row in every table the migration copies, and the lock a listener would hold if told to. */
const stateFile = (dir: string, options: { listening?: boolean; locks?: Array<[string, string]> } = {}): string => {
  const path = join(dir, 'aircall-intercom.sqlite')
  const store = openStateStore(path)
  store.transaction(() => {
    store.ledger.begin('call:1:conversation', { contact: 'Zoë 📞' })
    store.ledger.complete('call:1:conversation', 'conv-1')
    store.checkpoints.set('sync:aircall', { through: 1_700_000_000 })
    store.callStates.advance('c-1', { stage: 2, event: 'call.ended', timestamp: 1_700_000_000 })
    const [a, b] = store.queue.enqueueAll(
      ['a', 'b', 'c'].map((identity) => ({
        source: 'aircall' as const,
        identity,
        type: 'call.ended',
        subject: null,
        payload: '{"ü":1}',
        receivedAt: NOW,
      })),
    )
    store.queue.claim(2, NOW, 60_000)
    store.queue.deadLetter(a!.id, 'permanent')
    store.queue.complete([b!.id])
    store.contacts.upsert([
      {
        contactId: 'ct-1',
        role: 'user',
        name: 'Zoë',
        email: 'zoe@example.com',
        phoneRaw: '+33 1 23 45 67 89',
        phoneE164: '+33123456789',
        createdAt: NOW,
        updatedAt: NOW,
        lastSeenAt: null,
        origin: 'refresh',
        indexedAt: NOW,
      },
    ])
    store.marks.set('missed-call:+33123456789', NOW)
    store.marks.recordFingerprint('echo:1', NOW + 60_000)
    // The form the listener's worker lock takes (src/listener/lock.ts), held by a process that is alive: this one.
    if (options.listening)
      store.locks.acquire('listener:worker', `${hostname()}:${process.pid}:abcd1234`, NOW, 3_600_000)
    for (const [name, owner] of options.locks ?? []) store.locks.acquire(name, owner, NOW, 3_600_000)
  })
  store.close()
  return path
}

interface Envelope {
  ok: boolean
  exitCode: number
  result?: {
    from: { backend: string; location: string }
    to: { backend: string; location: string }
    tables: Array<{ table: string; rows: number }>
    total: number
    replaced: Record<string, number> | null
    events: { maxId: number | null; nextId: number }
  }
  error?: { code: string; message: string; hint?: string }
}

const json = (result: CliResult): Envelope => JSON.parse(result.stdout) as Envelope

describe('state migrate (the built CLI, a real server)', () => {
  let urls: { url: string; passwordUrl: string }
  let password = ''
  let schemas = 0
  /** A new schema of the test database: with the password, and as it is shown. */
  const target = (): { url: string; shown: string; schema: string } => {
    schemas += 1
    const schema = `migrated_${schemas}`
    const url = `${urls.passwordUrl}?schema=${schema}`
    return { url, shown: url.replace(`:${password}@`, '@'), schema }
  }
  const noPassword = (...results: CliResult[]): void => {
    for (const result of results) expect(result.stdout + result.stderr).not.toContain(password)
  }
  const counts = async (url: string, schema: string) => {
    const store = await openPostgresStore(url, { schema })
    try {
      return {
        counts: await store.counts(),
        events: await store.queue.list(),
        contact: await store.contacts.get('ct-1'),
      }
    } finally {
      await store.close()
    }
  }

  beforeAll(async () => {
    urls = await freshDatabase('state_migrate')
    password = postgresServer().password
  })

  test('copies an SQLite file into PostgreSQL, reports every table, and status on the URL shows it', async () => {
    const dir = host()
    const file = stateFile(dir)
    const to = target()
    const run = await runCli(['state', 'migrate', '--state', file, '--to', to.url], { cwd: dir })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain(`from SQLite ${file}`)
    expect(run.stdout).toContain(`to PostgreSQL ${to.shown}`)
    expect(run.stdout).toMatch(/events\s*│\s*3/)
    expect(run.stdout).toContain('the next event gets id 4')
    noPassword(run)

    const stored = await counts(urls.passwordUrl, to.schema)
    expect(stored.counts).toMatchObject({
      ledger: { done: 1, pending: 0, failed: 0 },
      events: { queued: 1, done: 1, dead: 1, processing: 0 },
      contacts: 1,
      checkpoints: 1,
      callStates: 1,
      fingerprints: 1,
    })
    expect(stored.contact).toMatchObject({ name: 'Zoë', phoneE164: '+33123456789' })

    const status = await runCli(['status', '--json', '--state', to.url], { cwd: dir })
    expect(status.code, status.stderr).toBe(0)
    const shown = JSON.parse(status.stdout) as { result: { statePath: string; exists: boolean; counts: unknown } }
    expect(shown.result).toMatchObject({ statePath: to.shown, exists: true, counts: stored.counts })
    noPassword(status)

    // New events continue above the copied ids.
    const store = await openPostgresStore(urls.passwordUrl, { schema: to.schema })
    try {
      const enqueued = await store.queue.enqueue({
        source: 'aircall',
        identity: 'after',
        type: 'call.ended',
        subject: null,
        payload: '{}',
        receivedAt: NOW,
      })
      expect(enqueued).toEqual({ id: 4, duplicate: false })
    } finally {
      await store.close()
    }
  })

  test('--json: the usual envelope; a second run is refused naming what the target holds, --force replaces it', async () => {
    const dir = host()
    const file = stateFile(dir)
    const to = target()
    const first = await runCli(['state', 'migrate', '--json', '--state', file, '--to', to.url], { cwd: dir })
    expect(first.code, first.stderr).toBe(0)
    expect(json(first)).toMatchObject({
      ok: true,
      exitCode: 0,
      result: {
        from: { backend: 'sqlite', location: file },
        to: { backend: 'postgres', location: to.shown },
        total: 10,
        replaced: null,
        events: { maxId: 3, nextId: 4 },
      },
    })
    expect(json(first).result?.tables.map((t) => t.table)).toEqual([
      'ledger',
      'checkpoints',
      'call_states',
      'events',
      'contacts',
      'contact_readings',
      'fingerprints',
      'marks',
    ])

    const again = await runCli(['state', 'migrate', '--json', '--state', file, '--to', to.url], { cwd: dir })
    expect(again.code).toBe(1)
    expect(json(again).error).toMatchObject({ code: 'target_not_empty' })
    expect(json(again).error?.message).toContain(`${to.shown} already holds state (ledger 1, checkpoints 1`)
    expect(json(again).error?.hint).toContain('--force')

    const forced = await runCli(['state', 'migrate', '--json', '--force', '--state', file, '--to', to.url], {
      cwd: dir,
    })
    expect(forced.code, forced.stderr).toBe(0)
    expect(json(forced).result?.replaced).toMatchObject({ ledger: 1, events: 3, marks: 1 })
    expect((await counts(urls.passwordUrl, to.schema)).events).toHaveLength(3)
    noPassword(first, again, forced)
  })

  test('refused while a listener holds the file: nothing is copied', async () => {
    const dir = host()
    const file = stateFile(dir, { listening: true })
    const to = target()
    const run = await runCli(['state', 'migrate', '--state', file, '--to', to.url], { cwd: dir })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(
      `a listener (or \`events replay --process\`) is processing ${file} (pid ${process.pid}`,
    )
    expect(run.stderr).toMatch(/Hint: stop it/)
    expect((await counts(urls.passwordUrl, to.schema)).counts.contacts).toBe(0)
    noPassword(run)
  })

  test('a running sync refuses it too; a lock whose process is gone from this host does not, and stays behind', async () => {
    const dir = host()
    const sync = JSON.stringify({ pid: process.pid, host: hostname(), startedAt: NOW })
    const running = await runCli(
      ['state', 'migrate', '--json', '--state', stateFile(dir, { locks: [['sync', sync]] }), '--to', target().url],
      { cwd: dir },
    )
    expect(running.code).toBe(1)
    expect(json(running).error).toMatchObject({ code: 'locked' })
    expect(json(running).error?.message).toContain(`a sync is running on ${join(dir, 'aircall-intercom.sqlite')}`)

    const gone = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', ''])
      child.on('error', reject)
      child.on('exit', () => resolve(child.pid!))
    })
    const other = host()
    const file = stateFile(other, { locks: [['listener:worker', `${hostname()}:${gone}:dead0000`]] })
    const to = target()
    const run = await runCli(['state', 'migrate', '--state', file, '--to', to.url], { cwd: other })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('Not copied: 1 lock(s) of the old store, which no live process holds.')
    noPassword(running, run)
  })

  test('back from PostgreSQL into an SQLite file, which status then reads', async () => {
    const dir = host()
    const file = stateFile(dir)
    const to = target()
    expect((await runCli(['state', 'migrate', '--state', file, '--to', to.url], { cwd: dir })).code).toBe(0)
    const run = await runCli(['state', 'migrate', '--json', '--state', to.url, '--to', 'back.sqlite'], { cwd: dir })
    expect(run.code, run.stderr).toBe(0)
    expect(json(run).result).toMatchObject({
      from: { backend: 'postgres', location: to.shown },
      to: { backend: 'sqlite', location: join(dir, 'back.sqlite') },
      total: 10,
    })
    const original = await runCli(['status', '--json', '--state', file], { cwd: dir })
    const back = await runCli(['status', '--json', '--state', 'back.sqlite'], { cwd: dir })
    expect((JSON.parse(back.stdout) as { result: { counts: unknown } }).result.counts).toEqual(
      (JSON.parse(original.stdout) as { result: { counts: unknown } }).result.counts,
    )
    noPassword(run)
  })

  test('refused while a listen replica works on the PostgreSQL store, as source or as target; allowed once it stopped', async () => {
    const dir = host()
    const file = stateFile(dir)
    const to = target()
    expect((await runCli(['state', 'migrate', '--state', file, '--to', to.url], { cwd: dir })).code).toBe(0)
    const listen = spawn(process.execPath, [CLI, 'listen', '--port', '0', '--json', '--state', to.url], {
      cwd: dir,
      // Credentials for APIs it never calls here: no webhook arrives.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        AIRCALL_WEBHOOK_TOKEN: 'token-1',
        AIRCALL_API_ID: 'id',
        AIRCALL_API_TOKEN: 'token',
        AIRCALL_API_URL: 'http://127.0.0.1:9',
        INTERCOM_ACCESS_TOKEN: 'token',
        INTERCOM_ADMIN_ID: '1',
        INTERCOM_API_URL: 'http://127.0.0.1:9',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    const exited = new Promise<number | null>((resolve) => listen.on('close', resolve))
    try {
      await new Promise<void>((resolve, reject) => {
        let seen = ''
        listen.stderr.on('data', (chunk: Buffer) => {
          seen += chunk.toString()
          if (seen.includes('listening on')) resolve()
        })
        void exited.then(() => reject(new Error(`listen exited before listening: ${seen}`)))
      })
      const back = await runCli(['state', 'migrate', '--json', '--state', to.url, '--to', 'back.sqlite'], { cwd: dir })
      expect(back.code, back.stdout + back.stderr).toBe(1)
      expect(json(back).error?.message).toMatch(
        new RegExp(`^a listener \\(or \`events replay --process\`\\) is processing .* \\(pid ${listen.pid} on `),
      )
      expect(existsSync(join(dir, 'back.sqlite'))).toBe(false)
      const replace = await runCli(['state', 'migrate', '--json', '--force', '--state', file, '--to', to.url], {
        cwd: dir,
      })
      expect(replace.code, replace.stdout + replace.stderr).toBe(1)
      expect(json(replace).error?.message).toContain(`is processing the target ${to.shown}`)
      noPassword(back, replace)
    } finally {
      listen.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    const after = await runCli(['state', 'migrate', '--state', to.url, '--to', 'back.sqlite'], { cwd: dir })
    expect(after.code, after.stdout + after.stderr).toBe(0)
  })

  test('a missing source, the same backend twice, and a wrong password are refused by name', async () => {
    const dir = host()
    const to = target()
    const missing = await runCli(['state', 'migrate', '--json', '--state', 'nothing.sqlite', '--to', to.url], {
      cwd: dir,
    })
    expect(missing.code).toBe(2)
    expect(json(missing).error).toMatchObject({ code: 'state_missing' })
    expect(json(missing).error?.message).toContain(`there is no state store at ${join(dir, 'nothing.sqlite')}`)
    expect(existsSync(join(dir, 'nothing.sqlite'))).toBe(false)

    const file = stateFile(dir)
    const same = await runCli(['state', 'migrate', '--json', '--state', file, '--to', 'other.sqlite'], { cwd: dir })
    expect(same.code).toBe(2)
    expect(json(same).error).toMatchObject({ code: 'same_backend' })

    const wrong = to.url.replace(`:${password}@`, ':wrong-password-123@')
    const denied = await runCli(['state', 'migrate', '--state', file, '--to', wrong], { cwd: dir })
    expect(denied.code).toBe(1)
    expect(denied.stderr).toMatch(/password was refused/)
    expect(denied.stdout + denied.stderr).not.toContain('wrong-password-123')
    noPassword(missing, same, denied)
  })
})
