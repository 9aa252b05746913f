import { execFile } from 'node:child_process'
import { copyFileSync, readFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, test } from 'vitest'
import { REPO_ROOT, runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()
const README = join(REPO_ROOT, 'README.md')
const START = '<!-- commands -->'
const END = '<!-- commandsstop -->'

/** The text `oclif readme` owns: from the start marker to the end marker, both included. */
const reference = (readme: string): string => {
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  if (start < 0 || end < start) throw new Error(`README.md needs ${START} followed by ${END}`)
  return readme.slice(start, end + END.length)
}

/**
 * `npm run readme` (oclif readme over the built manifest) writing into a copy of README.md. --ignore-scripts skips
 * only `prereadme` (the build: the e2e project runs after one); the script itself still runs, with its own options.
 * COLUMNS is set to something else on purpose: the script pins the width, so a reader's terminal cannot reflow it.
 */
const generate = async (): Promise<string> => {
  const copy = join(tempDir(), 'README.md')
  copyFileSync(README, copy)
  await promisify(execFile)('npm', ['run', '--silent', '--ignore-scripts', 'readme', '--', '--readme-path', copy], {
    cwd: REPO_ROOT,
    env: { ...process.env, COLUMNS: '63' },
    timeout: 60_000,
  })
  return readFileSync(copy, 'utf8')
}

describe('help and completion', () => {
  let committed = ''
  let generated = ''
  beforeAll(async () => {
    committed = readFileSync(README, 'utf8')
    generated = await generate()
  })

  test('the README command reference is what `oclif readme` generates from the built commands', () => {
    expect(reference(generated), 'README.md is out of date: run `npm run readme` and commit README.md').toBe(
      reference(committed),
    )
    // oclif readme rewrites only between the markers (and the file's final newline).
    expect(generated).toBe(committed)
  })

  test('every command of the manifest has a section with usage, flags and examples, the bin filled in', () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { hidden?: boolean; examples?: unknown[] }>
    }
    const ids = Object.keys(manifest.commands).filter((id) => !manifest.commands[id]?.hidden)
    expect(ids).toEqual(expect.arrayContaining(['init', 'doctor', 'webhooks:register']))
    const text = reference(generated)
    for (const id of [...ids, 'help', 'autocomplete']) {
      expect(text).toMatch(new RegExp(`^## \`aircall-intercom ${id.replaceAll(':', ' ')}( |\`)`, 'm'))
      expect(text).toContain(`  $ aircall-intercom ${id.replaceAll(':', ' ')}`)
    }
    expect(text).toContain('## `aircall-intercom init`')
    expect(text).toContain('  $ aircall-intercom init [--json] [--config FILE]')
    expect(text).toMatch(/--tag-map=MAPPING\.\.\. +Aircall tag → Intercom attribute/)
    expect(text).toContain('<options: us|eu|au>')
    expect(text).toContain('--[no-]vip')
    expect(text).toContain('  $ aircall-intercom init --yes --region eu')
    expect(text).not.toContain('<%=')
  })

  test('the reference names nothing of the machine or the moment: no paths, versions or source links', () => {
    const text = reference(generated)
    for (const local of [REPO_ROOT, homedir(), tmpdir(), process.version]) expect(text).not.toContain(local)
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
    expect(text).not.toContain(`aircall-intercom/${version}`)
    // Source links would carry each plugin's version (`…/blob/v3.2.56/…`): a dependency bump would stale the README.
    expect(text).not.toContain('_See code')
    expect(text).not.toContain('/blob/')
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
