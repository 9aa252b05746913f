import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../helpers/run-cli.js'

// Like sf's command snapshot: every command's flags and arguments as the built manifest declares them. A flag
// removed, renamed or retyped is a change scripts and cron lines would feel, so it must be made on purpose:
// after a deliberate change, `npx vitest run test/e2e/command-snapshot.test.ts -u` and commit the snapshot.
type ManifestFlag = {
  name: string
  type: 'boolean' | 'option'
  char?: string
  required?: boolean
  multiple?: boolean
  options?: string[]
  env?: string
  exclusive?: string[]
  dependsOn?: string[]
  relationships?: Array<{ type: string; flags: Array<string | { name: string }> }>
}
type ManifestCommand = {
  id: string
  flags: Record<string, ManifestFlag>
  args: Record<string, { name: string; required?: boolean }>
  strict?: boolean
}

function commandSnapshot(): Record<string, unknown> {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as {
    commands: Record<string, ManifestCommand>
  }
  const snapshot: Record<string, unknown> = {}
  for (const id of Object.keys(manifest.commands).sort()) {
    const command = manifest.commands[id]!
    snapshot[id.replaceAll(':', ' ')] = {
      args: Object.values(command.args).map((arg) => `${arg.name}${arg.required ? '' : '?'}`),
      variadic: command.strict === false,
      flags: Object.fromEntries(
        Object.values(command.flags)
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((flag) => [
            flag.name,
            [
              flag.type,
              flag.char ? `-${flag.char}` : '',
              flag.required ? 'required' : '',
              flag.multiple ? 'multiple' : '',
              flag.options ? `options=${flag.options.join('|')}` : '',
              flag.env ? `env=${flag.env}` : '',
              flag.exclusive?.length ? `exclusive=${flag.exclusive.join('|')}` : '',
              flag.dependsOn?.length ? `dependsOn=${flag.dependsOn.join('|')}` : '',
              ...(flag.relationships ?? []).map(
                (rule) =>
                  `${rule.type}=${rule.flags.map((other) => (typeof other === 'string' ? other : other.name)).join('|')}`,
              ),
            ]
              .filter(Boolean)
              .join(' '),
          ]),
      ),
    }
  }
  return snapshot
}

describe('command snapshot', () => {
  it('every command keeps its flags and arguments', async () => {
    await expect(JSON.stringify(commandSnapshot(), null, 2) + '\n').toMatchFileSnapshot('command-snapshot.json')
  })
})
