import { Flags } from '@oclif/core'

import { runDemo } from '../app/demo.js'
import { BaseCommand } from '../cli/base-command.js'
import { renderDemo } from '../cli/render-backfill.js'
import { UserError } from '../errors.js'

export default class Demo extends BaseCommand {
  static override summary = 'See it work in under a minute: emulated Aircall and Intercom, a backfill, an audit.'
  static override description =
    'Starts both emulators in this process with a seeded company (months of calls from known, unknown and anonymous ' +
    'callers), backfills every call into the emulated Intercom through a temporary state file, audits the callers ' +
    'left unmatched, and prints a summary. Needs no account, credentials or config; nothing is left behind.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --calls 500 --json',
  ]

  static override flags = {
    calls: Flags.integer({ description: 'Calls in the seeded company.', default: 2000, min: 10, max: 50_000 }),
    days: Flags.integer({ description: 'Days of call history.', default: 90, min: 1, max: 170 }),
    seed: Flags.integer({ description: 'Seed of the generated company (same seed, same world).', default: 1 }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Demo)
    const given = ['config', 'state'].filter((flag) => this.typed(flag))
    if (given.length > 0) {
      throw new UserError(
        `demo runs on its own emulators, configuration and temporary state: ${given.map((flag) => `--${flag}`).join(' and ')} would be ignored`,
        'leave it out; to try your own configuration against the emulators, run `sandbox` and point the other commands at it',
      )
    }
    if (process.env.AIRCALL_INTERCOM_CONFIG || process.env.AIRCALL_INTERCOM_STATE) {
      this.note('demo ignores AIRCALL_INTERCOM_CONFIG and AIRCALL_INTERCOM_STATE: it uses its own temporary files.')
    }
    const progress = await this.progress({ label: 'Demo backfill' })
    try {
      const result = await runDemo({
        calls: flags.calls,
        days: flags.days,
        seed: flags.seed,
        onEvent: (event) => progress.event(event),
        deps: { onHttpEvent: (event) => progress.http(event) },
      })
      progress.stop()
      this.finish({ result, text: renderDemo })
    } finally {
      progress.stop()
    }
  }
}
