import { Flags } from '@oclif/core'

import { tagsSyncReport, writeRunReport } from '../../app/run-report.js'
import { runReportFlag } from '../../cli/report-flag.js'
import { syncTagAttributes } from '../../app/tags-sync-service.js'
import { BaseCommand } from '../../cli/base-command.js'
import { runExitCode } from '../../cli/exit-codes.js'
import { renderTagsSync } from '../../cli/render-backfill.js'

export default class TagsSync extends BaseCommand {
  static override summary = 'Apply the tag → attribute mapping (tags.map) to the calls of a range.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --since 2026-06-01 --until 2026-07-01 --dry-run',
  ]

  static override flags = {
    since: Flags.string({
      description: 'Start (exclusive): a date (UTC), a date-time or an age; default 7d.',
      helpValue: 'DATE',
    }),
    until: Flags.string({ description: 'End (inclusive); default now.', helpValue: 'DATE' }),
    'dry-run': Flags.boolean({ description: 'Show what would be written; write nothing.', default: false }),
    concurrency: Flags.integer({ description: 'Calls handled at once.', default: 4, min: 1, max: 32 }),
    ...runReportFlag,
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(TagsSync)
    const progress = await this.progress({ label: 'Tags' })
    await this.withWritingRun(
      flags,
      { progress, onHttp: (event) => progress.http(event) },
      async ({ runtime, control, recorder }) => {
        const result = await control.perform(() =>
          syncTagAttributes(runtime, {
            since: flags.since,
            until: flags.until,
            dryRun: flags['dry-run'],
            concurrency: flags.concurrency,
            signal: control.signal,
            onEvent: (event) => {
              progress.event(event)
              recorder?.event(event)
              if (event.type === 'warning') progress.print(() => this.addWarning(event.warning.message))
            },
          }),
        )
        progress.stop()
        if (result.interrupted) this.stderr('interrupted: resume with the same command')
        const exitCode = runExitCode({ interrupted: result.interrupted, deadLetters: result.deadLetters })
        if (flags.report && recorder) {
          this.note(`report: ${writeRunReport(flags.report, await tagsSyncReport({ result, runtime, recorder }))}`)
        }
        this.finish({ result, text: renderTagsSync, exitCode })
      },
    )
  }
}
