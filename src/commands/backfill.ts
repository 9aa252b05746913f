import { Flags } from '@oclif/core'

import { Runtime } from '../app/runtime.js'
import { backfill } from '../backfill/backfill-service.js'
import { BaseCommand } from '../cli/base-command.js'
import { EXIT } from '../cli/exit-codes.js'
import { BackfillProgress, onInterrupt } from '../cli/progress.js'
import { renderBackfill } from '../cli/render-backfill.js'

export default class Backfill extends BaseCommand {
  static override summary = 'Log historical Aircall calls into Intercom; resumable, and safe to run again.'
  static override description =
    'Reads calls from the Aircall API in windows under its 10,000-item cap (or from a CSV call export), then logs each ' +
    'one through the ledger, exactly once. The store remembers which stretches of time were covered, so the same ' +
    'command run again (`--since 30d` included) reads only what is new; a CSV is keyed by its call ids, so a ' +
    're-exported file imports exactly its new rows. Conversations already in Intercom (logged from another state file ' +
    'or machine) are found first and never created twice. Ctrl-C stops after the calls in flight. Exit 3 when some ' +
    'calls went to dead letters (`events replay` retries them, with no customer message).'

  static override examples = [
    '<%= config.bin %> <%= command.id %> --since 2026-01-01 --until 2026-07-01',
    '<%= config.bin %> <%= command.id %> --since 90d --dry-run',
    '<%= config.bin %> <%= command.id %> --csv calls-export.csv --concurrency 8',
  ]

  static override flags = {
    since: Flags.string({
      description: 'Start (exclusive): a date (UTC), a date-time or an age such as 90d.',
      helpValue: 'DATE',
    }),
    until: Flags.string({ description: 'End (inclusive); default now.', helpValue: 'DATE' }),
    csv: Flags.string({
      description: 'Import an Aircall CSV call export instead of reading the API.',
      helpValue: 'FILE',
    }),
    'dry-run': Flags.boolean({
      description: 'Show what would be logged; write nothing (no API writes, no ledger).',
      default: false,
    }),
    concurrency: Flags.integer({ description: 'Calls logged at once.', default: 4, min: 1, max: 32 }),
    restart: Flags.boolean({
      description: 'Read the whole range again, ignoring what earlier runs covered (nothing is logged twice).',
      default: false,
    }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Backfill)
    const progress = new BackfillProgress({
      enabled: Boolean(process.stderr.isTTY) && !this.isJson,
      windowLines: !this.isJson,
      write: (text) => this.stderr(text),
    })
    const runtime = new Runtime(this.loadConfig(flags), { onHttpEvent: (event) => progress.http(event) })
    const interrupt = onInterrupt(() => progress.print(() => this.stderr('stopping after the calls in flight…')))
    try {
      const result = await backfill(runtime, {
        since: flags.since,
        until: flags.until,
        csv: flags.csv,
        dryRun: flags['dry-run'],
        concurrency: flags.concurrency,
        restart: flags.restart,
        signal: interrupt.signal,
        onEvent: (event) => {
          progress.event(event)
          if (event.type === 'warning') progress.print(() => this.addWarning(event.warning.message))
        },
      })
      progress.stop()
      if (result.interrupted) this.stderr('interrupted: resume with the same command')
      const exitCode = result.interrupted ? EXIT.interrupted : result.counts.deadLetters > 0 ? EXIT.partial : EXIT.ok
      this.finish({ result, text: renderBackfill, exitCode })
    } finally {
      progress.stop()
      interrupt.dispose()
      runtime.close()
    }
  }
}
