import { Flags } from '@oclif/core'
import { replayEvents } from '../../app/events.js'
import { BaseCommand } from '../../cli/base-command.js'
import { eventIdArg } from '../../cli/flags.js'
import { runExitCode } from '../../cli/exit-codes.js'
import { renderReplay } from '../../cli/render-events.js'
import { UserError } from '../../errors.js'

export default class EventsReplay extends BaseCommand {
  static override summary = 'Put dead (or done) events back in the queue; --process runs them now.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> 42 43',
    '<%= config.bin %> <%= command.id %> --all-dead --process --json',
  ]

  static override args = {
    ids: eventIdArg({ description: 'Ids of the events to replay (see `events list`).', multiple: true }),
  }

  static override flags = {
    'all-dead': Flags.boolean({ description: 'Replay every dead-lettered event.', default: false }),
    process: Flags.boolean({
      description: 'Run the worker here until the replayed events are done or dead again (stop `listen` first).',
      default: false,
    }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(EventsReplay)
    const ids = args.ids ?? []
    // oclif relates flags to flags only: an argument against a flag is checked here.
    if (ids.length > 0 && flags['all-dead']) throw new UserError('pass event ids or --all-dead, not both')
    const result = await this.withRuntime(flags, (runtime) =>
      replayEvents(runtime, {
        ids,
        allDead: flags['all-dead'],
        process: flags.process,
        onEvent: (event) => {
          if (event.type === 'processed') this.note(`processed #${event.id} ${event.eventType}: ${event.summary}`)
          if (event.type === 'dead-lettered') this.note(`dead-lettered #${event.id}: ${event.error}`)
        },
      }),
    )
    const exitCode = runExitCode({ deadLetters: result.processed?.dead.length })
    this.finish({ result, text: renderReplay, exitCode })
  }
}
