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
 * `backfill` and `tags sync` stop as `sync` does (one shared RunControl): Ctrl-C while every Intercom request hangs
 * exits 130, and an Intercom nobody listens at ends the run at once naming the URL and the cause, instead of trying
 * every call and dead-lettering it. Nothing is timed: a run that ignored its signal would hang until the timeout.
 */

const tempDir = useTempDir()
const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

const spawnCli = (
  cwd: string,
  env: Record<string, string>,
  args: string[],
): { stderr: () => string; child: ChildProcess; exited: Promise<NodeJS.Signals | number | null> } => {
  const child = spawn(process.execPath, [CLI, ...args], {
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

const COMMANDS: Array<[string, string[]]> = [
  ['backfill', ['backfill', '--since', '3d']],
  ['tags sync', ['tags', 'sync', '--since', '3d']],
]

describe('backfill and tags sync stop like sync', () => {
  let sandbox: SandboxHandle
  beforeAll(async () => {
    const intercom = { rateLimitPerMinute: 0, contract: 'off' as const, formattedPhoneDefaultCountry: 'FR' }
    sandbox = await startSandbox({ calls: 120, days: 2, seed: 33, aircall: { rateLimitPerMinute: 0 }, intercom })
  })
  afterAll(async () => {
    await sandbox.close()
  })
  afterEach(() => {
    sandbox.intercomEmulator.clearFaults()
  })

  const workspace = (): { cwd: string; env: Record<string, string> } => {
    const cwd = tempDir()
    // The emulator's search lag is 0: a create interrupted before it was sent is settled within a second.
    const config = {
      matching: { defaultCountry: 'FR', searchLagSeconds: 1 },
      tags: { map: [{ tag: 'VIP', attribute: 'stop_vip' }] },
    }
    writeFileSync(join(cwd, 'aircall-intercom.yml'), JSON.stringify(config))
    return { cwd, env: sandboxEnv(sandbox, { INTERCOM_ADMIN_ID: sandbox.intercom.adminId }) }
  }

  test.each(COMMANDS)(
    '%s: Ctrl-C while the Intercom requests hang exits 130',
    async (_name, args) => {
      const { cwd, env } = workspace()
      sandbox.intercomEmulator.setFaults([{ match: '*', kind: 'latency', latencyMs: 600_000 }])
      const run = spawnCli(cwd, env, args)
      await until(() => sandbox.intercomEmulator.faults()[0]!.hits > 0)
      run.child.kill('SIGINT')
      expect(await run.exited).toBe(130)
      expect(run.stderr()).toContain('interrupted: resume with the same command')
    },
    120_000,
  )

  test.each(COMMANDS)(
    '%s: an Intercom nobody listens at stops the run naming the URL',
    async (_name, args) => {
      const { cwd, env } = workspace()
      const url = REFUSED_URL
      const human = await runCli(args, { cwd, env: { ...env, INTERCOM_API_URL: url } })
      expect(human.code).toBe(1)
      expect(human.stderr).toContain(`Error: cannot reach Intercom at ${url}/ : connection refused`)
      const json = await runCli([...args, '--json'], { cwd, env: { ...env, INTERCOM_API_URL: url } })
      expect(json.code).toBe(1)
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'unreachable' } })
      // The calls were not tried one by one against an API that is not there.
      const store = openStateStore(join(cwd, 'aircall-intercom.sqlite'))
      expect(store.queue.list({ status: 'dead' })).toEqual([])
      store.close()
    },
    120_000,
  )
})
