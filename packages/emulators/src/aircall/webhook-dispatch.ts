/**
 * Aircall-style webhook delivery: the five-field envelope with a body token (no signature), 5 s
 * timeout, retries, disabling after N consecutive failures and re-enabling on a later success, plus
 * chaos knobs (duplicates, reordering, wrong token) for proving receivers are idempotent and strict.
 * A disabled webhook gets no new events; retries of already-failed events continue, as documented.
 */
import { type DeliveryAttempt, type DeliveryJob, WebhookDeliverer } from '../common/webhook-deliverer.js'
import type { Rng } from '../common/prng.js'
import type { AircallSettings } from './core.js'
import type { AircallStore, WebhookRecord } from './store.js'

export interface WebhookChaos {
  /** Probability in [0,1] that a delivery is sent twice (byte-identical). */
  duplicateRate: number
  /** Hold events for `reorderWindowMs` and release them newest first. */
  reorder: boolean
  reorderWindowMs: number
  /** Probability in [0,1] that a delivery carries a wrong `token`. */
  wrongTokenRate: number
}

export const NO_CHAOS: WebhookChaos = { duplicateRate: 0, reorder: false, reorderWindowMs: 50, wrongTokenRate: 0 }

export interface SkippedDelivery {
  webhookId: string
  event: string
  at: number
  reason: 'disabled'
}

interface Pending {
  job: DeliveryJob
  duplicate: boolean
}

export class WebhookDispatcher {
  readonly deliverer: WebhookDeliverer
  readonly skipped: SkippedDelivery[] = []
  chaos: WebhookChaos = { ...NO_CHAOS }
  private eventSeq = 0
  private held: Pending[] = []
  private holdTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly store: AircallStore,
    private readonly settings: AircallSettings,
    private readonly now: () => number,
    private readonly rng: Rng,
  ) {
    this.deliverer = new WebhookDeliverer({
      timeoutMs: settings.webhookTimeoutMs,
      retryScheduleMs: settings.webhookRetryScheduleMs,
      now,
      onAttempt: (attempt) => this.track(attempt),
      shouldRetry: (job) => store.webhooks.has(job.targetId),
    })
  }

  configure(): void {
    this.deliverer.configure({
      timeoutMs: this.settings.webhookTimeoutMs,
      retryScheduleMs: this.settings.webhookRetryScheduleMs,
    })
  }

  emit(resource: string, event: string, data: unknown): void {
    this.eventSeq += 1
    const timestamp = Math.floor(this.now() / 1000)
    for (const wh of this.store.webhooks.values()) {
      if (!wh.events.includes(event)) continue
      if (!wh.active) {
        this.skipped.push({ webhookId: wh.webhookId, event, at: this.now(), reason: 'disabled' })
        continue
      }
      const wrongToken = this.chaos.wrongTokenRate > 0 && this.rng.next() < this.chaos.wrongTokenRate
      const token = wrongToken ? `wrong-${this.rng.hex(16)}` : wh.token
      const job: DeliveryJob = {
        id: `evt-${this.eventSeq}:${wh.webhookId}`,
        targetId: wh.webhookId,
        url: wh.url,
        body: JSON.stringify({ resource, event, timestamp, token, data }),
        headers: { 'content-type': 'application/json', 'aircall-origin': 'webhooks', 'user-agent': 'axios/1.7.9' },
        meta: { event, resource, wrongToken, duplicate: false },
      }
      const duplicate = this.chaos.duplicateRate > 0 && this.rng.next() < this.chaos.duplicateRate
      this.dispatch({ job, duplicate })
    }
  }

  idle(): Promise<void> {
    if (this.held.length > 0)
      return new Promise((r) => setTimeout(r, this.chaos.reorderWindowMs + 5)).then(() => this.idle())
    return this.deliverer.idle()
  }

  reset(): void {
    this.deliverer.clearRecords()
    this.skipped.length = 0
    this.chaos = { ...NO_CHAOS }
  }

  close(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer)
    this.held = []
    this.deliverer.close()
  }

  private dispatch(p: Pending): void {
    if (!this.chaos.reorder) {
      this.send(p, 0)
      return
    }
    this.held.push(p)
    if (this.holdTimer) return
    this.holdTimer = setTimeout(() => {
      this.holdTimer = null
      const batch = this.held.reverse()
      this.held = []
      // Staggered so the receiver really sees the reversed order despite concurrent sockets.
      batch.forEach((item, i) => this.send(item, i * 15))
    }, this.chaos.reorderWindowMs)
  }

  private send(p: Pending, delayMs: number): void {
    this.deliverer.enqueue(p.job, delayMs)
    if (p.duplicate) this.deliverer.enqueue({ ...p.job, meta: { ...p.job.meta, duplicate: true } }, delayMs + 10)
  }

  private track(attempt: DeliveryAttempt): void {
    const wh: WebhookRecord | undefined = this.store.webhooks.get(attempt.targetId)
    if (!wh) return
    if (attempt.ok) {
      wh.consecutiveFailures = 0
      wh.active = true
      return
    }
    wh.consecutiveFailures += 1
    if (wh.consecutiveFailures >= this.settings.webhookDisableAfterFailures) wh.active = false
  }
}
