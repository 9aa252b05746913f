import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { sandboxEnv, sandboxSecrets, useSandbox } from './sandbox-env.js'

const tempDir = useTempDir()
const sandbox = useSandbox()

describe('init without prompts', () => {
  test('--yes with flags writes a commented file that `config validate` accepts, with the token’s admin', async () => {
    const cwd = tempDir()
    const init = await runCli(
      [
        'init',
        '--yes',
        '--json',
        '--region',
        'eu',
        '--default-country',
        'fr',
        '--log-mode',
        'note',
        '--tag-map',
        'VIP=aircall_vip:boolean',
        '--tag-map',
        'billing=last_topic:string:conversation',
        '--missed-call-message',
        'Sorry we missed you, {{ caller.name }}',
      ],
      { cwd, env: sandboxEnv(sandbox()) },
    )
    expect(init.code).toBe(0)
    const document = JSON.parse(init.stdout) as {
      ok: boolean
      result: { file: string; answers: Record<string, unknown> }
    }
    expect(document.ok).toBe(true)
    const me = sandbox().world.intercom.admins.map((admin) => admin.id)
    expect(me).toContain(document.result.answers.adminId)
    const text = readFileSync(join(cwd, 'aircall-intercom.yml'), 'utf8')
    expect(text).toContain('# Where the workspace is hosted')
    expect(text).toContain('region: eu')
    for (const secret of sandboxSecrets(sandbox())) {
      expect(text).not.toContain(secret)
      expect(init.stdout + init.stderr).not.toContain(secret)
    }

    // Validated with no environment at all: the file stands on its own.
    const validate = await runCli(['config', 'validate', '--json'], { cwd })
    expect(validate.code).toBe(0)
    expect(JSON.parse(validate.stdout).result.enabled).toEqual(['missedCalls', 'vip', 'tags', 'insights', 'voicemail'])
    const show = await runCli(['config', 'show', '--json'], { cwd })
    const config = JSON.parse(show.stdout).result.config
    expect(config.matching.defaultCountry).toBe('FR')
    expect(config.tags.map).toEqual([
      { tag: 'VIP', attribute: 'aircall_vip', type: 'boolean', target: 'contact' },
      { tag: 'billing', attribute: 'last_topic', type: 'string', target: 'conversation' },
    ])
  })

  test('refuses to overwrite without --force (exit 2, file untouched), then overwrites with it', async () => {
    const cwd = tempDir()
    const file = join(cwd, 'custom.yml')
    writeFileSync(file, 'intercom:\n  region: au\n')
    const refused = await runCli(['init', '--output', 'custom.yml', '--no-vip'], { cwd })
    expect(refused.code).toBe(2)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toContain('custom.yml already exists')
    expect(refused.stderr).toContain('Hint: pass --force')
    expect(readFileSync(file, 'utf8')).toBe('intercom:\n  region: au\n')

    const forced = await runCli(['init', '--output', 'custom.yml', '--force', '--no-vip'], { cwd })
    expect(forced.code).toBe(0)
    expect(forced.stdout).toContain('✓ Overwrote custom.yml')
    expect(readFileSync(file, 'utf8')).toContain('vip:\n  enabled: false')
  })

  test('without credentials and without a terminal, the API listings are skipped with warnings', async () => {
    const cwd = tempDir()
    const result = await runCli(['init', '--json'], { cwd })
    expect(result.code).toBe(0)
    const document = JSON.parse(result.stdout) as {
      warnings: string[]
      result: { answers: { adminId: string | null } }
    }
    expect(document.result.answers.adminId).toBeNull()
    expect(document.warnings).toEqual([
      'INTERCOM_ACCESS_TOKEN is not set: Intercom admins and attributes are not listed',
      'AIRCALL_API_ID / AIRCALL_API_TOKEN are not set: Aircall tags are not listed',
    ])
    expect(existsSync(join(cwd, 'aircall-intercom.yml'))).toBe(true)
    expect((await runCli(['config', 'validate'], { cwd })).code).toBe(0)
  })
})
