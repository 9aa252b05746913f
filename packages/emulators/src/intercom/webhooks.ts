/**
 * Intercom's webhook emitter: app subscriptions with topics, HEAD probe at registration, the notification envelope
 * signed with HMAC-SHA1(client_secret, raw body), a 5 s timeout, one retry after a minute, disable on 410, throttle on
 * 429, plus chaos (duplicates, reordering) drawn from the seeded PRNG.
 */
import { createHmac } from 'node:crypto'
import type { Rng } from '../common/prng.js'

export const WEBHOOK_USER_AGENT = 'intercom-parrot-service-client/1.0'
/** A notification held back by throttling for longer than this is dropped (WHM). */
const MAX_THROTTLE_DELAY_MS = 2 * 60 * 60 * 1000

export interface Subscription {
  id: string
  url: string
  topics: string[]
  active: boolean
  disabledReason: string | null
  throttledUntilMs: number
  createdAt: number
}

export interface DeliveryAttempt {
  at: number
  status: number | null
  error: string | null
}

export interface DeliveryRecord {
  notificationId: string | null
  subscriptionId: string
  url: string
  topic: string
  status: 'pending' | 'delivered' | 'failed' | 'dropped'
  reason: string | null
  duplicate: boolean
  attempts: DeliveryAttempt[]
  /** The last body sent, exactly as signed. */
  body: string
  firstSentAt: number | null
}

export interface WebhookChaos {
  /** Probability that a notification is delivered twice (same id). */
  duplicateRate: number
  /** Each delivery waits a random 0..N ms, so notifications overtake each other. */
  reorderMaxDelayMs: number
}

export interface WebhookEmitterOptions {
  clientSecret: string
  appId: string
  timeoutMs: number
  retryDelayMs: number
  throttleMs: number
  /** Injected clock, UNIX ms. */
  now: () => number
  rng: Rng
  uuid: () => string
}

export function signBody(clientSecret: string, rawBody: string): string {
  return `sha1=${createHmac('sha1', clientSecret).update(rawBody).digest('hex')}`
}

export class WebhookEmitter {
  private subscriptions: Subscription[] = []
  private deliveries: DeliveryRecord[] = []
  private probes: Array<{ url: string; status: number | null; error: string | null }> = []
  private chaos: WebhookChaos = { duplicateRate: 0, reorderMaxDelayMs: 0 }
  private inFlight = 0
  private idleWaiters: Array<() => void> = []
  private timers = new Set<NodeJS.Timeout>()
  private chains = new Map<string, Promise<void>>()
  private counter = 0
  private closed = false

  constructor(private readonly o: WebhookEmitterOptions) {}

