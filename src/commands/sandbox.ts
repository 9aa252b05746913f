import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { durationFlag } from '../cli/flags.js'
import { renderSandbox } from '../cli/render-sandbox.js'
import { startSandboxSession } from '../app/sandbox-service.js'

export default class Sandbox extends BaseCommand {
  static override summary = 'Start seeded Aircall and Intercom emulators on 127.0.0.1 and print how to point at them.'
  static override description =
    'Runs until Ctrl-C (SIGINT) or SIGTERM. Every other command run in a shell with the printed env lines talks to the sandbox. With --json the first stdout line is one JSON object with both URLs and credentials.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --calls 5000 --seed 7 --json',
    '<%= config.bin %> <%= command.id %> --listener http://127.0.0.1:3000 --ended-delay 2s',
  ]

  static override flags = {
    calls: Flags.integer({ description: 'Calls to generate.', default: 500, min: 0, max: 500_000 }),
    seed: Flags.integer({ description: 'Seed of the generated world (same seed, same data).', default: 1 }),
    days: Flags.integer({ description: 'Days of call history, ending now.', default: 30, min: 1, max: 3650 }),
    'aircall-port': Flags.integer({ description: 'Port of the Aircall emulator (0 = any free port).', default: 0 }),
    'intercom-port': Flags.integer({ description: 'Port of the Intercom emulator (0 = any free port).', default: 0 }),
    listener: Flags.string({ description: 'URL of a running `listen`: both emulators deliver webhooks there.' }),
    'ended-delay': durationFlag({
      description: 'Delay between call.hungup and call.ended for injected calls (Aircall: ~30s).',
      default: '30s',
      bareNumber: 'seconds',
      invalid: {
        message: (text) => `--ended-delay: "${text}" is not a duration`,
        hint: 'write e.g. 500ms, 2s or 1m',
      },
    }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Sandbox)
    const session = await startSandboxSession({
      calls: flags.calls,
      seed: flags.seed,
      days: flags.days,
      aircallPort: flags['aircall-port'],
      intercomPort: flags['intercom-port'],
      listenerUrl: flags.listener,
      endedDelayMs: flags['ended-delay'].ms,
    })
    const { info } = session
    // Sandbox credentials are generated for this run and are meant to be copied: they are not redacted.
    if (this.isJson) {
      process.stdout.write(
        `${JSON.stringify({ aircall: info.aircall, intercom: info.intercom, seeded: info.seeded, listener: info.listener })}\n`,
      )
    } else {
      process.stdout.write(`${renderSandbox(info)}\n`)
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await session.close()
    this.note('Sandbox stopped.')
    process.exitCode = 0
  }
}
