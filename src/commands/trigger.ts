import { Args, Flags } from '@oclif/core'
import { Runtime } from '../app/runtime.js'
import { TRIGGER_EVENTS, triggerEvent } from '../app/trigger.js'
import { BaseCommand } from '../cli/base-command.js'
import { EXIT } from '../cli/exit-codes.js'
import { renderTrigger } from '../cli/render-events.js'

export default class Trigger extends BaseCommand {
  static override summary = 'Send a realistic, correctly signed webhook fixture to a listener.'
  static override description = `Events: ${TRIGGER_EVENTS.join(', ')}.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> call.ended.missed --phone "+33 6 12 34 56 78"',
    '<%= config.bin %> <%= command.id %> conversation.admin.assigned --to http://127.0.0.1:3000 --json',
  ]

  static override args = {
    event: Args.string({ description: 'Fixture to send (see the list above).', required: true }),
  }

  static override flags = {
    to: Flags.string({ description: 'Listener URL. Default: http://127.0.0.1:<listener.port>/aircall or /intercom.' }),
    'call-id': Flags.integer({ description: 'Aircall call id carried by the event.', min: 1 }),
    phone: Flags.string({ description: "Caller's number as Aircall formats it, e.g. +33 6 12 34 56 78." }),
    tag: Flags.string({ description: 'Tag carried by the call or conversation.' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Trigger)
    const runtime = new Runtime(this.loadConfig(flags))
    const result = await triggerEvent(runtime, {
      event: args.event,
      to: flags.to,
      callId: flags['call-id'],
      phone: flags.phone,
      tag: flags.tag,
    })
    this.finish({ result, text: renderTrigger, exitCode: result.ok ? EXIT.ok : EXIT.failure })
  }
}
