import { spawn } from 'node:child_process'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { isAiEvent } from '../../src/aircall/ai-schemas.js'
import { TRIGGER_EVENTS } from '../../src/app/trigger.js'
import { CLI, runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { queueSettled, useListenerCleanup } from '../listener/harness.js'
import { CONFIG_YAML, startWorld, worldEnv } from '../matching/seeded-world.js'
import { sandboxEnv, useSandbox } from './sandbox-env.js'

const tempDir = useTempDir()
const sandbox = useSandbox()
const listeners = useListenerCleanup()

interface Envelope<T = Record<string, unknown>> {
  ok: boolean
  exitCode: number
  result: T
  warnings: string[]
  error?: { code: string; message: string; hint?: string }
}

const parse = <T = Record<string, unknown>>(stdout: string): Envelope<T> => JSON.parse(stdout) as Envelope<T>

describe('configuration sources and environment overrides', () => {
  test('config show --sources names the file key, the variable or the default behind each value', async () => {
    const dir = tempDir()
    const file = join(dir, 'aircall-intercom.yml')
    writeFileSync(file, 'aircall:\n  apiUrl: https://file.example\nintercom:\n  adminId: "456"\n')
    const env = { AIRCALL_INTERCOM_CONFIG: file, INTERCOM_ADMIN_ID: '123', AIRCALL_INTERCOM_STATE: join(dir, 's.db') }
    const shown = await runCli(['config', 'show', '--sources'], { env })
    expect(shown.code).toBe(0)
    const line = (key: string): string => shown.stdout.split('\n').find((text) => text.startsWith(`${key} `)) ?? ''
    expect(line('aircall.apiUrl')).toMatch(/https:\/\/file\.example\s+file \S*aircall-intercom\.yml:aircall\.apiUrl$/)
    expect(line('intercom.adminId')).toMatch(
      /123\s+env INTERCOM_ADMIN_ID \(overrides .*aircall-intercom\.yml:intercom\.adminId\)$/,
    )
    expect(line('matching.defaultCountry')).toMatch(/US\s+default$/)
    expect(line('store.path')).toMatch(/s\.db\s+env AIRCALL_INTERCOM_STATE$/)

    const json = parse<{ overrides: unknown[]; values: Array<{ key: string; origin: unknown }> }>(
      (await runCli(['config', 'show', '--json', '--state', join(dir, 'flag.db')], { env })).stdout,
    )
    expect(json.result.overrides).toEqual([
      expect.objectContaining({
        path: 'intercom.adminId',
        variable: 'INTERCOM_ADMIN_ID',
        fileValue: '456',
        envValue: '123',
      }),
    ])
    expect(json.result.values.find((value) => value.key === 'store.path')?.origin).toEqual({
      kind: 'flag',
      flag: '--state',
    })
  })

  test('a bad environment value names the variable; there is no config file to blame', async () => {
    const dir = tempDir()
    const result = await runCli(['config', 'validate'], { cwd: dir, env: { AIRCALL_API_URL: 'not-a-url' } })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(
      'AIRCALL_API_URL (environment variable, for aircall.apiUrl): must be an absolute URL',
    )
    expect(result.stderr).not.toContain('aircall-intercom.yml')
  })

  test('init warns when the environment will replace the admin it just wrote', async () => {
    const dir = tempDir()
    const output = join(dir, 'aircall-intercom.yml')
    const result = await runCli(['init', '--yes', '--admin-id', '456', '--output', output, '--json'], {
      cwd: dir,
      env: { INTERCOM_ADMIN_ID: '123' },
    })
    expect(result.code).toBe(0)
    const document = parse(result.stdout)
    expect(document.warnings).toContainEqual(
      expect.stringContaining('INTERCOM_ADMIN_ID=123 in the environment replaces intercom.adminId: 456'),
    )
    expect(document.result.environmentOverrides).toEqual([expect.objectContaining({ variable: 'INTERCOM_ADMIN_ID' })])
  })

  test('doctor warns when the environment overrides the file', async () => {
    const dir = tempDir()
    const file = join(dir, 'aircall-intercom.yml')
    writeFileSync(file, 'intercom:\n  adminId: "456"\n')
    const env = sandboxEnv(sandbox(), {
      AIRCALL_INTERCOM_CONFIG: file,
      INTERCOM_ADMIN_ID: sandbox().intercom.adminId,
    })
    const result = await runCli(['doctor', '--json'], { cwd: dir, env })
    const checks = parse<{ checks: Array<{ id: string; status: string; detail: string }> }>(result.stdout).result.checks
    expect(checks.find((check) => check.id === 'environment')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining(`INTERCOM_ADMIN_ID=${sandbox().intercom.adminId} replaces intercom.adminId: 456`),
    })
  })
})

