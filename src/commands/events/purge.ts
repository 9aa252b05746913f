import { Flags } from '@oclif/core'
import { purgeEvents } from '../../app/events.js'
import { BaseCommand } from '../../cli/base-command.js'
import { AGE_INVALID, durationFlag } from '../../cli/flags.js'
import { inquirerPrompter } from '../../cli/prompter.js'
import { renderPurge } from '../../cli/render-events.js'
import { CancelledError, UserError } from '../../errors.js'

export default class EventsPurge extends BaseCommand {
  static override summary = 'Delete done or dead events from the store.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --status done --older-than 7d --yes',
    '<%= config.bin %> <%= command.id %> --status dead --yes --json',
  ]

  static override flags = {
    status: Flags.string({
      description: 'Which events to delete (repeatable).',
      options: ['done', 'dead'] as const,
      multiple: true,
      required: true,
    }),
    'older-than': durationFlag({
      description: 'Only events last updated longer ago than this (45s, 30m, 12h, 7d, 2w).',
      bareNumber: 'refused',
      invalid: AGE_INVALID,
    }),
    yes: Flags.boolean({ description: 'Do not ask for confirmation.', default: false }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(EventsPurge)
    const statuses = flags.status as Array<'done' | 'dead'>
    if (!flags.yes) {
      if (!this.canPrompt()) throw new UserError('purging deletes events for good', 'pass --yes to confirm')
      const what = `${statuses.join('/')} events${flags['older-than'] ? ` older than ${flags['older-than'].text}` : ''}`
      if (!(await inquirerPrompter.confirm({ message: `Delete ${what}?`, default: false }))) throw new CancelledError()
    }
    const result = await this.withRuntime(flags, (runtime) =>
      purgeEvents(runtime, { statuses, olderThan: flags['older-than'] }),
    )
    this.finish({ result, text: renderPurge })
  }
}
