import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, test } from 'vitest'

import type { FaultRule } from '@aircall-intercom/emulators/types.js'
import { CLI, runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { sandboxEnv, useSandbox } from './sandbox-env.js'

const tempDir = useTempDir()
const sandbox = useSandbox({
  calls: 12,
  seed: 5,
  aircall: { rateLimitPerMinute: 0 },
  intercom: { rateLimitPerMinute: 0, contract: 'off', formattedPhoneDefaultCountry: 'FR' },
})

interface ErrorDocument {
  ok: false
  exitCode: number
  error: { exitCode: number; code: string; message: string; hint?: string; stack?: string }
}

interface RunDocument {
  ok: boolean
  exitCode: number
  result: { interrupted: boolean; counts: { deadLetters: number; logged: number } }
}

/** Exactly one JSON document on stdout, as --json promises. */
const document = <T>(stdout: string): T => {
  const lines = stdout.trim().split('\n')
  expect(lines).toHaveLength(1)
  return JSON.parse(lines[0]!) as T
}

/** A directory with a config and the environment a user points at the sandbox. */
const workspace = (extra: Record<string, string> = {}): { cwd: string; env: Record<string, string> } => {
  const cwd = tempDir()
  writeFileSync(join(cwd, 'aircall-intercom.yml'), JSON.stringify({ matching: { defaultCountry: 'FR' } }))
  return { cwd, env: sandboxEnv(sandbox(), { INTERCOM_ADMIN_ID: sandbox().intercom.adminId, ...extra }) }
}

const since = (): string => new Date(sandbox().world.now - 31 * 86_400_000).toISOString()

const setIntercomFaults = async (rules: FaultRule[]): Promise<void> => {
  const response = await fetch(`${sandbox().intercom.url}/_emulator/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rules),
  })
  expect(response.status).toBe(200)
}

const intercomFaultsSeen = async (): Promise<number> => {
  const response = await fetch(`${sandbox().intercom.url}/_emulator/faults`)
  const states = (await response.json()) as Array<{ seen: number }>
  return states.reduce((sum, state) => sum + state.seen, 0)
}

describe('every documented exit code, through the built CLI', () => {
  test('0: help, and a valid configuration', async () => {
    const help = await runCli(['backfill', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('--csv')

    const { cwd, env } = workspace()
    const validate = await runCli(['config', 'validate', '--json'], { cwd, env })
    expect(validate.code).toBe(0)
    expect(document<{ ok: boolean; exitCode: number }>(validate.stdout)).toMatchObject({ ok: true, exitCode: 0 })
  })

  test('1: a command that starts and fails (Aircall refuses the credentials)', async () => {
    const { cwd, env } = workspace({ AIRCALL_API_TOKEN: 'not-the-token' })
    const human = await runCli(['backfill', '--since', since()], { cwd, env })
    expect(human.code).toBe(1)
    expect(human.stderr).toContain(
      'Error: aircall GET /v1/calls failed 403: Aircall refused the credentials: the API ID or API token is wrong',
    )
    expect(human.stderr).toContain('Hint: check AIRCALL_API_ID and AIRCALL_API_TOKEN')

    const json = await runCli(['backfill', '--since', since(), '--json'], { cwd, env })
    expect(json.code).toBe(1)
    const failed = document<ErrorDocument>(json.stdout)
    expect(failed).toMatchObject({ ok: false, exitCode: 1, error: { exitCode: 1, code: 'auth_failed' } })
    // An expected failure is explained, not dumped: no stack trace.
    expect(failed.error.stack).toBeUndefined()
  })

  test('2: bad usage, and an invalid configuration', async () => {
    const { cwd, env } = workspace()
    const usage = await runCli(['backfill', '--no-such-flag', '--json'], { cwd, env })
    expect(usage.code).toBe(2)
    expect(document<ErrorDocument>(usage.stdout).error.code).toBe('usage')

    writeFileSync(join(cwd, 'aircall-intercom.yml'), 'matching:\n  defaultCountry: FR\nlistner:\n  port: 3000\n')
    const config = await runCli(['backfill', '--since', since(), '--json'], { cwd, env })
    expect(config.code).toBe(2)
    expect(document<ErrorDocument>(config.stdout).error).toMatchObject({ exitCode: 2, code: 'config_invalid' })
  })

  test('2: a CSV export that does not exist is named, with one error document under --json', async () => {
    const { cwd, env } = workspace()
    const human = await runCli(['backfill', '--csv', 'nope.csv'], { cwd, env })
    expect(human.code).toBe(2)
    expect(human.stderr).toContain(`Error: cannot read the CSV export ${join(cwd, 'nope.csv')}: no such file`)
    expect(human.stderr).not.toContain('Unhandled')
    expect(human.stderr).not.toMatch(/^\s+at /m)

    const json = await runCli(['backfill', '--csv', 'nope.csv', '--json'], { cwd, env })
    expect(json.code).toBe(2)
    const failed = document<ErrorDocument>(json.stdout)
    expect(failed).toMatchObject({ ok: false, exitCode: 2, error: { code: 'file_not_found' } })
    expect(failed.error.message).toContain(join(cwd, 'nope.csv'))
    expect(json.stderr).toBe('')

    // A directory where a file should be is a file error too, not a crash.
    const directory = await runCli(['backfill', '--csv', '.', '--json'], { cwd, env })
    expect(directory.code).toBe(2)
    expect(document<ErrorDocument>(directory.stdout).error.code).toBe('file_unreadable')
  })

  test('3: Intercom refuses every contact lookup with a 400, so the calls go to dead letters', async () => {
    const { cwd, env } = workspace()
    // A permanent 4xx on every call's first Intercom request (contact search and create), and nothing else.
    await setIntercomFaults([{ match: 'POST /contacts', kind: 'status', status: 400 }])
    try {
      const run = await runCli(['backfill', '--since', since(), '--json'], { cwd, env })
      expect(run.code).toBe(3)
      const result = document<RunDocument>(run.stdout)
      expect(result).toMatchObject({ ok: false, exitCode: 3, result: { interrupted: false } })
      expect(result.result.counts.deadLetters).toBeGreaterThan(0)
      expect(result.result.counts.logged).toBe(0)

      // What exit 3 tells the user to look at.
      const dead = await runCli(['events', 'list', '--status', 'dead', '--json'], { cwd, env })
      expect(dead.code).toBe(0)
      const listed = document<{ result: { counts: { dead: number } } }>(dead.stdout)
      expect(listed.result.counts.dead).toBe(result.result.counts.deadLetters)
    } finally {
      await setIntercomFaults([])
    }
  }, 60_000)

  test('130: Ctrl-C during a backfill stops after the calls in flight', async () => {
    const { cwd, env } = workspace()
    // Slow Intercom down so the run is certainly mid-call when the signal lands.
    await setIntercomFaults([{ match: '*', kind: 'latency', latencyMs: 300 }])
    try {
      const child = spawn(process.execPath, [CLI, 'backfill', '--since', since(), '--restart', '--json'], {
        cwd,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
      // Progress, not time: signal once Intercom has seen the run's first request.
      while ((await intercomFaultsSeen()) === 0 && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      child.kill('SIGINT')
      expect(await exited).toBe(130)
      expect(stderr).toContain('interrupted: resume with the same command')
      expect(document<RunDocument>(stdout)).toMatchObject({ exitCode: 130, result: { interrupted: true } })
    } finally {
      await setIntercomFaults([])
    }
  }, 60_000)
})
