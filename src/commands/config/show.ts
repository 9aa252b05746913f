import { stringify } from 'yaml'
import { BaseCommand } from '../../cli/base-command.js'
import { showConfig } from '../../app/config-service.js'

export default class ConfigShow extends BaseCommand {
  static override summary = 'Print the effective configuration (file + environment + defaults) with secrets redacted.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<void> {
    const { flags } = await this.parse(ConfigShow)
    const result = showConfig(this.loadConfig(flags))
    this.finish({
      result,
      text: (shown) =>
        `# ${shown.file ?? `${shown.expectedFile} (not found)`}\n# state store: ${shown.statePath}\n${stringify(shown.config)}`,
    })
  }
}
