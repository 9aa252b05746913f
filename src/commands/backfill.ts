import { Flags } from '@oclif/core'

import { backfillReport, writeRunReport } from '../app/run-report.js'
import { backfill } from '../app/backfill-service.js'
import { planCsv } from '../pipeline/dry-run-plan.js'
import { CSV_ENCODINGS } from '../sources/csv-inspect.js'
import type { SourceProgress } from '../sources/source-progress.js'
import { BaseCommand } from '../cli/base-command.js'
import { runReportFlag } from '../cli/report-flag.js'
import { runExitCode } from '../cli/exit-codes.js'
import { renderBackfill } from '../cli/render-backfill.js'

/** Bad-row warnings printed one by one before they are summed up. */
const SHOWN_BAD_ROWS = 20

export default class Backfill extends BaseCommand {
  static override summary = 'Log historical Aircall calls into Intercom; resumable, and safe to run again.'
  static override description =
    'Reads calls from the Aircall API in windows under its 10,000-item cap (or from a CSV call export), then logs each ' +
    'one through the ledger, exactly once. The store remembers which stretches of time were covered, so the same ' +
    'command run again (`--since 30d` included) reads only what is new; a CSV is keyed by its call ids, so a ' +
    're-exported file imports exactly its new rows. Conversations already in Intercom (logged from another state file ' +
    'or machine) are found first and never created twice. A range older than Aircall serves (aircall.retentionDays) ' +
    'starts at that horizon unless --force-range. A CSV is checked whole before anything is imported (delimiter ' +
    'detected, UTF-8 unless --encoding, text only); rows it cannot read go to a rejects file with their line and ' +
    'reason. Ctrl-C stops after the calls in flight. Exit 3 when some calls went to dead letters (`events replay` ' +
    'retries them, with no customer message) or some CSV rows were rejected.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> --since 2026-01-01 --until 2026-07-01',
    '<%= config.bin %> <%= command.id %> --since 90d --dry-run',
    '<%= config.bin %> <%= command.id %> --since 90d --dry-run --format csv > plan.csv',
    '<%= config.bin %> <%= command.id %> --csv calls-export.csv --concurrency 8',
    '<%= config.bin %> <%= command.id %> --csv export-excel.csv --delimiter ";" --encoding windows-1252',
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
    delimiter: Flags.string({
      description: 'CSV field delimiter: "," ";" "|" or tab. Default: detected from the header line.',
      helpValue: 'CHAR',
      relationships: [{ type: 'all', flags: ['csv'] }],
    }),
    encoding: Flags.string({
      description:
        'CSV encoding. Default: UTF-8, and a file that is not valid UTF-8 is refused (latin1 reads as windows-1252).',
      options: [...CSV_ENCODINGS],
      relationships: [{ type: 'all', flags: ['csv'] }],
    }),
    rejects: Flags.string({
      description: 'Where CSV rows that cannot be imported go, with line and reason. Default: <csv>.rejects.csv',
      helpValue: 'FILE',
      relationships: [{ type: 'all', flags: ['csv'] }],
    }),
    'force-range': Flags.boolean({
      description: 'Read a range older than Aircall serves from the API anyway (default: start at the horizon).',
      default: false,
      relationships: [{ type: 'none', flags: ['csv'] }],
    }),
    'dry-run': Flags.boolean({
      description: 'Show what would be logged; write nothing (no API writes, no ledger).',
    }),
    format: Flags.string({
      description:
        'How a dry run prints its plan: a table of the first calls (with the summary), or CSV of every call on ' +
        'stdout (the summary then goes to stderr). --json includes the plan as result.plan.rows. Default: table.',
      options: ['table', 'csv'],
      dependsOn: ['dry-run'],
    }),
    concurrency: Flags.integer({ description: 'Calls logged at once.', default: 4, min: 1, max: 32 }),
    'with-ai': Flags.boolean({
      description:
        "Also note each logged call's Aircall AI summary and transcript on its conversation (two Aircall requests " +
        'per call; calls without AI content or plan are counted, not failed).',
      default: false,
    }),
    ...runReportFlag,
    restart: Flags.boolean({
      description: 'Read the whole range again, ignoring what earlier runs covered (nothing is logged twice).',
      default: false,
    }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Backfill)
    const progress = await this.progress({ windowLines: true })
    // A file of garbage would print a warning per row: the first ones show the pattern, the rejects file has all.
    let badRows = 0
    await this.withWritingRun(
      flags,
      { progress, onHttp: (event) => progress.http(event) },
      async ({ runtime, control, recorder }) => {
        const result = await control.perform(() =>
          backfill(runtime, {
            since: flags.since,
            until: flags.until,
            csv: flags.csv,
            delimiter: flags.delimiter,
            encoding: flags.encoding as (typeof CSV_ENCODINGS)[number] | undefined,
            rejects: flags.rejects,
            forceRange: flags['force-range'],
            dryRun: flags['dry-run'] ?? false,
            concurrency: flags.concurrency,
            restart: flags.restart,
            withAi: flags['with-ai'],
            signal: control.signal,
            onEvent: (event) => {
              progress.event(event)
              recorder?.event(event)
              if (event.type !== 'warning') return
              if (event.warning.code === 'bad-row' && ++badRows > SHOWN_BAD_ROWS) return
              progress.print(() => this.addWarning(event.warning.message))
            },
            // The upfront count costs a request: only when someone reads the progress.
            ...(this.isJson ? {} : { onProgress: (event: SourceProgress) => progress.source(event) }),
          }),
        )
        progress.stop()
        if (badRows > SHOWN_BAD_ROWS) {
          const where = result.csv?.rejectsFile ? `: every rejected row is in ${result.csv.rejectsFile}` : ''
          this.addWarning(`${badRows - SHOWN_BAD_ROWS} more rows could not be read${where}`)
        }
        if (result.interrupted) this.stderr('interrupted: resume with the same command')
        const exitCode = runExitCode({
          interrupted: result.interrupted,
          deadLetters: result.counts.deadLetters,
          rejected: result.csv?.rejected,
        })
        if (flags.report && recorder) {
          this.note(`report: ${writeRunReport(flags.report, await backfillReport({ result, runtime, recorder }))}`)
        }
        if (result.plan && flags.format === 'csv' && !this.isJson) {
          this.stderr(renderBackfill({ ...result, plan: undefined }))
          this.stdout(planCsv(result.plan))
          process.exitCode = exitCode
          return
        }
        this.finish({ result, text: renderBackfill, exitCode })
      },
    )
  }
}
