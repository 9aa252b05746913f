import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, test } from 'vitest'

import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import { loggedPerCall } from '../helpers/world-process.js'
import { CLI, runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { sandboxEnv } from './sandbox-env.js'

const tempDir = useTempDir()
const CALLS = 600

/**
 * Deterministic kill points: each run is SIGKILLed once this many more conversations exist than when it started.
 * Counted in progress rather than milliseconds, so a faster (or slower) machine or build still kills mid-run.
 */
const KILL_AFTER_CONVERSATIONS = [40, 90, 25, 120, 60]

describe('backfill killed with SIGKILL and resumed', () => {
  let sandbox: SandboxHandle
  beforeAll(async () => {
    const intercom = { rateLimitPerMinute: 0, contract: 'off' as const, formattedPhoneDefaultCountry: 'FR' }
    sandbox = await startSandbox({ calls: CALLS, days: 30, seed: 11, aircall: { rateLimitPerMinute: 0 }, intercom })
  })
  afterAll(async () => {
    await sandbox.close()
  })

  test('five kills at different points, then a full run: exactly one conversation and one note per call', async () => {
    const cwd = tempDir()
    writeFileSync(
      join(cwd, 'aircall-intercom.yml'),
      JSON.stringify({
        intercom: { rateLimitPerMinute: 100_000 },
        aircall: { rateLimitPerMinute: 120 },
        // The emulator's search shows a contact at once. A kill between a contact create's claim and its request
        // leaves the step pending, and the next run searches until this long after it before creating: with the
        // default 300 s the final run would wait out the real Intercom's lag.
        matching: { defaultCountry: 'FR', searchLagSeconds: 1 },
      }),
    )
    const env = sandboxEnv(sandbox, { INTERCOM_ADMIN_ID: sandbox.intercom.adminId })
    const since = new Date(sandbox.world.now - 31 * 86_400_000).toISOString()
    const args = ['backfill', '--since', since, '--concurrency', '8', '--json']

    const conversations = (): number => (sandbox.intercomEmulator.state().conversations as unknown[]).length
    let killedMidway = 0
    for (const step of KILL_AFTER_CONVERSATIONS) {
      const target = conversations() + step
      const child: ChildProcess = spawn(process.execPath, [CLI, ...args], {
        cwd,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: 'ignore',
      })
      let exited = false
      const exit = new Promise<NodeJS.Signals | number | null>((resolve) =>
        child.once('exit', (code, signal) => {
          exited = true
          resolve(signal ?? code)
        }),
      )
      const deadline = Date.now() + 30_000
      while (!exited && conversations() < target && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      if (!exited) child.kill('SIGKILL')
      if ((await exit) === 'SIGKILL') killedMidway++
    }
    expect(killedMidway).toBeGreaterThanOrEqual(3)
    const skipped = new Set(
      [...sandbox.world.truth.anonymousCallIds, ...sandbox.world.truth.invalidCallIds].map(String),
    )
    const expected = sandbox.world.aircall.calls.map((call) => String(call.id)).filter((id) => !skipped.has(id))
    // The kills landed while calls were being written, not only during start-up.
    const partial = await loggedPerCall(sandbox.intercom.url)
    expect(partial.conversations.size).toBeGreaterThan(0)
    expect(partial.conversations.size).toBeLessThan(expected.length)

    const final = await runCli(args, { cwd, env, timeoutMs: 60_000 })
    expect(final.code).toBe(0)
    const result = (JSON.parse(final.stdout) as { result: { counts: { deadLetters: number } } }).result
    expect(result.counts.deadLetters).toBe(0)

    const logged = await loggedPerCall(sandbox.intercom.url)
    for (const id of expected) {
      expect(logged.conversations.get(id), `conversations of call ${id}`).toBe(1)
      expect(logged.notes.get(id), `notes of call ${id}`).toBe(1)
    }
    expect(logged.conversations.size).toBe(expected.length)
  }, 120_000)
})
