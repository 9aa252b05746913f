import { BaseCommand } from '../../cli/base-command.js'
import { validateConfig, type ValidateResult } from '../../app/config-service.js'

export default class ConfigValidate extends BaseCommand {
  static override summary = 'Check the configuration file and environment; list every problem with its key path.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --config prod.yml --json',
  ]

  async run(): Promise<void> {
    const { flags } = await this.parse(ConfigValidate)
    const result = validateConfig(this.loadConfig(flags))
    for (const missing of result.missingCredentials) this.addWarning(`not set: ${missing}`)
    this.finish({ result, text: renderValidate })
  }
}

const renderValidate = (result: ValidateResult): string =>
  [
    `✓ ${result.file ?? `${result.expectedFile} (not found: defaults and environment)`} is valid`,
    `  state store: ${result.statePath}`,
    `  rules enabled: ${result.enabled.length > 0 ? result.enabled.join(', ') : 'none'}`,
  ].join('\n')
