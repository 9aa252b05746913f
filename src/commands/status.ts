import { BaseCommand } from '../cli/base-command.js'
import { renderStatus } from '../cli/render-status.js'
import { readStatus } from '../app/status-service.js'

export default class Status extends BaseCommand {
  static override summary =
    'Show what the state store holds (synced, pending, failed, checkpoints, queue depth) and which listeners and sync work on it.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<void> {
    const { flags } = await this.parse(Status)
    this.finish({ result: await readStatus(this.loadConfig(flags)), text: renderStatus })
  }
}
