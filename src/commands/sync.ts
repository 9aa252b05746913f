import { Flags } from '@oclif/core'

import { Runtime } from '../app/runtime.js'
import { syncCalls } from '../backfill/sync-service.js'
import { BaseCommand } from '../cli/base-command.js'
import { EXIT } from '../cli/exit-codes.js'
import { LogStream } from '../cli/log-stream.js'
import { onInterrupt } from '../cli/progress.js'
import { renderSync } from '../cli/render-backfill.js'
import { UnreachableError } from '../http/errors.js'

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
    lookback: Flags.string({
      description: 'How far before the last checkpoint to re-read, e.g. 30m, 2h, 1d.',
      default: '2h',
      helpValue: 'DURATION',
    }),
    concurrency: Flags.integer({ description: 'Calls logged at once.', default: 4, min: 1, max: 32 }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Sync)
    const log = new LogStream({ json: this.isJson, write: (line) => this.stderr(line) })
    // The run stops on Ctrl-C, or at the first API nothing answers at: every call would fail the same way.
    const run = new AbortController()
    const stop: { unreachable: UnreachableError | null } = { unreachable: null }
    const interrupt = onInterrupt(() => this.stderr('stopping: cancelling the requests in flight…'))
    interrupt.signal.addEventListener('abort', () => run.abort(interrupt.signal.reason), { once: true })
    const runtime = new Runtime(this.loadConfig(flags), {
      onHttpEvent: (event) => {
        log.http(event)
        if (event.type !== 'unreachable' || run.signal.aborted) return
        stop.unreachable = new UnreachableError({
          service: event.service,
          endpoint: event.endpoint,
          url: event.url,
          reason: event.reason,
        })
        // An abort, so the engine stops as on Ctrl-C (calls in flight left for the ledger to resume).
        run.abort(new DOMException(stop.unreachable.message, 'AbortError'))
      },
    })
    try {
      // The engine does not hand its signal to every call: the clients end their own waits and requests.
      for (const client of [runtime.aircall, runtime.intercom]) client.http.cancelOn(run.signal)
      const result = await syncCalls(runtime, {
        lookback: flags.lookback,
        concurrency: flags.concurrency,
        signal: run.signal,
        onEvent: (event) => {
          if (event.type === 'warning') this.addWarning(event.warning.message)
        },
      }).catch((error: unknown) => {
        throw stop.unreachable ?? error
      })
      if (stop.unreachable) throw stop.unreachable
      if (result.interrupted) this.stderr('interrupted: resume with the same command')
      const exitCode = result.interrupted ? EXIT.interrupted : result.counts.deadLetters > 0 ? EXIT.partial : EXIT.ok
      this.finish({ result, text: renderSync, exitCode })
    } finally {
      interrupt.dispose()
      runtime.close()
    }
  }
}
