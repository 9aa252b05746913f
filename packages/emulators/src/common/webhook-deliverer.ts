/**
 * Outbound webhook delivery with a per-attempt timeout (AbortSignal), retries on a configurable
 * (compressed) schedule, and a full record of attempts so tests can assert what a receiver saw.
 * Success means a 2xx answer; redirects, other statuses, timeouts and network errors are failures.
 */
import type { Clock } from '../types.js'

export interface DeliveryJob {
  /** Stable id of the logical delivery; retries and duplicates of it share this id. */
  id: string
  /** What is being delivered to (e.g. a webhook id); lets owners track consecutive failures. */
  targetId: string
  url: string
  /** Serialised exactly once so duplicates and retries are byte-identical. */
  body: string
  headers: Record<string, string>
  meta?: Record<string, unknown>
}

export interface DeliveryAttempt {
  deliveryId: string
  targetId: string
  url: string
  /** 1-based attempt number for this job. */
  attempt: number
  /** Clock time (ms) when the attempt started. */
  at: number
  ok: boolean
  status: number | null
  error: string | null
  body: string
  meta: Record<string, unknown>
}

export interface WebhookDelivererOptions {
  timeoutMs?: number
  /** Delay before retry i (length = number of retries). Real services spread these over hours. */
  retryScheduleMs?: number[]
  now?: Clock
  onAttempt?: (attempt: DeliveryAttempt, job: DeliveryJob) => void
  /** Asked before each retry; returning false abandons the job (e.g. its webhook was deleted). */
  shouldRetry?: (job: DeliveryJob, attempt: DeliveryAttempt) => boolean
}

export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = Array.from({ length: 50 }, (_, i) =>
  Math.min(50 * 2 ** i, 2_000),
)

export class WebhookDeliverer {
  readonly attempts: DeliveryAttempt[] = []
  /** Jobs that ran out of retries (or were abandoned) without a success. */
  readonly exhausted: DeliveryJob[] = []
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly controllers = new Set<AbortController>()
  private pending = 0
  private idleWaiters: Array<() => void> = []
  private closed = false
  private timeoutMs: number
  private schedule: readonly number[]
  private readonly now: Clock

  constructor(private readonly options: WebhookDelivererOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5_000
    this.schedule = options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS
    this.now = options.now ?? Date.now
  }

  /** Changes timeout/schedule for attempts started from now on (control APIs tune these at runtime). */
  configure(options: Pick<WebhookDelivererOptions, 'timeoutMs' | 'retryScheduleMs'>): void {
    if (options.timeoutMs !== undefined) this.timeoutMs = options.timeoutMs
    if (options.retryScheduleMs !== undefined) this.schedule = options.retryScheduleMs
  }

  get deliveries(): DeliveryAttempt[] {
    return this.attempts.filter((a) => a.ok)
  }

  get failures(): DeliveryAttempt[] {
    return this.attempts.filter((a) => !a.ok)
  }

  /** Starts delivering after `delayMs`; fire-and-forget, tracked by `idle()`. */
  enqueue(job: DeliveryJob, delayMs = 0): void {
    if (this.closed) return
    this.pending += 1
    this.schedule_(() => void this.run(job, 1), delayMs)
  }

  /** Resolves once nothing is queued, in flight or waiting for a retry. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  clearRecords(): void {
    this.attempts.length = 0
    this.exhausted.length = 0
  }

  /** Cancels scheduled retries and aborts in-flight requests. */
  close(): void {
    this.closed = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    for (const c of this.controllers) c.abort()
    this.controllers.clear()
    this.pending = 0
    this.flushIdle()
  }

  private schedule_(fn: () => void, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      fn()
    }, delayMs)
    this.timers.add(timer)
  }

  private async run(job: DeliveryJob, attemptNo: number): Promise<void> {
    if (this.closed) return
    const attempt = await this.send(job, attemptNo)
    if (this.closed) return
    this.attempts.push(attempt)
    this.options.onAttempt?.(attempt, job)
    const retryDelay = this.schedule[attemptNo - 1]
    const retry =
      !attempt.ok &&
      retryDelay !== undefined &&
      (this.options.shouldRetry ? this.options.shouldRetry(job, attempt) : true)
    if (retry) {
      this.schedule_(() => void this.run(job, attemptNo + 1), retryDelay)
      return
    }
    if (!attempt.ok) this.exhausted.push(job)
    this.pending -= 1
    this.flushIdle()
  }

  private async send(job: DeliveryJob, attemptNo: number): Promise<DeliveryAttempt> {
    const controller = new AbortController()
    this.controllers.add(controller)
    const timer = setTimeout(() => controller.abort(new Error(`timeout after ${this.timeoutMs} ms`)), this.timeoutMs)
    const base = {
      deliveryId: job.id,
      targetId: job.targetId,
      url: job.url,
      attempt: attemptNo,
      at: this.now(),
      body: job.body,
      meta: job.meta ?? {},
    }
    try {
      const res = await fetch(job.url, {
        method: 'POST',
        headers: job.headers,
        body: job.body,
        redirect: 'manual',
        signal: controller.signal,
      })
      // Drain so keep-alive sockets are reusable and the timeout covers the whole response.
      await res.arrayBuffer().catch(() => undefined)
      const ok = res.status >= 200 && res.status < 300
      return { ...base, ok, status: res.status, error: ok ? null : `HTTP ${res.status}` }
    } catch (err) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : err
      return { ...base, ok: false, status: null, error: describeError(reason) }
    } finally {
      clearTimeout(timer)
      this.controllers.delete(controller)
    }
  }

  private flushIdle(): void {
    if (this.pending > 0) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const w of waiters) w()
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause
    if (cause instanceof Error && cause.message) return `${err.message}: ${cause.message}`
    return err.message
  }
  return String(err)
}