  async subscribe(url: string, topics: string[], verify = true): Promise<Subscription> {
    if (verify) {
      // Intercom validates the endpoint with a HEAD request before saving the subscription.
      let status: number | null = null
      let error: string | null = null
      try {
        const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(this.o.timeoutMs) })
        status = res.status
      } catch (e) {
        error = e instanceof Error ? e.message : String(e)
      }
      this.probes.push({ url, status, error })
      if (status === null || status >= 300) {
        throw new Error(`HEAD ${url} failed: ${error ?? `status ${String(status)}`}`)
      }
    }
    this.counter += 1
    const sub: Subscription = {
      id: `sub_${this.counter}`,
      url,
      topics: [...new Set(topics)],
      active: true,
      disabledReason: null,
      throttledUntilMs: 0,
      createdAt: Math.floor(this.o.now() / 1000),
    }
    this.subscriptions.push(sub)
    return sub
  }

  unsubscribe(id: string): boolean {
    const before = this.subscriptions.length
    this.subscriptions = this.subscriptions.filter((s) => s.id !== id)
    return this.subscriptions.length !== before
  }

  setChaos(chaos: Partial<WebhookChaos>): WebhookChaos {
    this.chaos = { ...this.chaos, ...chaos }
    return { ...this.chaos }
  }

  list(): {
    subscriptions: Subscription[]
    deliveries: DeliveryRecord[]
    probes: WebhookEmitter['probes']
    chaos: WebhookChaos
  } {
    return {
      subscriptions: this.subscriptions.map((s) => ({ ...s, topics: [...s.topics] })),
      deliveries: this.deliveries.map((d) => ({ ...d, attempts: [...d.attempts] })),
      probes: [...this.probes],
      chaos: { ...this.chaos },
    }
  }

  /** Notifies every active subscription to the topic ("ping" is always subscribed). */
  emit(topic: string, item: Record<string, unknown>): void {
    for (const sub of this.subscriptions) {
      if (!sub.active || (topic !== 'ping' && !sub.topics.includes(topic))) continue
      const notificationId = topic === 'ping' ? null : `notif_${this.o.uuid()}`
      const createdAt = Math.floor(this.o.now() / 1000)
      this.enqueue(sub, topic, item, notificationId, createdAt, false)
      if (this.chaos.duplicateRate > 0 && this.o.rng.next() < this.chaos.duplicateRate) {
        this.enqueue(sub, topic, item, notificationId, createdAt, true)
      }
    }
  }

  ping(subscriptionId?: string): number {
    const targets = this.subscriptions.filter(
      (s) => s.active && (subscriptionId === undefined || s.id === subscriptionId),
    )
    for (const sub of targets) {
      this.enqueue(
        sub,
        'ping',
        { type: 'ping', message: 'Emulated ping from the Intercom emulator' },
        null,
        Math.floor(this.o.now() / 1000),
        false,
      )
    }
    return targets.length
  }

  /** Resolves once no delivery is pending or scheduled; tests await it instead of sleeping. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  reset(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.subscriptions = []
    this.deliveries = []
    this.probes = []
    this.chains.clear()
    this.chaos = { duplicateRate: 0, reorderMaxDelayMs: 0 }
    this.inFlight = 0
    this.flushIdle()
  }

  close(): void {
    this.closed = true
    this.reset()
  }

  private enqueue(
    sub: Subscription,
    topic: string,
    item: Record<string, unknown>,
    notificationId: string | null,
    createdAt: number,
    duplicate: boolean,
  ): void {
    const record: DeliveryRecord = {
      notificationId,
      subscriptionId: sub.id,
      url: sub.url,
      topic,
      status: 'pending',
      reason: null,
      duplicate,
      attempts: [],
      body: '',
      firstSentAt: null,
    }
    this.deliveries.push(record)
    this.inFlight += 1
    const envelope = { item: structuredClone(item), createdAt }
    const delay = this.chaos.reorderMaxDelayMs > 0 ? Math.floor(this.o.rng.next() * this.chaos.reorderMaxDelayMs) : 0
    if (delay > 0) {
      this.later(delay, () => void this.attempt(sub, record, envelope, performance.now()))
      return
    }
    // Without reorder chaos, one subscription receives notifications in emission order.
    const prev = this.chains.get(sub.id) ?? Promise.resolve()
    const queuedAt = performance.now()
    const next = prev.then(() => this.attempt(sub, record, envelope, queuedAt))
    this.chains.set(sub.id, next)
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.add(t)
  }

  private async attempt(
    sub: Subscription,
    record: DeliveryRecord,
    envelope: { item: Record<string, unknown>; createdAt: number },
    queuedAtMs: number,
  ): Promise<void> {
    if (this.closed) return
    if (!sub.active) return this.finish(record, 'dropped', sub.disabledReason ?? 'subscription disabled')
    // Delays run on real timers (compressed through options in tests), so throttling uses the monotonic clock.
    const nowMs = performance.now()
    if (sub.throttledUntilMs > nowMs) {
      if (sub.throttledUntilMs - queuedAtMs > MAX_THROTTLE_DELAY_MS)
        return this.finish(record, 'dropped', 'throttled for more than 2 hours')
      this.later(sub.throttledUntilMs - nowMs, () => void this.attempt(sub, record, envelope, queuedAtMs))
      return
    }
    const sentAt = Math.floor(this.o.now() / 1000)
    record.firstSentAt ??= sentAt
    const payload = {
      type: 'notification_event',
      app_id: this.o.appId,
      data: { type: 'notification_event_data', item: envelope.item },
      links: {},
      id: record.notificationId,
      topic: record.topic,
      delivery_status: 'pending',
      delivery_attempts: record.attempts.length + 1,
      delivered_at: 0,
      first_sent_at: record.firstSentAt,
      created_at: envelope.createdAt,
      self: null,
    }
    const raw = JSON.stringify(payload)
    record.body = raw
    let status: number | null = null
    let error: string | null = null
    try {
      const res = await fetch(sub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'user-agent': WEBHOOK_USER_AGENT,
          'x-hub-signature': signBody(this.o.clientSecret, raw),
        },
        body: raw,
        signal: AbortSignal.timeout(this.o.timeoutMs),
      })
      status = res.status
      await res.arrayBuffer().catch(() => undefined)
    } catch (e) {
      error =
        e instanceof Error && e.name === 'TimeoutError'
          ? `no response within ${this.o.timeoutMs} ms`
          : e instanceof Error
            ? e.message
            : String(e)
    }
    if (this.closed) return
    record.attempts.push({ at: sentAt, status, error })
    if (status !== null && status >= 200 && status < 300) return this.finish(record, 'delivered', null)
    if (status === 410) {
      sub.active = false
      sub.disabledReason = 'endpoint answered 410 Gone'
      return this.finish(record, 'failed', sub.disabledReason)
    }
    if (status === 429) {
      sub.throttledUntilMs = performance.now() + this.o.throttleMs
      record.attempts.pop()
      record.attempts.push({ at: sentAt, status, error: 'throttled' })
      this.later(this.o.throttleMs, () => void this.attempt(sub, record, envelope, queuedAtMs))
      return
    }
    // Intercom retries once, a minute later, then marks the notification failed.
    if (record.attempts.filter((a) => a.error !== 'throttled').length < 2) {
      this.later(this.o.retryDelayMs, () => void this.attempt(sub, record, envelope, queuedAtMs))
      return
    }
    this.finish(record, 'failed', error ?? `status ${String(status)}`)
  }

  private finish(record: DeliveryRecord, status: DeliveryRecord['status'], reason: string | null): void {
    record.status = status
    record.reason = reason
    this.inFlight = Math.max(0, this.inFlight - 1)
    if (this.inFlight === 0) this.flushIdle()
  }

  private flushIdle(): void {
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const w of waiters) w()
  }
}
