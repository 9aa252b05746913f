import type { AircallRequester, WriteOptions } from './requester.js'
import { type AircallWebhook, aircallWebhookSchema, webhookEnvelope } from './schemas.js'

export class AircallWebhooks {
  constructor(private readonly api: AircallRequester) {}

  /** An empty or missing `events` subscribes to every event (Aircall's rule). */
  async create(
    input: { url: string; events?: string[]; customName?: string },
    options: WriteOptions = {},
  ): Promise<AircallWebhook> {
    const { data } = await this.api.http.request({
      method: 'POST',
      path: '/v1/webhooks',
      body: { url: input.url, events: input.events, custom_name: input.customName },
      schema: webhookEnvelope,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data.webhook
  }

  list(signal?: AbortSignal): AsyncGenerator<AircallWebhook> {
    return this.api.list('/v1/webhooks', 'webhooks', aircallWebhookSchema, {}, signal)
  }

  async get(webhookId: string, signal?: AbortSignal): Promise<AircallWebhook> {
    return (
      await this.api.http.request({ method: 'GET', path: `/v1/webhooks/${webhookId}`, schema: webhookEnvelope, signal })
    ).data.webhook
  }

  async update(
    webhookId: string,
    input: { url?: string; events?: string[]; active?: boolean; eventsAction?: 'add' | 'remove' },
    signal?: AbortSignal,
  ): Promise<AircallWebhook> {
    const { data } = await this.api.http.request({
      method: 'PUT',
      path: `/v1/webhooks/${webhookId}`,
      query: { events_action: input.eventsAction },
      body: { url: input.url, events: input.events, active: input.active },
      schema: webhookEnvelope,
      signal,
    })
    return data.webhook
  }

  async delete(webhookId: string, signal?: AbortSignal): Promise<void> {
    await this.api.http.request({ method: 'DELETE', path: `/v1/webhooks/${webhookId}`, signal })
  }
}
