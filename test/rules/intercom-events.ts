import type { IntercomEvent } from '../../src/domain/intercom-event.js'
import { parseIntercomEvent } from '../../src/intercom/webhook-events.js'

/** A parsed Intercom notification for rule tests, built through the real parser. */
export function intercomEvent(topic: string, item: Record<string, unknown>): IntercomEvent {
  return parseIntercomEvent({ type: 'notification_event', id: `notif_${topic}`, topic, created_at: 1, data: { item } })
}

export function part(authorId: string, extra: Record<string, unknown> = {}) {
  return { conversation_parts: [{ id: 'p', created_at: 1, author: { type: 'admin', id: authorId }, ...extra }] }
}
