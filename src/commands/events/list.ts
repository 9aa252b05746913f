import { Flags } from '@oclif/core'
import { listEvents } from '../../app/events.js'
import { BaseCommand } from '../../cli/base-command.js'
import { renderEventList } from '../../cli/render-events.js'

export default class EventsList extends BaseCommand {
  static override summary = 'List webhook events in the queue and the dead letters, newest first.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --status dead --source aircall --json',
    '<%= config.bin %> <%= command.id %> --outcome missed-call:skipped',
  ]

  static override flags = {
    status: Flags.string({
      description: 'Only events in this state.',
      options: ['queued', 'processing', 'done', 'dead'] as const,
    }),
    source: Flags.string({
      description: 'Only events from this service (job: dead letters of history runs).',
      options: ['aircall', 'intercom', 'job'] as const,
    }),
    outcome: Flags.string({
      description:
        'Only events whose trail has this effect: rule, rule:status or rule:status:detail (e.g. log:logged, missed-call:skipped).',
      helpValue: 'RULE:STATUS',
    }),
    limit: Flags.integer({ description: 'At most this many events.', default: 50, min: 1 }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(EventsList)
    const result = await this.withRuntime(flags, (runtime) =>
      listEvents(runtime, {
        status: flags.status as 'queued' | 'processing' | 'done' | 'dead' | undefined,
        source: flags.source as 'aircall' | 'intercom' | 'job' | undefined,
        limit: flags.limit,
        outcome: flags.outcome,
      }),
    )
    this.finish({ result, text: renderEventList })
  }
}
