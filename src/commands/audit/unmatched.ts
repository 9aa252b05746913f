import { Flags } from '@oclif/core'

import type { RunRecorder } from '../../app/run-recorder.js'
import { auditReport, startRunRecorder, writeRunReport } from '../../app/run-report.js'
import { checkReportFile, runReportFlag } from '../../cli/report-flag.js'
import { BaseCommand } from '../../cli/base-command.js'
import { ensureWritable, reportFlags, writeOutputFile } from '../../cli/format.js'
import { renderAuditEvent, renderAuditRows, renderAuditSummary } from '../../cli/render-audit.js'
import { auditUnmatchedCallers } from '../../app/matching-service.js'

export default class AuditUnmatched extends BaseCommand {
  static override summary = 'List callers from the Aircall call history who have no Intercom contact.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --since 2026-05-01 --until 2026-05-31 --format csv --output unmatched.csv',
    '<%= config.bin %> <%= command.id %> --create',
  ]
  static override flags = {
    since: Flags.string({
      description: 'Start of the period: ISO date or datetime (UTC). Default: 30 days ago.',
      helpValue: 'DATE',
    }),
    until: Flags.string({
      description: 'End of the period; a date includes that whole day. Default: now.',
      helpValue: 'DATE',
    }),
    ...reportFlags,
    ...runReportFlag,
    create: Flags.boolean({
      description: 'Create a contact for each unmatched caller with a valid number (never anonymous or invalid ones).',
      default: false,
    }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(AuditUnmatched)
    if (flags.output) ensureWritable(flags.output, flags.force)
    // Asserted, not annotated: TypeScript would otherwise take it as still null in `finally`, set in a callback.
    let recorder = null as RunRecorder | null
    try {
      await this.withRuntime(
        flags,
        async (runtime) => {
          if (flags.report) {
            checkReportFile(flags.report)
            recorder = startRunRecorder(runtime)
          }
          const result = await auditUnmatchedCallers(runtime, {
            since: flags.since,
            until: flags.until,
            create: flags.create,
            onEvent: (event) => {
              const line = renderAuditEvent(event)
              if (line) this.note(line)
            },
          })
          if (flags.report && recorder) {
            this.note(`report: ${writeRunReport(flags.report, auditReport({ result, runtime, recorder }))}`)
          }
          const rows = renderAuditRows(result, flags.format)
          if (flags.output) {
            const output = writeOutputFile(flags.output, rows, flags.force)
            this.finish({
              result: { ...result, output },
              text: (r) => `${renderAuditSummary(r)}\nWrote ${r.unmatched.length} caller(s) to ${output}`,
            })
          } else if (flags.format === 'table') {
            this.finish({ result, text: (r) => `${rows}\n${renderAuditSummary(r)}` })
          } else {
            if (!this.isJson) this.note(renderAuditSummary(result))
            this.finish({ result, text: () => rows })
          }
        },
        { onHttpEvent: () => recorder?.sample() },
      )
    } finally {
      recorder?.stop()
    }
  }
}
