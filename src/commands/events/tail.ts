import { Flags } from '@oclif/core'
import { tailEvents } from '../../app/events.js'
import { BaseCommand } from '../../cli/base-command.js'
import { AGE_INVALID, durationFlag } from '../../cli/flags.js'
import { renderTailed } from '../../cli/render-events.js'

export default class EventsTail extends BaseCommand {
  static override summary =
    'Follow events as they are processed: each one done (with its trail) or dead (with its error).'
  static override description =
    'Reads the store beside a running `listen` (read-only: it changes nothing) and prints one line per event that becomes done or dead from now on, until Ctrl-C. With --json, one JSON object per line (NDJSON).'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json | jq .summary',
    '<%= config.bin %> <%= command.id %> --since 10m --count 20',
  ]

  static override flags = {
    since: durationFlag({
      description: 'Start this long ago instead of now (45s, 30m, 12h, 7d).',
      helpValue: 'AGE',
      bareNumber: 'refused',
      invalid: AGE_INVALID,
    }),
    count: Flags.integer({ description: 'Stop after this many events.', min: 1 }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(EventsTail)
    const stop = new AbortController()
    const abort = (): void => stop.abort()
    process.once('SIGINT', abort)
    process.once('SIGTERM', abort)
    try {
      await this.withRuntime(flags, (runtime) =>
        tailEvents(runtime, {
          signal: stop.signal,
          max: flags.count,
          sinceMs: flags.since?.ms,
          onEvent: (event) => this.stdout(this.isJson ? JSON.stringify(event) : renderTailed(event)),
        }),
      )
    } finally {
      process.off('SIGINT', abort)
      process.off('SIGTERM', abort)
    }
  }
}
