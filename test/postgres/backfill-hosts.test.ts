/**
 * A backfill SIGKILLed on one host resumes from another host on the same PostgreSQL store: the second run reads on
 * from the first one's checkpoints and ledger, and every call ends with exactly one conversation and one note.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import { openPostgresStore } from '../../src/store/postgres/index.js'
import { freshDatabase } from '../helpers/postgres.js'
import { CLI, runCli } from '../helpers/run-cli.js'
import { loggedPerCall } from '../helpers/world-process.js'
import { sandboxEnv } from '../e2e/sandbox-env.js'

const CALLS = 300

const host = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'aircall-intercom-host-'))
  writeFileSync(
    join(dir, 'aircall-intercom.yml'),
    JSON.stringify({
      intercom: { rateLimitPerMinute: 100_000 },
      aircall: { rateLimitPerMinute: 120 },
      matching: { defaultCountry: 'FR', searchLagSeconds: 1 },
    }),
  )
  return dir
}

describe('a backfill killed on one host', () => {
  let sandbox: SandboxHandle
  beforeAll(async () => {
    const intercom = { rateLimitPerMinute: 0, contract: 'off' as const, formattedPhoneDefaultCountry: 'FR' }
    sandbox = await startSandbox({ calls: CALLS, days: 20, seed: 23, aircall: { rateLimitPerMinute: 0 }, intercom })
  })
  afterAll(async () => {
    await sandbox.close()
  })

  test('resumes from another host: one conversation and one note per call', async () => {
    const database = await freshDatabase('backfill_hosts')
    const env = sandboxEnv(sandbox, {
      INTERCOM_ADMIN_ID: sandbox.intercom.adminId,
      AIRCALL_INTERCOM_STATE: database.passwordUrl,
    })
    const since = new Date(sandbox.world.now - 21 * 86_400_000).toISOString()
    const args = ['backfill', '--since', since, '--concurrency', '8', '--json']
    const conversations = (): number => (sandbox.intercomEmulator.state().conversations as unknown[]).length

    const first = spawn(process.execPath, [CLI, ...args], {
      cwd: host(),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: 'ignore',
    })
    const exited = new Promise<void>((resolve) => first.once('exit', () => resolve()))
    const target = conversations() + 80
    const deadline = Date.now() + 60_000
    while (conversations() < target && first.exitCode === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(first.exitCode).toBeNull()
    first.kill('SIGKILL')
    await exited

    const store = await openPostgresStore(database.passwordUrl)
    try {
      expect((await store.counts()).ledger.done).toBeGreaterThan(0)
    } finally {
      await store.close()
    }
    const before = await loggedPerCall(sandbox.intercom.url)
    expect(before.notes.size).toBeGreaterThan(0)
    const second = await runCli(args, { cwd: host(), env, timeoutMs: 120_000 })
    expect(second.code, second.stdout + second.stderr).toBe(0)
    const run = JSON.parse(second.stdout) as { result: { counts: { logged: number } } }

    const logged = await loggedPerCall(sandbox.intercom.url)
    const inRange = sandbox.world.aircall.calls.filter((call) => logged.conversations.has(String(call.id)))
    expect(inRange.length).toBeGreaterThan(80)
    // The second host took the first one's work from the shared store: what it logged is exactly what was missing.
    expect(run.result.counts.logged).toBe(logged.notes.size - before.notes.size)
    expect(logged.notes.size).toBe(inRange.length)
    expect([...logged.conversations.values()].every((count) => count === 1)).toBe(true)
    expect([...logged.notes.values()].every((count) => count === 1)).toBe(true)
  }, 150_000)
})
