import type { EventSource } from '../store/state-store.js'

export interface Rejection {
  source: EventSource | null
  status: number
  /** A fixed label (never text from the request): it keys the aggregation, so the set of keys stays small. */
  cause: string
  /** What the first rejection of a cause is logged with; may carry detail such as the missing field. */
  reason: string
}

export interface RejectedEvent {
  type: 'rejected'
  source: EventSource | null
  status: number
  reason: string
  /** How many rejected requests this line stands for. */
  count: number
}

/** Runs fn once after ms; returns what cancels it. */
export type Schedule = (fn: () => void, ms: number) => () => void

export interface RejectionLogOptions {
  emit: (event: RejectedEvent) => void
  intervalMs?: number
  schedule?: Schedule
}

interface Cause extends Rejection {
  /** Rejections since the last line for this cause. */
  count: number
}

const defaultSchedule: Schedule = (fn, ms) => {
  // The summary must not keep a process alive that is otherwise done.
  const timer = setTimeout(fn, ms).unref()
  return () => clearTimeout(timer)
}

const describeInterval = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`)

/**
 * Turns one rejection per request into at most one log line per cause per interval: unauthenticated traffic
 * is free to send, and a line per request would let it fill the disk. The first rejection of a cause is
 * reported at once (with its detail) so a misconfiguration shows immediately; the others of that cause are
 * counted and reported as one line when the interval ends. A cause quiet for a whole interval is forgotten,
 * so its next rejection is again reported at once.
 */
export class RejectionLog {
  private readonly causes = new Map<string, Cause>()
  private cancel: (() => void) | null = null
  private readonly intervalMs: number
  private readonly schedule: Schedule

  constructor(private readonly options: RejectionLogOptions) {
    this.intervalMs = options.intervalMs ?? 10_000
    this.schedule = options.schedule ?? defaultSchedule
  }

  record(rejection: Rejection): void {
    const key = `${rejection.status} ${rejection.source ?? '-'} ${rejection.cause}`
    const known = this.causes.get(key)
    if (known) {
      known.count += 1
      return
    }
    this.causes.set(key, { ...rejection, count: 0 })
    this.options.emit({
      type: 'rejected',
      source: rejection.source,
      status: rejection.status,
      reason: rejection.reason,
      count: 1,
    })
    this.cancel ??= this.schedule(this.tick, this.intervalMs)
  }

  /** Reports what was counted but not yet reported; nothing is scheduled afterwards. */
  close(): void {
    this.cancel?.()
    this.cancel = null
    this.report()
    this.causes.clear()
  }

  private readonly tick = (): void => {
    this.cancel = null
    this.report()
    if (this.causes.size > 0) this.cancel = this.schedule(this.tick, this.intervalMs)
  }

  private report(): void {
    for (const [key, cause] of this.causes) {
      if (cause.count === 0) {
        this.causes.delete(key)
        continue
      }
      const reason = `${cause.cause} (${cause.count} more in the last ${describeInterval(this.intervalMs)})`
      this.options.emit({ type: 'rejected', source: cause.source, status: cause.status, reason, count: cause.count })
      cause.count = 0
    }
  }
}
