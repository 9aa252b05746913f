/**
 * Regenerates the README's command reference (between `<!-- commands -->` and `<!-- commandsstop -->`) from the
 * commands' own metadata, so the reference cannot drift from `--help`. Run after `npm run build`:
 * `npx tsx scripts/readme-commands.ts` (add `--check` to exit 1 instead of writing when README is out of date).
 * oclif's Config reads `oclif.manifest.json` when present and otherwise imports each compiled command from
 * `dist/commands/**`; plugin commands (help, autocomplete) are documented by their plugins and left out.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Config, type Command } from '@oclif/core'

export const START_MARKER = '<!-- commands -->'
export const END_MARKER = '<!-- commandsstop -->'
const ROOT = fileURLToPath(new URL('..', import.meta.url))

export interface CommandSection {
  id: string
  /** `aircall-intercom config validate` */
  name: string
  markdown: string
}

type CachedFlag = Command.Loadable['flags'][string]
type Example = string | { command: string; description: string }

const fill = (template: string, bin: string, id: string): string =>
  template.replaceAll('<%= config.bin %>', bin).replaceAll('<%= command.id %>', id)

const flagValue = (flag: CachedFlag): string => {
  if (flag.type !== 'option') return ''
  if (flag.options && flag.options.length > 0) return `=${flag.options.join('|')}`
  const help = Array.isArray(flag.helpValue) ? flag.helpValue.join(' ') : flag.helpValue
  return `=${help ?? '<value>'}`
}

const flagName = (flag: CachedFlag): string => {
  const long = flag.type === 'boolean' && flag.allowNo ? `--[no-]${flag.name}` : `--${flag.name}`
  return `${flag.char ? `-${flag.char}, ` : '    '}${long}${flagValue(flag)}${flag.type === 'option' && flag.multiple ? '...' : ''}`
}

const usageOf = (command: Command.Loadable, name: string): string => {
  const args = Object.values(command.args ?? {}).map((arg) =>
    arg.required ? arg.name.toUpperCase() : `[${arg.name.toUpperCase()}]`,
  )
  const flags = Object.values(command.flags)
    .filter((flag) => !flag.hidden)
    .map((flag) => {
      const text = `--${flag.name}${flagValue(flag).replace(/^=/, ' ')}`
      return flag.required ? text : `[${text}]`
    })
  return ['$', name, ...args, ...flags].join(' ')
}

const flagLines = (command: Command.Loadable): string[] => {
  const flags = Object.values(command.flags)
    .filter((flag) => !flag.hidden)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const names = flags.map(flagName)
  const width = Math.max(0, ...names.map((name) => name.length))
  return flags.map((flag, index) => {
    const defaultValue =
      flag.type === 'option' && flag.default !== undefined && typeof flag.default !== 'function'
        ? ` [default: ${String(flag.default)}]`
        : ''
    const env = flag.env ? ` [env: ${flag.env}]` : ''
    return `  ${(names[index] ?? '').padEnd(width)}  ${flag.description ?? ''}${defaultValue}${env}`
  })
}

export const renderCommand = (command: Command.Loadable, bin: string, separator: string): CommandSection => {
  const id = command.id.replaceAll(':', separator)
  const name = `${bin} ${id}`
  const block: string[] = ['USAGE', `  ${usageOf(command, name)}`]
  const args = Object.values(command.args ?? {})
  if (args.length > 0) {
    block.push('', 'ARGUMENTS')
    for (const arg of args) block.push(`  ${arg.name.toUpperCase()}  ${arg.description ?? ''}`)
  }
  const flags = flagLines(command)
  if (flags.length > 0) block.push('', 'FLAGS', ...flags)
  const examples = ((command.examples ?? []) as Example[]).map((example) =>
    typeof example === 'string' ? { command: example, description: '' } : example,
  )
  if (examples.length > 0) {
    block.push('', 'EXAMPLES')
    for (const example of examples) {
      if (example.description) block.push(`  ${fill(example.description, bin, id)}`)
      block.push(`  $ ${fill(example.command, bin, id)}`)
    }
  }
  const lines = [`### \`${name}\``, '']
  if (command.summary) lines.push(command.summary, '')
  if (command.description) lines.push(fill(command.description, bin, id), '')
  lines.push('```', ...block, '```')
  return { id, name, markdown: lines.join('\n') }
}

/** One section per command of this package (dist or manifest), sorted by command id. */
export const commandSections = async (root = ROOT): Promise<CommandSection[]> => {
  const config = await Config.load(root)
  const separator = config.topicSeparator
  return config.commands
    .filter((command) => command.pluginName === config.name && !command.hidden)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((command) => renderCommand(command, config.bin, separator))
}

export const renderReference = (sections: CommandSection[]): string =>
  [
    '',
    ...sections.map((section) => `- [\`${section.name}\`](#${section.name.replaceAll(' ', '-').toLowerCase()})`),
    '',
    ...sections.map((section) => `${section.markdown}\n`),
  ].join('\n')

/** The README with the reference between the markers replaced. */
export const replaceReference = (readme: string, reference: string): string => {
  const start = readme.indexOf(START_MARKER)
  const end = readme.indexOf(END_MARKER)
  if (start < 0 || end < start) throw new Error(`README.md needs ${START_MARKER} followed by ${END_MARKER}`)
  return `${readme.slice(0, start + START_MARKER.length)}\n${reference}${readme.slice(end)}`
}

/** The sections currently in the README, by command name (`### \`bin id\`` up to the next heading). */
export const readmeSections = (readme: string): Map<string, string> => {
  const start = readme.indexOf(START_MARKER)
  const end = readme.indexOf(END_MARKER)
  const body = start >= 0 && end > start ? readme.slice(start + START_MARKER.length, end) : ''
  const sections = new Map<string, string>()
  for (const chunk of body.split(/\n(?=### `)/)) {
    const heading = /^### `([^`]+)`/.exec(chunk.trimStart())
    if (heading?.[1]) sections.set(heading[1], chunk.trim())
  }
  return sections
}

const main = async (): Promise<void> => {
  const readmePath = join(ROOT, 'README.md')
  const readme = readFileSync(readmePath, 'utf8')
  const updated = replaceReference(readme, renderReference(await commandSections()))
  if (process.argv.includes('--check')) {
    if (updated !== readme) {
      console.error('README.md command reference is out of date: run `npx tsx scripts/readme-commands.ts`')
      process.exitCode = 1
    }
    return
  }
  writeFileSync(readmePath, updated)
  console.log(`README.md: command reference ${updated === readme ? 'already up to date' : 'updated'}`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
