import { Flags } from '@oclif/core'
import { migrateState, migrationSecrets } from '../../app/state-service.js'
import { BaseCommand } from '../../cli/base-command.js'
import { renderStateMigrate } from '../../cli/render-state.js'

export default class StateMigrate extends BaseCommand {
  static override summary =
    'Copy the state store into PostgreSQL (or back into an SQLite file), verified, all or nothing.'
  static override description =
    'Copies the ledger, checkpoints, call states, event queue (dead letters included, with their ids), contact ' +
    'index, marks and fingerprints of the --state store into the store --to names, in one transaction, then ' +
    'checks every table holds as many rows as the source before committing. Stop listen and sync first: a store a ' +
    'listener or sync holds is refused, and so is a target that already holds state unless --force.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> --to postgres://aircall@db.internal:5432/aircall',
    '<%= config.bin %> <%= command.id %> --state ./aircall-intercom.sqlite --to "postgres://aircall@db.internal/aircall?schema=calls" --json',
    '<%= config.bin %> <%= command.id %> --state postgres://aircall@db.internal/aircall --to ./aircall-intercom.sqlite',
  ]

  static override flags = {
    to: Flags.string({
      description:
        'The store to copy into: a postgres:// URL (password from PGPASSWORD or ~/.pgpass, or in the URL; ' +
        '?schema=name), or an SQLite file when the state is in PostgreSQL.',
      required: true,
      helpValue: 'URL|FILE',
    }),
    force: Flags.boolean({
      description: 'Replace what the target already holds (in the same transaction) instead of refusing.',
      default: false,
    }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(StateMigrate)
    for (const secret of migrationSecrets(flags.to)) this.redactor.add(secret)
    const result = await migrateState(this.loadConfig(flags), { to: flags.to, force: flags.force })
    this.finish({ result, text: renderStateMigrate })
  }
}
