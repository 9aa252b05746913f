import { Args, Flags } from '@oclif/core'
import { TRIGGER_EVENTS, triggerEvent } from '../app/trigger.js'
import { BaseCommand } from '../cli/base-command.js'
import { EXIT } from '../cli/exit-codes.js'
import { renderTrigger } from '../cli/render-trigger.js'
import { parseDateInput } from '../domain/date-input.js'
import { UserError } from '../errors.js'

export default class Trigger extends BaseCommand {
  static override summary = 'Send a realistic, correctly signed webhook fixture to a listener.'
  static override description =
    `Events: ${TRIGGER_EVENTS.join(', ')}. Each trigger carries a new call id (Aircall) or notification id ` +
    '(Intercom), so two triggers are two events; the output names the event id the listener stored it under, or ' +
    'says it was a duplicate. Against the sandbox, call.created and call.ringing_on_agent first plant a ringing ' +
    'call in the Aircall emulator so the insight card finds it.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> call.ended.missed --phone "+33 6 12 34 56 78"',
    '<%= config.bin %> <%= command.id %> conversation.admin.assigned --admin-id 991267459 --to http://127.0.0.1:3000 --json',
    '<%= config.bin %> <%= command.id %> call.ended --call-id 4242 --at 2d',
  ]

  static override args = {
    event: Args.string({ description: `Fixture to send: ${TRIGGER_EVENTS.join(', ')}.` }),
  }

  static override flags = {
    to: Flags.string({ description: 'Listener URL. Default: http://127.0.0.1:<listener.port>/aircall or /intercom.' }),
    'call-id': Flags.integer({ description: 'Aircall call id carried by the event. Default: a new one.', min: 1 }),
    phone: Flags.string({ description: "Caller's number as Aircall formats it, e.g. +33 6 12 34 56 78." }),
    tag: Flags.string({ description: 'Tag carried by the call or conversation.' }),
    'admin-id': Flags.string({
      description: 'Intercom admin conversation.admin.assigned assigns to. Default: intercom.adminId.',
      helpValue: 'ID',
    }),
    at: Flags.string({
      description:
        'When the event happened: a date, date-time, UNIX seconds or an age such as 2d. Default: now. The same ' +
        '--call-id and --at send a redelivery.',
      helpValue: 'WHEN',
    }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Trigger)
    const event = args.event
    if (!event) {
      throw new UserError('name the event to send', `one of: ${TRIGGER_EVENTS.join(', ')}`)
    }
    await this.withRuntime(flags, async (runtime) => {
      const at = flags.at === undefined ? undefined : parseDateInput('--at', flags.at, runtime.now(), 'start')
      const result = await triggerEvent(runtime, {
        event,
        to: flags.to,
        callId: flags['call-id'],
        phone: flags.phone,
        tag: flags.tag,
        adminId: flags['admin-id'],
        timestamp: at === undefined ? undefined : Math.floor(at / 1000),
      })
      for (const warning of result.warnings) this.addWarning(warning)
      this.finish({ result, text: renderTrigger, exitCode: result.ok ? EXIT.ok : EXIT.failure })
    })
  }
}
