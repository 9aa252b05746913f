import { Flags } from '@oclif/core'
import { registerWebhook } from '../../app/webhooks.js'
import { BaseCommand } from '../../cli/base-command.js'
import { renderRegisterWebhook } from '../../cli/render-webhooks.js'
import { UserError } from '../../errors.js'

export default class WebhooksRegister extends BaseCommand {
  static override summary = 'Create or update the Aircall webhook with exactly the events the enabled rules need.'
  static override description =
    'The webhook is matched by URL (<url>/aircall), so running this again updates it instead of adding another. ' +
    'The webhook token is printed once, as an export line for AIRCALL_WEBHOOK_TOKEN, unless the environment ' +
    'already holds it. Intercom topics cannot be set through the API: they are listed with the endpoint to enter ' +
    'in the Developer Hub.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> --url https://hooks.example.com',
    '<%= config.bin %> <%= command.id %> --url https://hooks.example.com --dry-run --json',
  ]

  static override flags = {
    url: Flags.string({
      description: 'Public base URL of the listener (https; http only on 127.0.0.1). Default: listener.publicUrl.',
      helpValue: 'URL',
    }),
    'dry-run': Flags.boolean({ description: 'Show what would change without writing to Aircall.', default: false }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(WebhooksRegister)
    const result = await this.withRuntime(flags, (runtime) => {
      const url = flags.url ?? runtime.config.listener.publicUrl
      if (!url) throw new UserError('no listener URL', 'pass --url https://your-listener or set listener.publicUrl')
      return registerWebhook(runtime, {
        url,
        dryRun: flags['dry-run'],
        currentToken: process.env.AIRCALL_WEBHOOK_TOKEN,
      })
    })
    for (const duplicate of result.duplicates)
      this.addWarning(`another webhook on the same URL was left alone: ${duplicate}`)
    this.finish({ result, text: renderRegisterWebhook })
  }
}
