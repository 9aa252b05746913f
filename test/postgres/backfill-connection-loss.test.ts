/**
 * The database drops every connection of the store while a backfill or a sync runs: the run goes on (what failed
 * is tried again, as after any transient failure), every call ends with one conversation and one note, and a sync
 * whose single-flight lock went with its connection says so.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import { freshDatabase } from '../helpers/postgres.js'
import { startPostgres, withClient } from '../helpers/postgres-server.js'
import { CLI, runCli } from '../helpers/run-cli.js'
import { loggedPerCall } from '../helpers/world-process.js'
import { sandboxEnv } from '../e2e/sandbox-env.js'

const CALLS = 300

describe('a backfill when the database drops its connections', () => {
  let sandbox: SandboxHandle
  beforeAll(async () => {
    const intercom = { rateLimitPerMinute: 0, contract: 'off' as const, formattedPhoneDefaultCountry: 'FR' }
    sandbox = await startSandbox({ calls: CALLS, days: 20, seed: 31, aircall: { rateLimitPerMinute: 0 }, intercom })
  })
  afterAll(async () => {
    await sandbox.close()
  })

  test('terminated three times mid-run: every call logged once', async () => {
    const database = await freshDatabase('backfill_connection_loss')
    const dir = mkdtempSync(join(tmpdir(), 'aircall-intercom-loss-'))
    writeFileSync(
      join(dir, 'aircall-intercom.yml'),
      JSON.stringify({ aircall: { rateLimitPerMinute: 120 }, matching: { defaultCountry: 'FR' } }),
    )
    const env = sandboxEnv(sandbox, {
      INTERCOM_ADMIN_ID: sandbox.intercom.adminId,
      AIRCALL_INTERCOM_STATE: database.passwordUrl,
    })
    const since = new Date(sandbox.world.now - 21 * 86_400_000).toISOString()
    const args = ['backfill', '--since', since, '--concurrency', '8', '--json']
    const conversations = (): number => (sandbox.intercomEmulator.state().conversations as unknown[]).length
    const admin = new pg.Client({ connectionString: database.url })
    await admin.connect()
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const start = conversations()
    let cuts = 0
    for (const target of [40, 100, 160]) {
      while (conversations() < start + target && child.exitCode === null) await new Promise((r) => setTimeout(r, 10))
      if (child.exitCode !== null) break
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      )
      cuts++
    }
    await admin.end()
    const code = await exited
    expect(cuts).toBe(3)
    expect(code, stdout + stderr).toBe(0)
    const run = JSON.parse(stdout) as { result: { counts: { read: number; deadLetters: number } } }
    expect(run.result.counts).toMatchObject({ read: CALLS, deadLetters: 0 })
    const logged = await loggedPerCall(sandbox.intercom.url)
    expect([...logged.conversations.values()].every((count) => count === 1)).toBe(true)
    expect([...logged.notes.values()].every((count) => count === 1)).toBe(true)
    expect(logged.notes.size).toBe(logged.conversations.size)
    // Nothing was left for a rerun.
    const rerun = await runCli(args, { cwd: dir, env, timeoutMs: 120_000 })
    expect(rerun.code).toBe(0)
    expect((JSON.parse(rerun.stdout) as { result: { counts: { logged: number } } }).result.counts.logged).toBe(0)
    expect((await loggedPerCall(sandbox.intercom.url)).notes.size).toBe(logged.notes.size)
  }, 150_000)
})

describe('a sync when the database drops its connections', () => {
  let sandbox: SandboxHandle
  beforeAll(async () => {
    const intercom = { rateLimitPerMinute: 0, contract: 'off' as const, formattedPhoneDefaultCountry: 'FR' }
    sandbox = await startSandbox({ calls: 120, days: 1, seed: 32, aircall: { rateLimitPerMinute: 0 }, intercom })
  })
  afterAll(async () => {
    await sandbox.close()
  })

  test('it finishes, each call logged once, and says its single-flight lock went with the connection', async () => {
    const database = await freshDatabase('sync_connection_loss')
    const dir = mkdtempSync(join(tmpdir(), 'aircall-intercom-loss-'))
    writeFileSync(join(dir, 'aircall-intercom.yml'), JSON.stringify({ matching: { defaultCountry: 'FR' } }))
    const env = sandboxEnv(sandbox, {
      INTERCOM_ADMIN_ID: sandbox.intercom.adminId,
      AIRCALL_INTERCOM_STATE: database.passwordUrl,
    })
    // Slow enough answers that the run is still going when the connections drop.
    const faults = await fetch(`${sandbox.intercom.url}/_emulator/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ match: '*', kind: 'latency', latencyMs: 40 }]),
    })
    expect(faults.status).toBe(200)
    const conversations = (): number => (sandbox.intercomEmulator.state().conversations as unknown[]).length
    const start = conversations()
    const sync = runCli(['sync', '--concurrency', '2', '--json'], { cwd: dir, env, timeoutMs: 120_000 })
    while (conversations() < start + 15) await new Promise((resolve) => setTimeout(resolve, 10))
    const admin = new pg.Client({ connectionString: database.url })
    await admin.connect()
    const { rowCount } = await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    )
    await admin.end()
    expect(rowCount).toBeGreaterThan(0)
    const run = await sync
    expect(run.code, run.stdout + run.stderr).toBe(0)
    const document = JSON.parse(run.stdout) as {
      warnings: string[]
      result: { singleFlightLost: boolean; counts: { logged: number; deadLetters: number } }
    }
    expect(document.result.singleFlightLost).toBe(true)
    expect(document.warnings.join('\n')).toContain('the database dropped the connection holding this sync’s lock')
    expect(document.result.counts.deadLetters).toBe(0)
    const logged = await loggedPerCall(sandbox.intercom.url)
    expect(logged.notes.size).toBe(document.result.counts.logged)
    expect([...logged.conversations.values()].every((count) => count === 1)).toBe(true)
    expect([...logged.notes.values()].every((count) => count === 1)).toBe(true)
  }, 150_000)
})

describe('a backfill when its database goes down and stays down', () => {
  let sandbox: SandboxHandle
  beforeAll(async () => {
    const intercom = { rateLimitPerMinute: 0, contract: 'off' as const, formattedPhoneDefaultCountry: 'FR' }
    sandbox = await startSandbox({ calls: 200, days: 10, seed: 33, aircall: { rateLimitPerMinute: 0 }, intercom })
  })
  afterAll(async () => {
    await sandbox.close()
  })

  test('it ends with exit 1, store_unavailable and a hint to rerun: not a bug, and no password', async () => {
    // A server of its own: this test stops it.
    const server = await startPostgres()
    try {
      await withClient(server.adminUrl, (client) => client.query(`create database doomed owner ${server.passwordRole}`))
      const url = `postgres://${server.passwordRole}:${server.password}@127.0.0.1:${server.port}/doomed`
      const dir = mkdtempSync(join(tmpdir(), 'aircall-intercom-down-'))
      writeFileSync(join(dir, 'aircall-intercom.yml'), JSON.stringify({ matching: { defaultCountry: 'FR' } }))
      const env = sandboxEnv(sandbox, { INTERCOM_ADMIN_ID: sandbox.intercom.adminId, AIRCALL_INTERCOM_STATE: url })
      const faults = await fetch(`${sandbox.intercom.url}/_emulator/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ match: '*', kind: 'latency', latencyMs: 30 }]),
      })
      expect(faults.status).toBe(200)
      const conversations = (): number => (sandbox.intercomEmulator.state().conversations as unknown[]).length
      const start = conversations()
      const since = new Date(sandbox.world.now - 11 * 86_400_000).toISOString()
      const run = runCli(['backfill', '--since', since, '--concurrency', '2', '--json'], {
        cwd: dir,
        env,
        timeoutMs: 120_000,
      })
      while (conversations() < start + 10) await new Promise((resolve) => setTimeout(resolve, 10))
      await server.stop()
      const result = await run
      expect(result.code, result.stdout + result.stderr).toBe(1)
      const document = JSON.parse(result.stdout) as { error: { code: string; message: string; hint: string } }
      expect(document.error.code).toBe('store_unavailable')
      expect(document.error.message).toMatch(/^the state store stopped answering: /)
      expect(document.error.hint).toContain('run the same command again once it answers')
      expect(result.stdout + result.stderr).not.toContain(server.password)
    } finally {
      await server.stop()
    }
  }, 150_000)
})
