import { Flags } from '@oclif/core'
import { runDoctor } from '../app/doctor.js'
import { BaseCommand } from '../cli/base-command.js'
import { EXIT } from '../cli/exit-codes.js'
import { inquirerPrompter } from '../cli/prompter.js'
import { renderDoctor } from '../cli/render-doctor.js'

export default class Doctor extends BaseCommand {
  static override summary =
    'Check the configuration, credentials, admin, attributes, tags, templates, store and webhooks.'
  static override description =
    'Each check is a row: ✓ passed, ✗ failed (with how to fix it), ! warning, i information. Exits 1 when any ' +
    'check fails. --fix creates missing Intercom data attributes and tags after confirmation (or with --yes). ' +
    'Every check has its own timeout, so one unreachable API cannot hang the command.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --listener-url https://hooks.example.com',
    '<%= config.bin %> <%= command.id %> --fix --yes --json',
  ]

  static override flags = {
    'listener-url': Flags.string({
      description: 'Public base URL of the listener, to check /healthz and the webhook. Default: listener.publicUrl.',
      helpValue: 'URL',
    }),
    fix: Flags.boolean({
      description: 'Create missing data attributes and tags (asks first unless --yes).',
      default: false,
    }),
    yes: Flags.boolean({ char: 'y', description: 'Make the --fix repairs without asking.', default: false }),
    timeout: Flags.integer({ description: 'Seconds each check may take.', default: 10, min: 1, max: 120 }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Doctor)
    let unconfirmed = false
    const result = await runDoctor({
      load: () => this.loadConfig(flags),
      listenerUrl: flags['listener-url'],
      fix: flags.fix,
      timeoutMs: flags.timeout * 1000,
      confirmFix: async (fixes) => {
        if (flags.yes) return true
        if (!this.canPrompt()) {
          unconfirmed = true
          this.addWarning('not fixed: add --yes to make the repairs when there is no terminal to confirm them at')
          return false
        }
        return inquirerPrompter.confirm({ message: `Make these repairs?\n  ${fixes.join('\n  ')}\n`, default: true })
      },
    })
    // --fix was given but nobody could confirm: the way forward is --yes, not --fix again.
    const fixWith = unconfirmed ? '`doctor --fix --yes` (add --yes: there is no terminal to confirm at)' : undefined
    this.finish({
      result,
      text: (shown) => renderDoctor(shown, fixWith),
      exitCode: result.failed > 0 ? EXIT.failure : EXIT.ok,
    })
  }
}