describe('country codes', () => {
  test('XX is refused by config validate, doctor and init', async () => {
    const dir = tempDir()
    const file = join(dir, 'aircall-intercom.yml')
    writeFileSync(file, 'matching:\n  defaultCountry: XX\n')
    const validate = await runCli(['config', 'validate', '--config', file])
    expect(validate.code).toBe(2)
    expect(validate.stderr).toContain('matching.defaultCountry: "XX" is not a country code libphonenumber knows')
    const doctor = await runCli(['doctor', '--config', file, '--json'], { env: sandboxEnv(sandbox()) })
    expect(doctor.code).toBe(1)
    expect(parse<{ checks: Array<{ id: string; status: string }> }>(doctor.stdout).result.checks[0]).toMatchObject({
      id: 'config',
      status: 'fail',
    })
    const init = await runCli(['init', '--yes', '--default-country', 'XX', '--output', join(dir, 'new.yml')], {
      cwd: dir,
    })
    expect(init.code).toBe(2)
    expect(init.stderr).toContain('"XX" is not a country code libphonenumber knows')
  })
})

describe('trigger', () => {
  test('every fixture is processed against the sandbox with every rule on; triggers in one second never collide', async () => {
    const harness = await listeners.startHarness(tempDir(), {
      insightCards: { enabled: true },
      escalation: { enabled: true, tags: ['call-back'] },
      resolve: { enabled: true },
      missedCalls: { enabled: true, templates: [{ name: 'default', body: '<p>Sorry we missed you</p>' }] },
      vip: { enabled: true, rules: [{ name: 'vip', tags: ['VIP'], assign: false }] },
    })
    const listener = listeners.spawnListen(harness)
    const url = await listener.url
    const env = harness.env
    for (const event of TRIGGER_EVENTS) {
      // An AI insight or a voicemail's own event waits for its call's conversation: it names a call.ended before it.
      const ofLoggedCall = isAiEvent(event) || event === 'call.voicemail_left' || event === 'call.comm_assets_generated'
      const callId = ofLoggedCall || event === 'call.ended' ? ['--call-id', '5151'] : []
      const result = await runCli(['trigger', event, '--to', url, '--json', ...callId], { env })
      expect(result.code, `${event}: ${result.stdout}${result.stderr}`).toBe(0)
      const document = parse<{ event: string; eventId: number | null; duplicate: boolean | null }>(result.stdout)
      if (event === 'ping') continue
      expect(document.result.duplicate, event).toBe(false)
      expect(document.result.eventId, event).toEqual(expect.any(Number))
    }
    // Two triggers of the same event back to back (the same second): two events, neither a duplicate.
    const first = await runCli(['trigger', 'call.ended', '--to', url], { env })
    const second = await runCli(['trigger', 'call.ended', '--to', url], { env })
    for (const human of [first, second]) {
      expect(human.code).toBe(0)
      expect(human.stdout).toMatch(/^call\.ended → .*\/aircall: 200, stored as event #\d+$/m)
    }
    expect(first.stdout).not.toEqual(second.stdout)
    await queueSettled(url)
    const listed = parse<{ events: Array<{ id: number; type: string; status: string; lastError: string | null }> }>(
      (await runCli(['events', 'list', '--json', '--limit', '100'], { env })).stdout,
    )
    const dead = listed.result.events.filter((event) => event.status !== 'done')
    expect(dead).toEqual([])
    // Every trigger is one stored event: the fixtures (ping included) and the two back-to-back call.ended.
    expect(listed.result.events).toHaveLength(TRIGGER_EVENTS.length + 2)
    // The live calls were planted in the sandbox's Aircall, so their insight cards were posted, not refused with 404.
    expect(harness.sandbox.aircallEmulator.insightCards().length).toBeGreaterThanOrEqual(2)
  }, 120_000)

  test('a redelivered event is reported as a duplicate; --admin-id sets the assignee', async () => {
    const harness = await listeners.startHarness(tempDir())
    const listener = listeners.spawnListen(harness)
    const url = await listener.url
    const env = harness.env
    const once = await runCli(['trigger', 'call.ended', '--to', url, '--call-id', '4242', '--json'], { env })
    const timestamp = parse<{ timestamp: number }>(once.stdout).result.timestamp
    const again = await runCli(['trigger', 'call.ended', '--to', url, '--call-id', '4242', '--at', String(timestamp)], {
      env,
    })
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/200, duplicate of event #\d+ \(already stored: not processed again\)/)
    const assigned = await runCli(
      ['trigger', 'conversation.admin.assigned', '--to', url, '--admin-id', '77', '--json'],
      {
        env,
      },
    )
    expect(assigned.code).toBe(0)
    await queueSettled(url)
    const id = parse<{ eventId: number }>(assigned.stdout).result.eventId
    const shown = parse<{ payload: { data: { item: { admin_assignee_id: number } } } }>(
      (await runCli(['events', 'show', String(id), '--json'], { env })).stdout,
    )
    expect(shown.result.payload.data.item.admin_assignee_id).toBe(77)
  }, 90_000)

  test('with no event, the error lists the events', async () => {
    const result = await runCli(['trigger'])
    expect(result.code).toBe(2)
    expect(result.stderr).not.toContain('see the list above')
    for (const event of TRIGGER_EVENTS) expect(result.stderr).toContain(event)
  })
})

/** Runs the CLI with a terminal on stdin and stderr (util-linux `script`) and stdout sent to `stdoutFile`. */
const atTerminal = (
  args: string[],
  options: { cwd: string; env: Record<string, string>; stdoutFile: string; answer: { when: string; keys: string } },
): Promise<{ code: number | null; screen: string }> =>
  new Promise((resolve, reject) => {
    const quote = (text: string): string => `'${text.replace(/'/g, "'\\''")}'`
    const command = [process.execPath, CLI, ...args].map(quote).join(' ')
    const child = spawn('script', ['-qec', `${command} > ${quote(options.stdoutFile)}`, '/dev/null'], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TERM: 'xterm', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let screen = ''
    let answered = false
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString()
      if (!answered && screen.includes(options.answer.when)) {
        answered = true
        child.stdin.write(options.answer.keys)
      }
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, screen }))
  })

