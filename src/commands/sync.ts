import { Flags } from '@oclif/core'

import { syncReport, writeRunReport } from '../app/run-report.js'
import { syncCalls } from '../app/sync-service.js'
import { BaseCommand } from '../cli/base-command.js'
import { runReportFlag } from '../cli/report-flag.js'
import { runExitCode } from '../cli/exit-codes.js'
import { LogStream } from '../cli/log-stream.js'
import { renderSync } from '../cli/render-backfill.js'
import { durationFlag } from '../cli/flags.js'

export default class Sync extends BaseCommand {
  static override summary = 'Log the calls since the last run (for cron); overlapping runs exit at once.'
  static override description =
    'Reads from the last checkpoint minus --lookback (Aircall rewrites calls after they end) up to now; the first run ' +
    'reads the last 24 hours. Prints one summary line. Exit 1 when another sync holds the lock, 3 when some calls ' +
    'went to dead letters.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --lookback 30m --json',
    '*/5 * * * * cd /srv/aircall-intercom && <%= config.bin %> <%= command.id %> >> sync.log 2>&1',
  ]

  static override flags = {
    lookback: durationFlag({
      description: 'How far before the last checkpoint to re-read, e.g. 30m, 2h, 1d.',
      default: '2h',
      helpValue: 'DURATION',
      bareNumber: 'seconds',
      invalid: { message: (text) => `--lookback "${text}" is not a duration`, hint: 'use e.g. 30m, 2h or 1d' },
    }),
    concurrency: Flags.integer({ description: 'Calls logged at once.', default: 4, min: 1, max: 32 }),
    'with-ai': Flags.boolean({
      description: "Also note each logged call's Aircall AI summary and transcript (see backfill --with-ai).",
      default: false,
    }),
    ...runReportFlag,
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Sync)
    const log = new LogStream({ json: this.isJson, write: (line) => this.stderr(line) })
    await this.withWritingRun(flags, { onHttp: (event) => log.http(event) }, async ({ runtime, control, recorder }) => {
      const result = await control.perform(() =>
        syncCalls(runtime, {
          lookbackMs: flags.lookback.ms,
          concurrency: flags.concurrency,
          withAi: flags['with-ai'],
          signal: control.signal,
          onEvent: (event) => {
            recorder?.event(event)
            if (event.type === 'warning') this.addWarning(event.warning.message)
          },
        }),
      )
      if (result.interrupted) this.stderr('interrupted: resume with the same command')
      if (result.singleFlightLost) {
        this.addWarning(
          'the database dropped the connection holding this sync’s lock during the run, so another sync may have ' +
            'run beside it; the ledger kept each write to one',
        )
      }
      const exitCode = runExitCode({ interrupted: result.interrupted, deadLetters: result.counts.deadLetters })
      if (flags.report && recorder) {
        this.note(`report: ${writeRunReport(flags.report, await syncReport({ result, runtime, recorder }))}`)
      }
      this.finish({ result, text: renderSync, exitCode })
    })
  }
}
