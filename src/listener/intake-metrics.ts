import { Counter, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client'
import type { EventSource } from '../store/state-store.js'

/** What a metrics snapshot crosses the thread boundary as (prom-client's own JSON form, structured-clonable). */
export type MetricsSnapshot = Array<MetricObjectWithValues<MetricValue<string>>>

/** Acknowledgements take well under a millisecond to a few seconds (a store held by another writer: 503 at 5 s). */
const ACK_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

type WebhookSource = Extract<EventSource, 'aircall' | 'intercom'>

/**
 * What the webhook intake counts, in its own registry: the intake may run on its own thread, where the main
 * thread's registry is out of reach. A scrape asks the intake for a snapshot and merges it with the main thread's
 * (prom-client's aggregation, as for cluster workers). Counting is a few increments per request on label children
 * bound once, so the acknowledgement path stays as cheap as it was.
 */
export class IntakeMetrics {
  private readonly registry = new Registry()
  private readonly receivedBy: Record<WebhookSource, Counter.Internal>
  private readonly acceptedBy: Record<WebhookSource, Counter.Internal>
  private readonly duplicateBy: Record<WebhookSource, Counter.Internal>
  private readonly ackBy: Record<WebhookSource, Histogram.Internal<string>>
  private readonly rejectedTotal: Counter<'source' | 'status' | 'cause'>

  constructor() {
    const registers = [this.registry]
    const received = new Counter({
      name: 'aircall_intercom_webhooks_received_total',
      help: 'Webhook requests received (POST /aircall, POST /intercom), whatever their fate.',
      labelNames: ['source'],
      registers,
    })
    const accepted = new Counter({
      name: 'aircall_intercom_webhooks_accepted_total',
      help: 'Webhooks stored as new events and acknowledged.',
      labelNames: ['source'],
      registers,
    })
    const duplicates = new Counter({
      name: 'aircall_intercom_webhooks_duplicates_total',
      help: 'Redelivered webhooks acknowledged without storing them again.',
      labelNames: ['source'],
      registers,
    })
    this.rejectedTotal = new Counter({
      name: 'aircall_intercom_webhooks_rejected_total',
      help: 'Webhook requests refused, by source, HTTP status and cause (a fixed label).',
      labelNames: ['source', 'status', 'cause'],
      registers,
    })
    const ack = new Histogram({
      name: 'aircall_intercom_webhook_ack_seconds',
      help: 'From a webhook request reaching its route to its acknowledgement (after the commit).',
      labelNames: ['source'],
      buckets: ACK_BUCKETS,
      registers,
    })
    const bind = <T>(make: (source: WebhookSource) => T): Record<WebhookSource, T> => ({
      aircall: make('aircall'),
      intercom: make('intercom'),
    })
    this.receivedBy = bind((source) => received.labels(source))
    this.acceptedBy = bind((source) => accepted.labels(source))
    this.duplicateBy = bind((source) => duplicates.labels(source))
    this.ackBy = bind((source) => ack.labels(source))
    // Present at zero from the start: a scraper sees the series before the first webhook.
    for (const source of ['aircall', 'intercom'] as const) {
      this.receivedBy[source].inc(0)
      this.acceptedBy[source].inc(0)
      this.duplicateBy[source].inc(0)
    }
  }

  received(source: EventSource): void {
    if (source === 'aircall' || source === 'intercom') this.receivedBy[source].inc()
  }

  acknowledged(source: EventSource, duplicate: boolean, seconds: number): void {
    if (source !== 'aircall' && source !== 'intercom') return
    ;(duplicate ? this.duplicateBy : this.acceptedBy)[source].inc()
    this.ackBy[source].observe(seconds)
  }

  rejected(source: EventSource | null, status: number, cause: string): void {
    this.rejectedTotal.inc({ source: source ?? 'none', status: String(status), cause })
  }

  snapshot(): Promise<MetricsSnapshot> {
    return this.registry.getMetricsAsJSON()
  }
}
