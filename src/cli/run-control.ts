import type { Runtime } from '../app/runtime.js'
import { type ErrorDialect, UnreachableError } from '../http/errors.js'
import type { HttpEvent, ServiceName } from '../http/types.js'
import { onInterrupt } from './progress.js'

/** What a command's runtime reports of each request, as the run control and the progress read it. */
export type { HttpEvent }

/**
 * How a run that writes through the APIs stops: on Ctrl-C (SIGINT/SIGTERM, a second one exits at once), or at the
 * first API nothing answers at, since every call would then fail the same way and fill the dead letters. `sync`,
 * `backfill` and `tags sync` share it so that they stop alike.
 */
export class RunControl {
  private readonly run = new AbortController()
  private readonly interrupt: { signal: AbortSignal; dispose: () => void }
  private unreachable: UnreachableError | null = null
  /** Each client's own words for its failures: the hint of an unreachable API names that API's settings. */
  private readonly dialects: Partial<Record<ServiceName, ErrorDialect>> = {}

  constructor(notifyInterrupted: () => void) {
    this.interrupt = onInterrupt(notifyInterrupted)
    this.interrupt.signal.addEventListener('abort', () => this.run.abort(this.interrupt.signal.reason), { once: true })
  }

  /** Aborted on Ctrl-C or when an API is unreachable; hand it to the service. */
  get signal(): AbortSignal {
    return this.run.signal
  }

  /** Feed every HTTP event of the run's runtime here (Runtime's onHttpEvent). */
  readonly watch = (event: HttpEvent): void => {
    if (event.type !== 'unreachable' || this.run.signal.aborted) return
    this.unreachable = new UnreachableError({
      service: event.service,
      endpoint: event.endpoint,
      url: event.url,
      reason: event.reason,
      hint: this.dialects[event.service]?.hintFor('unreachable'),
    })
    // An abort, so the engine stops as on Ctrl-C (calls in flight left for the ledger to resume).
    this.run.abort(new DOMException(this.unreachable.message, 'AbortError'))
  }

  /** The engine does not hand its signal to every call: the clients end their own waits and requests. */
  attach(runtime: Runtime): void {
    for (const client of [runtime.aircall, runtime.intercom]) {
      client.http.cancelOn(this.run.signal)
      this.dialects[client.http.service] = client.http.errors
    }
  }

  /** Runs the service, reporting an unreachable API rather than what the abort made of the run. */
  async perform<T>(work: () => Promise<T>): Promise<T> {
    const result = await work().catch((error: unknown) => {
      throw this.unreachable ?? error
    })
    if (this.unreachable) throw this.unreachable
    return result
  }

  dispose(): void {
    this.interrupt.dispose()
  }
}
