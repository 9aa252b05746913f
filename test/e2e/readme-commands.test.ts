import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { commandSections, readmeSections, renderReference, replaceReference } from '../../scripts/readme-commands.js'
import { REPO_ROOT, runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

describe('help and completion', () => {
  test('the README command reference matches every built command’s metadata', async () => {
    const sections = await commandSections()
    expect(sections.map((section) => section.id)).toEqual(
      expect.arrayContaining(['init', 'doctor', 'webhooks register']),
    )
    const documented = readmeSections(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'))
    // Only commands present in dist are compared: a command still being written elsewhere is not this test's concern.
    const stale = sections
      .filter((section) => documented.get(section.name) !== section.markdown)
      .map((section) => section.name)
    expect(stale, 'README.md is out of date: run `npm run build && npx tsx scripts/readme-commands.ts`').toEqual([])
  })

  test('each section has usage, flags with descriptions, and examples with the bin filled in', async () => {
    const init = (await commandSections()).find((section) => section.id === 'init')
    expect(init?.markdown).toContain('### `aircall-intercom init`')
    expect(init?.markdown).toContain('  $ aircall-intercom init [--json] [--config FILE]')
    expect(init?.markdown).toMatch(/--tag-map=MAPPING\.\.\. +Aircall tag → Intercom attribute/)
    expect(init?.markdown).toContain('--region=us|eu|au')
    expect(init?.markdown).toContain('--[no-]vip')
    expect(init?.markdown).toContain('  $ aircall-intercom init --yes --region eu')
    expect(init?.markdown).not.toContain('<%=')
  })

  test('regenerating replaces only the text between the markers', () => {
    const readme = 'intro\n<!-- commands -->\nold\n<!-- commandsstop -->\noutro\n'
    const section = { id: 'x', name: 'aircall-intercom x', markdown: '### `aircall-intercom x`\n\nDoes x.' }
    const updated = replaceReference(readme, renderReference([section]))
    expect(updated.startsWith('intro\n<!-- commands -->\n')).toBe(true)
    expect(updated.endsWith('<!-- commandsstop -->\noutro\n')).toBe(true)
    expect(updated).not.toContain('old')
    expect(readmeSections(updated).get('aircall-intercom x')).toBe(section.markdown)
  })

  test('`autocomplete` prints setup instructions and builds completions that know the commands', async () => {
    const home = tempDir()
    const env = { HOME: home, XDG_CACHE_HOME: join(home, '.cache') }
    const instructions = await runCli(['autocomplete', 'bash'], { env })
    expect(instructions.code).toBe(0)
    expect(instructions.stdout).toContain('aircall-intercom autocomplete script bash')
    const refresh = await runCli(['autocomplete', '--refresh-cache'], { env })
    expect(refresh.code).toBe(0)
    const bash = readFileSync(
      join(home, '.cache/aircall-intercom/autocomplete/functions/bash/aircall-intercom.bash'),
      'utf8',
    )
    expect(bash).toContain('doctor --json --config --state --env-file --listener-url --fix --yes --timeout')
    expect(bash).toContain('webhooks:register')
  })

  test('`init --help` shows the flags and examples', async () => {
    const help = await runCli(['init', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('--missed-call-message')
    expect(help.stdout).toContain('$ aircall-intercom init --yes --region eu')
  })
})
