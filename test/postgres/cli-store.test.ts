/**
 * The built CLI on a PostgreSQL store, as a user on several machines runs it: `status`, `events` and `doctor`
 * against the URL, `sync` from two hosts at once (one runs, the other says why not; a killed holder frees the lock
 * at once), two backfills from two hosts on one database, a dry run that leaves the database as it was. The
 * password is never printed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import { openPostgresStore } from '../../src/store/postgres/index.js'
import { postgresStoreExists } from '../../src/store/postgres/open.js'
import { freshDatabase, postgresServer } from '../helpers/postgres.js'
import { CLI, runCli, type CliResult } from '../helpers/run-cli.js'
import { loggedPerCall } from '../helpers/world-process.js'
import { sandboxEnv } from '../e2e/sandbox-env.js'

/** A working directory of its own, as on another machine: only the database is shared. */
const host = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'aircall-intercom-host-'))
  writeFileSync(join(dir, 'aircall-intercom.yml'), JSON.stringify({ matching: { defaultCountry: 'FR' } }))
  return dir
}

const expectNoPassword = (...results: CliResult[]): void => {
  const { password } = postgresServer()
  for (const result of results) expect(result.stdout + result.stderr).not.toContain(password)
}

describe('the CLI on a PostgreSQL store', () => {
  let sandbox: SandboxHandle
  beforeAll(async () => {
    const intercom = { rateLimitPerMinute: 0, contract: 'off' as const, formattedPhoneDefaultCountry: 'FR' }
    sandbox = await startSandbox({ calls: 300, days: 10, seed: 7, aircall: { rateLimitPerMinute: 0 }, intercom })
  })
  afterAll(async () => {
    await sandbox.close()
  })
  const envFor = (url: string): Record<string, string> =>
    sandboxEnv(sandbox, { INTERCOM_ADMIN_ID: sandbox.intercom.adminId, AIRCALL_INTERCOM_STATE: url })

  test('status and events read an empty database without creating the store; doctor checks it', async () => {
    const database = await freshDatabase('cli_status')
    const env = envFor(database.passwordUrl)
    const shown = database.passwordUrl.replace(`:${postgresServer().password}@`, '@')

    const status = await runCli(['status'], { cwd: host(), env })
    expect(status.code).toBe(0)
    expect(status.stdout).toContain(`No state store yet at ${shown}`)
    const events = await runCli(['events', 'list', '--json'], { cwd: host(), env })
    expect(events.code).toBe(0)
    expect((JSON.parse(events.stdout) as { result: { events: unknown[] } }).result.events).toEqual([])
    expect(await postgresStoreExists(database.url)).toBe(false)

    const doctor = await runCli(['doctor', '--json'], { cwd: host(), env })
    const checks = (
      JSON.parse(doctor.stdout) as { result: { checks: Array<{ title: string; status: string; detail: string }> } }
    ).result.checks
    expect(checks.find((check) => check.title === 'state store')).toMatchObject({ status: 'pass' })
    expect(checks.find((check) => check.title === 'store schema')?.detail).toMatch(
      /^version \d+ of \d+, every table in place$/,
    )
    expect(checks.find((check) => check.title === 'clock skew')).toMatchObject({ status: 'pass' })
    expect(await postgresStoreExists(database.url)).toBe(true)
    expectNoPassword(status, events, doctor)
  })

  test('a wrong password and a refused connection are named, the password hidden', async () => {
    const database = await freshDatabase('cli_bad')
    const wrong = database.passwordUrl.replace(`:${postgresServer().password}@`, ':not-the-password@')
    const denied = await runCli(['status'], { cwd: host(), env: envFor(wrong) })
    expect(denied.code).toBe(1)
    expect(denied.stderr).toMatch(/password/i)
    expect(denied.stderr).not.toContain('not-the-password')
    const refused = await runCli(['sync'], { cwd: host(), env: envFor('postgres://aircall:hunter2@127.0.0.1:1/none') })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('postgres://aircall@127.0.0.1:1/none')
    expect(refused.stderr).not.toContain('hunter2')
  })

  test('sync started on two hosts at once: one runs, the other says why not; a killed holder frees it at once', async () => {
    const database = await freshDatabase('cli_sync')
    const env = envFor(database.passwordUrl)
    // The first listing of calls answers slowly, so the run that gets there first is still running when the
    // other one starts.
    sandbox.aircallEmulator.setFaults([{ match: 'GET /v1/calls', kind: 'latency', latencyMs: 3_000, nth: [1] }])
    const [a, b] = await Promise.all([
      runCli(['sync', '--json'], { cwd: host(), env }),
      runCli(['sync', '--json'], { cwd: host(), env }),
    ])
    sandbox.aircallEmulator.setFaults([])
    const codes = [a.code, b.code].sort()
    expect(codes).toEqual([0, 1])
    const loser = a.code === 1 ? a : b
    const error = (JSON.parse(loser.stdout) as { error: { message: string; hint: string } }).error
    expect(error.message).toMatch(/^another sync is running \(pid \d+ on .+, started /)
    expect(error.hint).toContain('freed the moment that run ends or its process dies')
    expectNoPassword(a, b)

    // A holder SIGKILLed on one host: the next run on another host starts at once, not after the lock's TTL.
    sandbox.aircallEmulator.setFaults([{ match: 'GET /v1/calls', kind: 'latency', latencyMs: 30_000, nth: [1] }])
    const holder = spawn(process.execPath, [CLI, 'sync', '--lookback', '1d'], {
      cwd: host(),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: 'ignore',
    })
    const store = await openPostgresStore(database.passwordUrl)
    try {
      const deadline = Date.now() + 20_000
      while ((await store.locks.get('sync')) === null && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(await store.locks.get('sync')).not.toBeNull()
    } finally {
      await store.close()
    }
    holder.kill('SIGKILL')
    await new Promise((resolve) => holder.once('close', resolve))
    sandbox.aircallEmulator.setFaults([])
    const next = await runCli(['sync', '--lookback', '1d', '--json'], { cwd: host(), env })
    expect(next.code).toBe(0)
    const status = await runCli(['status'], { cwd: host(), env })
    expect(status.stdout).toContain('Last sync:')
  }, 90_000)

  test('two backfills on two hosts on one database log every call once; a dry run leaves the database as it was', async () => {
    const database = await freshDatabase('cli_backfill')
    const env = envFor(database.passwordUrl)
    const dry = await runCli(['backfill', '--since', '10d', '--dry-run', '--json'], { cwd: host(), env })
    expect(dry.code, dry.stdout + dry.stderr).toBe(0)
    const plan = JSON.parse(dry.stdout) as { result: { counts: { read: number } } }
    expect(plan.result.counts.read).toBeGreaterThan(0)
    const store = await openPostgresStore(database.passwordUrl)
    try {
      expect((await store.counts()).ledger).toEqual({ pending: 0, done: 0, failed: 0 })

      const before = await loggedPerCall(sandbox.intercom.url)
      const [first, second] = await Promise.all([
        runCli(['backfill', '--since', '10d', '--json'], { cwd: host(), env }),
        runCli(['backfill', '--since', '10d', '--json'], { cwd: host(), env }),
      ])
      expect([first.code, second.code], first.stdout + first.stderr).toEqual([0, 0])
      expectNoPassword(first, second, dry)
      const after = await loggedPerCall(sandbox.intercom.url)
      const added = [...after.notes].filter(([callId, notes]) => notes !== (before.notes.get(callId) ?? 0))
      expect(added.length).toBeGreaterThan(0)
      // Whatever the two hosts split between them, no call got a second note from this store.
      for (const [callId, notes] of added) expect(notes - (before.notes.get(callId) ?? 0)).toBe(1)
      expect((await store.counts()).ledger.pending).toBe(0)
    } finally {
      await store.close()
    }
  }, 120_000)
})
