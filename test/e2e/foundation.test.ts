import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

const SECRETS = {
  AIRCALL_API_ID: 'aircall-id-5f1e2d',
  AIRCALL_API_TOKEN: 'aircall-token-9a8b7c6d',
  AIRCALL_WEBHOOK_TOKEN: 'webhook-token-0011aa',
  INTERCOM_ACCESS_TOKEN: 'dG9rOmludGVyY29tLXNlY3JldA==',
  INTERCOM_CLIENT_SECRET: 'client-secret-77e6f5',
}

const expectNoSecret = (...outputs: string[]): void => {
  for (const output of outputs) {
    for (const secret of Object.values(SECRETS)) expect(output).not.toContain(secret)
  }
}

describe('foundation commands through the built CLI', () => {
  test('config validate on a file with three mistakes exits 2 and names all three key paths', async () => {
    const cwd = tempDir()
    writeFileSync(
      join(cwd, 'bad.yml'),
      ['intercom:', '  region: mars', 'tags:', '  map:', '    - tag: VIP', 'listner:', '  port: 3000'].join('\n'),
    )
    const result = await runCli(['config', 'validate', '--config', 'bad.yml'], { cwd })
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('bad.yml:intercom.region: must be one of "us", "eu", "au" (got "mars")')
    expect(result.stderr).toContain('bad.yml:tags.map[0].attribute: Required')
    expect(result.stderr).toContain('bad.yml:listner: unknown key (did you mean "listener"?)')

    const json = await runCli(['config', 'validate', '--config', 'bad.yml', '--json'], { cwd })
    expect(json.code).toBe(2)
    const document = JSON.parse(json.stdout) as {
      ok: boolean
      error: { code: string; problems: Array<{ path: string }> }
    }
    expect(document.ok).toBe(false)
    expect(document.error.code).toBe('config_invalid')
    expect(document.error.problems.map((problem) => problem.path)).toEqual([
      'intercom.region',
      'tags.map[0].attribute',
      'listner',
    ])
  })

  test('no secret appears in config show, --json output or error messages', async () => {
    const cwd = tempDir()
    writeFileSync(
      join(cwd, 'aircall-intercom.yml'),
      'aircall:\n  apiToken: ${AIRCALL_API_TOKEN}\nintercom:\n  accessToken: ${INTERCOM_ACCESS_TOKEN}\n  adminId: "42"\n',
    )
    const env = { ...SECRETS }
    const show = await runCli(['config', 'show'], { cwd, env })
    expect(show.code).toBe(0)
    expect(show.stdout).toContain('accessToken: "***"')
    const showJson = await runCli(['config', 'show', '--json'], { cwd, env })
    expect(JSON.parse(showJson.stdout).result.config.aircall.apiToken).toBe('***')
    const validate = await runCli(['config', 'validate', '--json'], { cwd, env })
    const status = await runCli(['status', '--json'], { cwd, env })

    // An error whose text would contain a secret (a bad file path named after it) is redacted too.
    const failing = await runCli(['config', 'validate', '--config', `${SECRETS.AIRCALL_API_TOKEN}.yml`], { cwd, env })
    expect(failing.code).toBe(2)
    expect(failing.stderr).toContain('***.yml: file not found')
    expectNoSecret(
      show.stdout,
      show.stderr,
      showJson.stdout,
      showJson.stderr,
      validate.stdout,
      validate.stderr,
      status.stdout,
      status.stderr,
      failing.stdout,
      failing.stderr,
    )
  })

  test('with no config file, commands run on defaults and say which file they would read', async () => {
    const cwd = tempDir()
    const result = await runCli(['config', 'validate'], { cwd })
    expect(result.code).toBe(0)
    expect(result.stderr).toContain(`No config file at ${join(cwd, 'aircall-intercom.yml')}`)
    expect(result.stderr).toContain('warning: not set: intercom.accessToken (INTERCOM_ACCESS_TOKEN)')
    expect(result.stdout).toContain('(not found: defaults and environment) is valid')

    const json = await runCli(['config', 'validate', '--json'], { cwd })
    const document = JSON.parse(json.stdout) as { ok: boolean; warnings: string[]; result: { file: null } }
    expect(document.ok).toBe(true)
    expect(document.result.file).toBeNull()
    expect(document.warnings).toContain('not set: intercom.accessToken (INTERCOM_ACCESS_TOKEN)')
    expect(json.stderr).toBe('')
  })

  test('status reports an empty store without creating it; bad usage exits 2', async () => {
    const cwd = tempDir()
    const status = await runCli(['status', '--json', '--state', 'x/state.sqlite'], { cwd })
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout).result).toMatchObject({ exists: false, statePath: join(cwd, 'x/state.sqlite') })

    const usage = await runCli(['status', '--no-such-flag'], { cwd })
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain('Nonexistent flag: --no-such-flag')
  })
})