describe('contacts dedupe', () => {
  test('the table fits the width; --apply asks on the terminal even with stdout piped; "no" is a clean exit', async () => {
    const world = await startWorld()
    try {
      const cwd = tempDir()
      writeFileSync(join(cwd, 'aircall-intercom.yml'), CONFIG_YAML)
      const env = worldEnv(world)
      const planned = await runCli(['contacts', 'dedupe'], { cwd, env })
      expect(planned.code).toBe(0)
      const tableLines = planned.stdout.split('\n').filter((line) => /^[┌│├└]/.test(line))
      expect(tableLines.length).toBeGreaterThan(4)
      // Not a terminal: 100 columns.
      for (const line of tableLines) expect(line.length).toBeLessThanOrEqual(100)
      const wide = await runCli(['contacts', 'dedupe'], { cwd, env: { ...env, COLUMNS: '140' } })
      const wideLines = wide.stdout.split('\n').filter((line) => /^[┌│├└]/.test(line))
      for (const line of wideLines) expect(line.length).toBeLessThanOrEqual(140)
      expect(Math.max(...wideLines.map((line) => line.length))).toBeGreaterThan(100)

      const stdoutFile = join(cwd, 'out.txt')
      const declined = await atTerminal(['contacts', 'dedupe', '--apply'], {
        cwd,
        env,
        stdoutFile,
        answer: { when: '(y/N)', keys: 'n\r' },
      })
      expect(declined.screen).toMatch(/Merge \d+ lead\(s\) into users\?/)
      expect(declined.screen).not.toContain('run again with --apply')
      expect(declined.screen).not.toContain('Error')
      expect(declined.code).toBe(0)
      expect(readFileSync(stdoutFile, 'utf8')).toMatch(/^Nothing was merged: you declined the \d+ planned merges?\.\n$/)
    } finally {
      await world.close()
    }
  }, 120_000)
})

