import { createHmac, timingSafeEqual } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ADMIN, at, OTHER_ADMIN, SECRET, startHarness, startReceiver, str, type Harness } from './helpers.js'

function verify(raw: string, header: unknown): boolean {
  if (typeof header !== 'string') return false
  const expected = Buffer.from(`sha1=${createHmac('sha1', SECRET).update(raw).digest('hex')}`)
  const got = Buffer.from(header)
  return expected.length === got.length && timingSafeEqual(expected, got)
}

describe('Intercom emulator: webhooks', () => {
  let h: Harness
  beforeEach(async () => {
    h = await startHarness({ webhookRetryDelayMs: 20, webhookThrottleMs: 20, webhookTimeoutMs: 500 })
  })
  afterEach(async () => {
    await h.em.close()
  })

  it('probes with HEAD, then delivers signed notification envelopes for REST writes (own writes included)', async () => {
    const rx = await startReceiver()
    try {
      await h.em.subscribe(rx.url, ['contact.user.created', 'conversation.admin.noted', 'conversation.user.created'])
      expect(rx.heads).toBe(1)
      const contact = await h.api('POST', '/contacts', { email: 'w@example.com' })
      const conv = await h.api('POST', '/conversations', {
        from: { type: 'user', id: str(contact.body, 'id') },
        body: 'hi',
      })
      await h.api('POST', `/conversations/${str(conv.body, 'conversation_id')}/reply`, {
        type: 'admin',
        message_type: 'note',
        admin_id: ADMIN,
        body: 'logged by the toolkit',
      })
      await h.em.webhooksIdle()
      expect(rx.received.map((r) => at(r.body, 'topic'))).toEqual([
        'contact.user.created',
        'conversation.user.created',
        'conversation.admin.noted',
      ])
      for (const r of rx.received) {
        expect(verify(r.raw, r.headers['x-hub-signature'])).toBe(true)
        expect(r.headers['user-agent']).toBe('intercom-parrot-service-client/1.0')
        expect(r.body).toMatchObject({
          type: 'notification_event',
          data: { type: 'notification_event_data' },
          delivery_attempts: 1,
          first_sent_at: expect.any(Number),
        })
        expect(str(r.body, 'id')).toMatch(/^notif_[0-9a-f-]{36}$/)
      }
      const noted = rx.received[2]!.body
      expect(at(noted, 'data', 'item', 'conversation_parts', 'conversation_parts', 0, 'author', 'id')).toBe(ADMIN)
      expect(verify(rx.received[0]!.raw.replace('w@', 'x@'), rx.received[0]!.headers['x-hub-signature'])).toBe(false)
    } finally {
      await rx.close()
    }
  })

  it('retries a failing endpoint once, then marks the notification failed', async () => {
    const rx = await startReceiver(() => 500)
    try {
      await h.em.subscribe(rx.url, ['contact.lead.created'])
      await h.api('POST', '/contacts', { role: 'lead' })
      await h.em.webhooksIdle()
      expect(rx.received.map((r) => at(r.body, 'delivery_attempts'))).toEqual([1, 2])
      expect(at(rx.received[1]!.body, 'id')).toBe(at(rx.received[0]!.body, 'id'))
      const [delivery] = h.em.webhooks().deliveries
      expect(delivery).toMatchObject({ status: 'failed' })
      expect(delivery!.attempts).toHaveLength(2)
    } finally {
      await rx.close()
    }
  })

  it('marks a dead URL failed after the retry', async () => {
    const rx = await startReceiver()
    await h.em.subscribe(rx.url, ['contact.lead.created'])
    await rx.close()
    await h.api('POST', '/contacts', { role: 'lead' })
    await h.em.webhooksIdle()
    const [delivery] = h.em.webhooks().deliveries
    expect(delivery).toMatchObject({ status: 'failed' })
    expect(delivery!.attempts.map((a) => a.status)).toEqual([null, null])
  })

  it('disables the subscription when the endpoint answers 410', async () => {
    const rx = await startReceiver(() => 410)
    try {
      await h.em.subscribe(rx.url, ['contact.lead.created'])
      await h.api('POST', '/contacts', { role: 'lead' })
      await h.em.webhooksIdle()
      await h.api('POST', '/contacts', { role: 'lead' })
      await h.em.webhooksIdle()
      expect(rx.received).toHaveLength(1)
      expect(h.em.webhooks().subscriptions[0]).toMatchObject({ active: false })
    } finally {
      await rx.close()
    }
  })

  it('throttles after a 429 and delivers later', async () => {
    const rx = await startReceiver((n) => (n === 1 ? 429 : 200))
    try {
      await h.em.subscribe(rx.url, ['contact.lead.created'])
      await h.api('POST', '/contacts', { role: 'lead' })
      await h.em.webhooksIdle()
      expect(rx.received).toHaveLength(2)
      expect(h.em.webhooks().deliveries[0]).toMatchObject({ status: 'delivered' })
    } finally {
      await rx.close()
    }
  })

  it('refuses a subscription whose URL fails the HEAD probe', async () => {
    const rx = await startReceiver()
    await rx.close()
    await expect(h.em.subscribe(rx.url, ['ping'])).rejects.toThrow(/HEAD/)
  })

  it('emits "outside" events from the control API and duplicates under chaos', async () => {
    const rx = await startReceiver()
    try {
      const contact = str((await h.api('POST', '/contacts', { email: 'o@example.com' })).body, 'id')
      const conv = str(
        (await h.api('POST', '/conversations', { from: { type: 'user', id: contact }, body: 'x' })).body,
        'conversation_id',
      )
      await h.em.subscribe(rx.url, ['conversation.priority.updated', 'conversation.admin.assigned'])
      h.em.setWebhookChaos({ duplicateRate: 1 })
      const res = await fetch(`${h.em.url}/_emulator/conversations/${conv}/priority`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ priority: 'urgent' }),
      })
      expect(res.status).toBe(200)
      h.em.assign(conv, { adminId: OTHER_ADMIN, assigneeType: 'admin', assigneeId: OTHER_ADMIN })
      h.em.ping()
      await h.em.webhooksIdle()
      const topics = rx.received.map((r) => at(r.body, 'topic'))
      expect(topics).toEqual([
        'conversation.priority.updated',
        'conversation.priority.updated',
        'conversation.admin.assigned',
        'conversation.admin.assigned',
        'ping',
      ])
      expect(at(rx.received[0]!.body, 'id')).toBe(at(rx.received[1]!.body, 'id'))
      expect(at(rx.received[0]!.body, 'data', 'item', 'priority')).toBe('urgent')
      expect(at(rx.received[4]!.body, 'id')).toBeNull()
    } finally {
      await rx.close()
    }
  })
})
