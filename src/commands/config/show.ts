import { Flags } from '@oclif/core'
import { stringify } from 'yaml'
import { BaseCommand } from '../../cli/base-command.js'
import { showConfig, type ShowResult } from '../../app/config-service.js'
import type { ValueOrigin } from '../../config/loader.js'

export default class ConfigShow extends BaseCommand {
  static override summary = 'Print the effective configuration (file + environment + defaults) with secrets redacted.'
  static override description =
    'With --sources, one line per value with where it came from: the file and key path (and the variable a ' +
    '${NAME} reference reads), the environment variable that replaced or supplied it, a flag, or the default. ' +
    'Under --json the result always carries `values` (key, value, origin) and `overrides` (file values the ' +
    'environment replaced).'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --sources',
    '<%= config.bin %> <%= command.id %> --json',
  ]

  static override flags = {
    sources: Flags.boolean({ description: 'Show where each value came from instead of the YAML.', default: false }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(ConfigShow)
    const result = showConfig(this.loadConfig(flags))
    this.finish({ result, text: flags.sources ? renderSources : renderYaml })
  }
}

const renderYaml = (shown: ShowResult): string =>
  `# ${shown.file ?? `${shown.expectedFile} (not found)`}\n# state store: ${shown.statePath}\n${stringify(shown.config)}`

const clip = (text: string, width: number): string => (text.length <= width ? text : `${text.slice(0, width - 1)}…`)

const describeValue = (value: unknown): string =>
  typeof value === 'string' ? (value.includes('\n') ? JSON.stringify(value) : value) : JSON.stringify(value)

const describeOrigin = (origin: ValueOrigin, overridden: string | undefined): string => {
  switch (origin.kind) {
    case 'default':
      return 'default'
    case 'flag':
      return `flag ${origin.flag}`
    case 'file':
      return `file ${origin.file}:${origin.path}${origin.variable ? ` (\${${origin.variable}})` : ''}`
    case 'env':
      return `env ${origin.variable}${overridden ? ` (overrides ${overridden})` : ''}`
  }
}

const renderSources = (shown: ShowResult): string => {
  const overridden = new Map(shown.overrides.map((override) => [override.path, `${override.file}:${override.path}`]))
  const rows = shown.values.map((entry) => [
    entry.key,
    clip(describeValue(entry.value), 48),
    describeOrigin(entry.origin, overridden.get(entry.key)),
  ])
  const keyWidth = Math.max(...rows.map((row) => row[0]?.length ?? 0))
  const valueWidth = Math.max(...rows.map((row) => row[1]?.length ?? 0))
  const lines = rows.map(([key = '', value = '', origin = '']) =>
    `${key.padEnd(keyWidth)}  ${value.padEnd(valueWidth)}  ${origin}`.trimEnd(),
  )
  return [`# ${shown.file ?? `${shown.expectedFile} (not found: defaults and environment)`}`, ...lines].join('\n')
}
