import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'

import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import { openStateStore } from '../../src/store/sqlite/index.js'
import { CLI, runCli } from '../helpers/run-cli.js'
import { REFUSED_URL } from '../helpers/refused-url.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { sandboxEnv } from './sandbox-env.js'

/**
 * `sync` as cron runs it, when things go wrong: an Intercom nobody listens at, Ctrl-C while every request hangs or
 * while the rate gate waits out a minute-long 429, and a run killed with SIGKILL while it holds the lock. Nothing
 * here times the CLI: a run that ignored its signal would hang until the test's own timeout.
 */

const tempDir = useTempDir()

interface SyncChild {
  child: ChildProcess
  stderr: () => string
  exited: Promise<NodeJS.Signals | number | null>
}

const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

const spawnSync = (cwd: string, env: Record<string, string>, args: string[] = []): SyncChild => {
  const child = spawn(process.execPath, [CLI, 'sync', ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  children.push(child)
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  )
  return { child, stderr: () => stderr, exited }
}

const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe('sync when an API fails or the run is stopped', () => {
  let sandbox: SandboxHandle
  beforeAll(async () => {
    const intercom = { rateLimitPerMinute: 0, contract: 'off' as const, formattedPhoneDefaultCountry: 'FR' }
    sandbox = await startSandbox({ calls: 200, days: 3, seed: 21, aircall: { rateLimitPerMinute: 0 }, intercom })
  })
  afterAll(async () => {
    await sandbox.close()
  })
  afterEach(() => {
    sandbox.intercomEmulator.clearFaults()
    sandbox.aircallEmulator.clearFaults()
  })

  const workspace = (): { cwd: string; env: Record<string, string> } => {
    const cwd = tempDir()
    writeFileSync(
      join(cwd, 'aircall-intercom.yml'),
      JSON.stringify({ matching: { defaultCountry: 'FR', searchLagSeconds: 1 } }),
    )
    return { cwd, env: sandboxEnv(sandbox, { INTERCOM_ADMIN_ID: sandbox.intercom.adminId }) }
  }

  test('Ctrl-C while the calls’ Intercom requests hang ends the requests in flight and exits 130', async () => {
    const { cwd, env } = workspace()
    // Contact lookups and creates: requests of the calls being logged, which the engine starts without its signal.
    sandbox.intercomEmulator.setFaults([{ match: 'POST /contacts', kind: 'latency', latencyMs: 600_000 }])
    const run = spawnSync(cwd, env)
    await until(() => sandbox.intercomEmulator.faults()[0]!.hits > 0)
    run.child.kill('SIGINT')
    expect(await run.exited).toBe(130)
    expect(run.stderr()).toContain('interrupted: resume with the same command')
  }, 120_000)

  test('Ctrl-C while the rate gate waits out a minute-long Aircall 429 exits 130', async () => {
    const { cwd, env } = workspace()
    sandbox.aircallEmulator.setFaults([{ match: 'GET /v1/calls', kind: 'rate-limit', nth: [1] }])
    const run = spawnSync(cwd, env)
    await until(() => /Aircall GET \/v1\/calls: 429.*retrying in (59|60|61) s/.test(run.stderr()))
    run.child.kill('SIGINT')
    expect(await run.exited).toBe(130)
  }, 120_000)

  test('a sync killed with SIGKILL while it holds the lock does not block the next one', async () => {
    const { cwd, env } = workspace()
    sandbox.intercomEmulator.setFaults([{ match: '*', kind: 'latency', latencyMs: 600_000 }])
    const killed = spawnSync(cwd, env)
    await until(() => sandbox.intercomEmulator.faults()[0]!.hits > 0)
    const pid = killed.child.pid
    killed.child.kill('SIGKILL')
    expect(await killed.exited).toBe('SIGKILL')
    sandbox.intercomEmulator.clearFaults()

    const store = openStateStore(join(cwd, 'aircall-intercom.sqlite'))
    expect(store.locks.get('sync')?.owner).toContain(`"pid":${pid}`)
    store.close()
    const next = await runCli(['sync', '--json'], { cwd, env })
    expect(next.stderr).not.toContain('another sync is running')
    expect(next.code).toBe(0)
    expect((JSON.parse(next.stdout) as { result: { counts: { read: number } } }).result.counts.read).toBeGreaterThan(0)
  }, 120_000)

  test('a holder on another host is waited out: the run exits 1 naming it', async () => {
    const { cwd, env } = workspace()
    const store = openStateStore(join(cwd, 'aircall-intercom.sqlite'))
    const owner = JSON.stringify({ pid: 1, host: 'another-host.example', startedAt: Date.now() })
    expect(store.locks.acquire('sync', owner, Date.now(), 60_000)).toBe(true)
    store.close()
    const locked = await runCli(['sync'], { cwd, env })
    expect(locked.code).toBe(1)
    expect(locked.stderr).toContain('another sync is running (pid 1 on another-host.example')
    expect(locked.stderr).toContain('lapses 15 minutes after its last renewal')
  }, 60_000)
  // Last: its final run logs the sandbox's calls, after which a fresh store's run finds them all in Intercom and
  // sends no contact request for the Ctrl-C case above to hang.
  test('an Intercom nobody listens at stops the run with the URL and the cause, after one retry it printed', async () => {
    const { cwd, env } = workspace()
    const url = REFUSED_URL
    const human = await runCli(['sync'], { cwd, env: { ...env, INTERCOM_API_URL: url } })
    expect(human.code).toBe(1)
    const lines = human.stderr.trim().split('\n')
    expect(lines.at(-2)).toBe(`Error: cannot reach Intercom at ${url}/ : connection refused`)
    expect(lines.at(-1)).toMatch(/^Hint: .*INTERCOM_API_URL/)
    // Each request that found nothing listening said so once, as it happened, and gave up on its second try.
    const retries = lines.filter((line) => / warning: Intercom .*: connection refused; retrying in 1\.0 s/.test(line))
    expect(retries.length).toBeGreaterThanOrEqual(1)
    expect(retries.length).toBeLessThanOrEqual(4)
    expect(retries.every((line) => line.includes('(attempt 2)'))).toBe(true)

    const json = await runCli(['sync', '--json'], { cwd, env: { ...env, INTERCOM_API_URL: url } })
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      error: { code: 'unreachable', message: `cannot reach Intercom at ${url}/ : connection refused` },
    })
    const events = json.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; outcome?: string })
    expect(events.some((event) => event.type === 'retry' && event.outcome === 'unreachable')).toBe(true)

    // Nothing was dead-lettered: the calls were not tried one by one against an API that is not there.
    const store = openStateStore(join(cwd, 'aircall-intercom.sqlite'))
    expect(store.queue.list({ status: 'dead' })).toEqual([])
    store.close()
    // And the next run, with Intercom back, is not blocked by a leftover lock.
    const back = await runCli(['sync', '--json'], { cwd, env })
    expect(back.code).toBe(0)
  }, 120_000)
})
