import { Flags } from '@oclif/core'
import { startListener } from '../app/listen.js'
import { ApiEventCounter } from '../app/listen-metrics.js'
import { BaseCommand } from '../cli/base-command.js'
import { LogStream, renderListenSummary } from '../cli/log-stream.js'
import { sharedBudgetWarner } from '../cli/shared-budget-warning.js'

export default class Listen extends BaseCommand {
  static override summary = 'Receive Aircall and Intercom webhooks and run the live rules on them.'
  static override description =
    'Verifies each webhook (Aircall body token, Intercom X-Hub-Signature), stores it before answering 2xx (webhooks arriving together share one commit; if the store stays locked for 5 s, or a PostgreSQL store is unreachable, the answer is 503 with Retry-After: 1 and the sender redelivers), and processes the queue in the same process. SIGINT/SIGTERM stop accepting, finish the events in flight and exit 0. Logs go to stderr (NDJSON with --json).'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --host 0.0.0.0 --port 8080 --json',
  ]

  static override flags = {
    host: Flags.string({ description: 'Interface to listen on. Default: listener.host (127.0.0.1).' }),
    port: Flags.integer({
      description: 'Port to listen on (0 picks a free one). Default: listener.port (3000).',
      min: 0,
      max: 65_535,
    }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Listen)
    // Counts the API clients' retries for /metrics from the first request on.
    const apiEvents = new ApiEventCounter()
    const log = new LogStream({ json: this.isJson, write: (line) => this.stderr(line) })
    // Registered before anything starts: a SIGTERM arriving while the listener starts must still drain and exit 0.
    const stopRequested = new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await this.withRuntime(
      flags,
      async (runtime) => {
        this.redactor.add(runtime.config.listener.consoleToken)
        const handle = await startListener(runtime, {
          host: flags.host ?? runtime.config.listener.host,
          port: flags.port ?? runtime.config.listener.port,
          apiEvents,
          onEvent: (event) => {
            if (event.type === 'warning') this.warnings.push(this.redactor.redact(event.message))
            log.handle(event)
          },
        })
        await stopRequested
        this.finish({ result: await handle.stop(), text: renderListenSummary })
      },
      {
        onHttpEvent: apiEvents.record,
        onSharedBudgetFailure: sharedBudgetWarner((message) => {
          this.warnings.push(this.redactor.redact(message))
          log.handle({ type: 'warning', message })
        }),
      },
    )
  }
}
