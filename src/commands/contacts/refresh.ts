import { Flags } from '@oclif/core'

import { BaseCommand } from '../../cli/base-command.js'
import { renderRefresh, renderRefreshEvent } from '../../cli/render-contacts.js'
import { refreshContacts } from '../../app/matching-service.js'

export default class ContactsRefresh extends BaseCommand {
  static override summary =
    'Build the local phone and email → contact index from Intercom (incremental after the first run).'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --full --json',
  ]
  static override flags = {
    full: Flags.boolean({
      description: 'Read every contact again instead of only those updated since the last refresh.',
      default: false,
    }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(ContactsRefresh)
    const result = await this.withRuntime(flags, (runtime) =>
      refreshContacts(runtime, {
        full: flags.full,
        onEvent: (event) => this.note(renderRefreshEvent(event)),
      }),
    )
    this.finish({ result, text: renderRefresh })
  }
}