describe('--json and messages', () => {
  test('every stderr line of listen --json is an NDJSON object with a level', async () => {
    const harness = await listeners.startHarness(tempDir())
    const { INTERCOM_CLIENT_SECRET: _secret, ...env } = harness.env
    const listener = listeners.spawnListen({ ...harness, env })
    const url = await listener.url
    const forged = await fetch(`${url}/aircall`, { method: 'POST', body: '{"token":"wrong"}' })
    expect(forged.status).toBe(401)
    expect((await runCli(['trigger', 'call.ended', '--to', url], { env })).code).toBe(0)
    await queueSettled(url)
    listener.child.kill('SIGTERM')
    expect(await listener.exited).toBe(0)
    const lines = listener
      .stderr()
      .split('\n')
      .filter((line) => line.trim() !== '')
    const parsed = lines.map((line) => JSON.parse(line) as { type: string; level: string })
    expect(parsed[0]?.type).toBe('listening')
    for (const line of parsed) expect(['info', 'warn', 'error']).toContain(line.level)
    const levels = Object.fromEntries(parsed.map((line) => [line.type, line.level]))
    expect(levels).toMatchObject({ listening: 'info', warning: 'warn', rejected: 'warn', processed: 'info' })
  }, 90_000)

  test('--version --json prints a JSON document', async () => {
    const result = await runCli(['--version', '--json'])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    })
  })

  test('an unknown command is named as typed, with the command meant; --json gives the error envelope', async () => {
    const extra = await runCli(['backfill', 'extra-arg'])
    expect(extra.code).toBe(127)
    expect(extra.stderr).toContain('"backfill extra-arg" is not an aircall-intercom command')
    expect(extra.stderr).toContain('backfill takes no argument "extra-arg"')
    expect(extra.stderr).not.toContain('backfill:extra-arg')
    const typo = await runCli(['bakfill', '--since', '2d'])
    expect(typo.code).toBe(127)
    expect(typo.stderr).toContain('did you mean `aircall-intercom backfill`?')
    const json = await runCli(['contacts', 'dedup', '--json'])
    expect(json.code).toBe(127)
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      exitCode: 127,
      error: {
        exitCode: 127,
        code: 'command_not_found',
        message: expect.stringContaining('did you mean `aircall-intercom contacts dedupe`?'),
        hint: expect.any(String),
      },
      warnings: [],
    })
  })

  test('error documents have the documented envelope', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'bad.yml'), 'listner: {}\n')
    for (const args of [
      ['status', '--bogus', '--json'],
      ['config', 'validate', '--config', join(dir, 'bad.yml'), '--json'],
      ['trigger', '--json'],
      ['nope', '--json'],
    ]) {
      const result = await runCli(args, { cwd: dir })
      const document = JSON.parse(result.stdout) as Record<string, unknown>
      expect(Object.keys(document).sort(), args.join(' ')).toEqual(['error', 'exitCode', 'ok', 'warnings'])
      expect(document).toMatchObject({
        ok: false,
        exitCode: result.code,
        error: { exitCode: result.code, code: expect.any(String), message: expect.any(String) },
        warnings: [],
      })
    }
  })

  test('doctor --fix with no terminal and no --yes says to add --yes', async () => {
    const dir = tempDir()
    const file = join(dir, 'aircall-intercom.yml')
    writeFileSync(file, 'tags:\n  map:\n    - { tag: VIP, attribute: polish_vip_flag, type: boolean }\n')
    const result = await runCli(['doctor', '--fix', '--config', file], {
      cwd: dir,
      env: sandboxEnv(sandbox(), { INTERCOM_ADMIN_ID: sandbox().intercom.adminId }),
    })
    expect(result.stdout).toContain('Can be fixed with `doctor --fix --yes` (add --yes')
    expect(result.stdout).not.toContain('Can be fixed with `doctor --fix`:')
    expect(result.stderr).toContain('add --yes')
  })

  test('demo refuses --config and --state instead of ignoring them', async () => {
    for (const flag of ['--config', '--state']) {
      const result = await runCli(['demo', flag, 'x.yml'])
      expect(result.code).toBe(2)
      expect(result.stderr).toContain(`${flag} would be ignored`)
    }
  })
})

