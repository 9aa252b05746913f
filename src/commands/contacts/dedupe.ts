import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { runExitCode } from '../../cli/exit-codes.js'
import { reportFlags } from '../../cli/format.js'
import { inquirerPrompter } from '../../cli/prompter.js'
import {
  renderDedupe,
  renderDedupeDeclined,
  renderDedupeRows,
  renderDedupeSummary,
  terminalWidth,
} from '../../cli/render-contacts.js'
import { UserError } from '../../errors.js'
import type { DedupeResult } from '../../matching/dedupe.js'
import { dedupe } from '../../app/matching-service.js'

export default class ContactsDedupe extends BaseCommand {
  static override summary = 'Find Intercom contacts sharing a normalised phone or email, and merge leads into users.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --format csv > duplicates.csv',
    '<%= config.bin %> <%= command.id %> --apply --yes',
  ]
  static override flags = {
    format: reportFlags.format,
    apply: Flags.boolean({ description: 'Merge each lead into its group’s user (asks first).', default: false }),
    yes: Flags.boolean({
      char: 'y',
      description: 'Merge without asking (needed when there is no terminal).',
      default: false,
    }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(ContactsDedupe)
    if (flags.apply && !flags.yes && !this.canPrompt()) {
      throw new UserError(
        '--apply asks before merging, and there is no terminal to ask at',
        'pass --yes to merge without asking',
      )
    }
    let declined = false
    // The plan and the question go to stderr, where the person is, so they show even with stdout piped.
    const ask = async (plan: DedupeResult): Promise<boolean> => {
      this.stderr(renderDedupe(plan, 'table', { width: terminalWidth(process.stderr), asking: true }))
      const ok = await inquirerPrompter.confirm({
        message: `Merge ${plan.plannedMerges} lead(s) into users?`,
        default: false,
      })
      declined = !ok
      return ok
    }
    const result = await this.withRuntime(flags, (runtime) =>
      dedupe(runtime, { apply: flags.apply, confirm: flags.yes ? undefined : ask }),
    )
    // Answering no is a choice, not a failure: a plain sentence and exit 0.
    if (declined) {
      this.finish({ result, text: renderDedupeDeclined })
      return
    }
    if (flags.format !== 'table' && !this.isJson) this.note(renderDedupeSummary(result))
    this.finish({
      result,
      text: (r) => (flags.format === 'table' ? renderDedupe(r, 'table') : renderDedupeRows(r, flags.format)),
      exitCode: runExitCode({ failed: result.merges.filter((merge) => merge.status === 'failed').length }),
    })
  }
}
