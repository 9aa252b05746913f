import { Flags } from '@oclif/core'
import { runInit } from '../app/init.js'
import { BaseCommand } from '../cli/base-command.js'
import { inquirerPrompter } from '../cli/prompter.js'
import { renderInit } from '../cli/render-init.js'
import { DEFAULT_CONFIG_FILE } from '../config/loader.js'
import { TICKET_TRIGGERS } from '../config/schema.js'

export default class Init extends BaseCommand {
  static override summary = 'Write a commented configuration file: a wizard, or non-interactive through flags.'
  static override description =
    'Asks for the Intercom region, the admin to write as (listed from Intercom), how to log calls, the default ' +
    'country, the tag → attribute mapping (tags and attributes listed from the APIs), a missed-call message, a ' +
    'VIP rule and the Intercom ticket type for voicemails and missed calls (listed from Intercom). Secrets are never written: they stay in the environment. Without a terminal, or with --yes, nothing ' +
    'is asked: flags and defaults are used. An existing file is only replaced after confirmation or with --force.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --yes --region eu --default-country FR --tag-map "VIP=aircall_vip:boolean"',
    '<%= config.bin %> <%= command.id %> --yes --force --output prod.yml --missed-call-message "Sorry we missed you!"',
    '<%= config.bin %> <%= command.id %> --yes --ticket-type 89 --ticket-on voicemail --ticket-on missed-call',
  ]

  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'Ask nothing: use flags and defaults.', default: false }),
    force: Flags.boolean({ description: 'Overwrite an existing file without asking.', default: false }),
    output: Flags.string({
      char: 'o',
      description: `File to write. Default: --config or ${DEFAULT_CONFIG_FILE}.`,
      helpValue: 'FILE',
    }),
    region: Flags.option({ description: 'Intercom data-hosting region.', options: ['us', 'eu', 'au'] as const })(),
    'admin-id': Flags.string({
      description: 'Intercom admin id to write as. Default: the token’s own admin.',
      helpValue: 'ID',
    }),
    'log-mode': Flags.option({ description: 'How calls are logged.', options: ['conversation', 'note'] as const })(),
    'default-country': Flags.string({
      description: 'ISO country for numbers without a prefix (default US).',
      helpValue: 'CC',
    }),
    'tag-map': Flags.string({
      description: 'Aircall tag → Intercom attribute, as TAG=ATTRIBUTE[:TYPE[:TARGET]]. Repeatable.',
      multiple: true,
      helpValue: 'MAPPING',
    }),
    'missed-call-message': Flags.string({
      description: 'Enable missed-call messages with this body (Liquid).',
      helpValue: 'TEXT',
    }),
    vip: Flags.boolean({
      description: 'Add a VIP rule (a note on calls tagged VIP); --no-vip leaves it out.',
      default: true,
      allowNo: true,
    }),
    'ticket-type': Flags.string({
      description: 'Open Intercom tickets of this type (its id; `doctor` lists them).',
      helpValue: 'ID',
    }),
    'ticket-on': Flags.option({
      description: 'Calls that open a ticket (with --ticket-type; default voicemail). Repeatable.',
      options: TICKET_TRIGGERS,
      multiple: true,
      dependsOn: ['ticket-type'],
    })(),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Init)
    const result = await runInit({
      file: flags.output ?? flags.config ?? DEFAULT_CONFIG_FILE,
      force: flags.force,
      prompter: this.canPrompt(flags.yes) ? inquirerPrompter : null,
      env: process.env,
      onWarning: (text) => this.addWarning(text),
      flags: {
        region: flags.region,
        adminId: flags['admin-id'],
        logMode: flags['log-mode'],
        defaultCountry: flags['default-country'],
        tagMap: flags['tag-map'],
        missedCallMessage: flags['missed-call-message'],
        vip: flags.vip,
        ticketType: flags['ticket-type'],
        ticketOn: flags['ticket-on'],
      },
    })
    this.finish({ result, text: renderInit })
  }
}
