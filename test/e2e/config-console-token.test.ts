import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()
const TOKEN = 'console-token-5f1e9c2a7b'

describe('listener.consoleToken is never printed (built CLI)', () => {
  test('config show hides it in YAML, --sources and --json, whether written inline or read from a variable', async () => {
    for (const written of [TOKEN, '${CONSOLE_TOKEN_UNDER_TEST}']) {
      const cwd = tempDir()
      writeFileSync(join(cwd, 'aircall-intercom.yml'), `listener:\n  consoleToken: "${written}"\n`)
      const env = { CONSOLE_TOKEN_UNDER_TEST: TOKEN }
      const yaml = await runCli(['config', 'show'], { cwd, env })
      expect(yaml.code).toBe(0)
      expect(yaml.stdout).toMatch(/consoleToken: "\*\*\*"/)
      const sources = await runCli(['config', 'show', '--sources'], { cwd, env })
      expect(sources.code).toBe(0)
      expect(sources.stdout).toMatch(/listener\.consoleToken\s+\*\*\*/)
      const json = await runCli(['config', 'show', '--json'], { cwd, env })
      expect(json.code).toBe(0)
      const shown = JSON.parse(json.stdout) as {
        result: { config: { listener: { consoleToken?: string } }; values: Array<{ key: string; value: unknown }> }
      }
      expect(shown.result.config.listener.consoleToken).toBe('***')
      expect(shown.result.values.find((entry) => entry.key === 'listener.consoleToken')?.value).toBe('***')
      for (const output of [yaml, sources, json]) expect(output.stdout + output.stderr).not.toContain(TOKEN)
    }
  }, 60_000)

  test('any text that would contain it is redacted, as a credential is', async () => {
    const cwd = tempDir()
    writeFileSync(join(cwd, 'aircall-intercom.yml'), `listener:\n  consoleToken: "${TOKEN}"\n`)
    // A state path named after the token: printed by validate, masked like every credential.
    const failing = await runCli(['config', 'validate', '--state', join(cwd, TOKEN, 'missing', 'state.db')], {
      cwd,
    })
    expect(failing.stdout + failing.stderr).not.toContain(TOKEN)
  }, 60_000)
})