describe('--env-file', () => {
  test('every command reads credentials and paths from a file; the shell wins; secrets stay redacted', async () => {
    const dir = tempDir()
    const box = sandbox()
    const config = join(dir, 'prod.yml')
    writeFileSync(config, 'matching:\n  defaultCountry: FR\n')
    const envFile = join(dir, 'aircall-intercom.env')
    writeFileSync(
      envFile,
      [
        '# read by cron: aircall-intercom sync --env-file /etc/aircall-intercom.env',
        `AIRCALL_INTERCOM_CONFIG=${config}`,
        `AIRCALL_INTERCOM_STATE=${join(dir, 'state.sqlite')}`,
        ...Object.entries(sandboxEnv(box, { INTERCOM_ADMIN_ID: box.intercom.adminId })).map(
          ([name, value]) => `${name}="${value}"`,
        ),
        '',
      ].join('\n'),
    )
    chmodSync(envFile, 0o600)
    const doctor = await runCli(['doctor', '--env-file', envFile, '--json'], { cwd: dir })
    const checks = parse<{ checks: Array<{ id: string; status: string }> }>(doctor.stdout).result.checks
    expect(checks.find((check) => check.id === 'config')?.status).toBe('pass')
    expect(checks.find((check) => check.id === 'aircall-credentials')?.status).toBe('pass')
    expect(checks.find((check) => check.id === 'intercom-credentials')?.status).toBe('pass')
    expect(doctor.stdout).not.toContain(box.intercom.accessToken)

    // A variable already set in the environment wins over the file's.
    const shown = await runCli(['config', 'show', '--sources', `--env-file=${envFile}`], {
      cwd: dir,
      env: { INTERCOM_ADMIN_ID: '999' },
    })
    expect(shown.code).toBe(0)
    expect(shown.stdout).toMatch(/^# .*prod\.yml$/m)
    expect(shown.stdout).toMatch(/^intercom\.adminId\s+999\s+env INTERCOM_ADMIN_ID$/m)
    expect(shown.stdout).toMatch(/^matching\.defaultCountry\s+FR\s+file /m)
    expect(shown.stdout + shown.stderr).not.toContain(box.aircall.apiToken)
    expect(shown.stderr).toBe('')
  })

  test('a missing file exits 2 naming it; a file others can read is a warning', async () => {
    const dir = tempDir()
    const missing = await runCli(['status', '--env-file', join(dir, 'nope.env'), '--json'], { cwd: dir })
    if (Number(process.versions.node.split('.')[0]) < 22) {
      // Node 20 reads --env-file even after the script's name and stops first (nodejs/node#54232, fixed in 22).
      expect(missing.code).toBe(9)
      expect(missing.stderr).toContain(`${join(dir, 'nope.env')}: not found`)
    } else {
      expect(missing.code).toBe(2)
      expect(parse(missing.stdout).error).toMatchObject({
        code: 'file_not_found',
        message: expect.stringContaining('nope.env: no such file'),
      })
    }
    const open = join(dir, 'open.env')
    writeFileSync(open, 'INTERCOM_ADMIN_ID=1\n')
    chmodSync(open, 0o644)
    const warned = await runCli(['config', 'validate', '--env-file', open], { cwd: dir })
    expect(warned.code).toBe(0)
    expect(warned.stderr).toContain(`warning: ${open} can be read by other users and may hold credentials: chmod 600`)
  })
})
