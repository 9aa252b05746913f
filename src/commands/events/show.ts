import { showEvent } from '../../app/events.js'
import { BaseCommand } from '../../cli/base-command.js'
import { eventIdArg } from '../../cli/flags.js'
import { renderEventDetail } from '../../cli/render-events.js'

export default class EventsShow extends BaseCommand {
  static override summary =
    'Show one webhook event: its state, the trail of rules it went through, the objects it wrote, its payload.'
  static override examples = ['<%= config.bin %> <%= command.id %> 42', '<%= config.bin %> <%= command.id %> 42 --json']

  static override args = {
    id: eventIdArg({ description: 'Event id (see `events list`).', required: true }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(EventsShow)
    const result = await this.withRuntime(flags, (runtime) => showEvent(runtime, args.id))
    this.finish({ result, text: renderEventDetail })
  }
}
