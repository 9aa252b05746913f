import { afterEach, describe, expect, test } from 'vitest'
import {
  deadPort,
  type Harness,
  minimalSeed,
  type Receiver,
  startHarness,
  startReceiver,
  T0,
  waitFor,
} from './helpers.js'

let h: Harness | undefined
let rx: Receiver | undefined
afterEach(async () => {
  await h?.emu.close()
  await rx?.close()
  h = undefined
  rx = undefined
})

type Webhook = { webhook_id: string; id: number; token: string; active: boolean; events: string[] }
const S0 = T0 / 1000

async function register(harness: Harness, url: string, events?: string[]): Promise<Webhook> {
  const r = await harness.json<{ webhook: Webhook }>('/v1/webhooks', {
    method: 'POST',
    body: JSON.stringify({ url, events }),
  })
  expect(r.status).toBe(201)
  return r.body.webhook
}

describe('webhook registry', () => {
  test('create 201 with uuid webhook_id, int id and token; https only; max 100; meta without links; events_action', async () => {
    h = await startHarness({ maxWebhooks: 3 })
    const wh = await register(h, 'https://example.com/hook', ['call.created'])
    expect(wh.webhook_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(Number.isInteger(wh.id)).toBe(true)
    expect(wh.token).toMatch(/^\w{20}$/)
    expect(
      (await h.json('/v1/webhooks', { method: 'POST', body: JSON.stringify({ url: 'http://example.com/x' }) })).status,
    ).toBe(400)
    expect(
      (
        await h.json('/v1/webhooks', {
          method: 'POST',
          body: JSON.stringify({ url: 'https://x.io', events: ['call.recording'] }),
        })
      ).status,
    ).toBe(400)
    const all = await register(h, 'http://127.0.0.1:9/hook')
    expect(all.events).toContain('contact.deleted')
    await register(h, 'https://example.com/3')
    expect(
      (await h.json('/v1/webhooks', { method: 'POST', body: JSON.stringify({ url: 'https://example.com/4' }) })).status,
    ).toBe(400)
    const list = await h.json<{ webhooks: Webhook[]; meta: Record<string, unknown> }>('/v1/webhooks')
    expect(list.body.meta).toEqual({ count: 3, total: 3, current_page: 1, per_page: 20 })
    const added = await h.json<{ webhook: Webhook }>(`/v1/webhooks/${wh.webhook_id}?events_action=add`, {
      method: 'PUT',
      body: JSON.stringify({ events: ['call.ended'] }),
    })
    expect(added.body.webhook.events).toEqual(['call.created', 'call.ended'])
    const removed = await h.json<{ webhook: Webhook }>(`/v1/webhooks/${wh.webhook_id}?events_action=remove`, {
      method: 'PUT',
      body: JSON.stringify({ events: ['call.created'] }),
    })
    expect(removed.body.webhook.events).toEqual(['call.ended'])
    expect((await h.api(`/v1/webhooks/${wh.webhook_id}`, { method: 'DELETE' })).status).toBe(204)
    expect((await h.api(`/v1/webhooks/${wh.webhook_id}`)).status).toBe(404)
  })
})

describe('delivery', () => {
  test('lifecycle: created → ringing → answered → hungup, then ended after the delay, then a silent rewrite', async () => {
    h = await startHarness({ endedDelayMs: 150, finaliseDelayMs: 20 })
    h.emu.seed(minimalSeed())
    rx = await startReceiver()
    const wh = await register(h, rx.url)
    const life = h.emu.injectCall({ phone: '+33612345678', stepDelayMs: 5, shiftStartedAt: true, talkSeconds: 90 })
    const injectedAt = Date.now()
    await waitFor(() => rx!.received.some((r) => r.body.event === 'call.hungup'))
    await waitFor(() => rx!.received.some((r) => r.body.event === 'call.ended'))
    // Measured from the injection (live steps take ~20 ms), not from the hungup's arrival: a loaded machine can
    // deliver hungup late, which would shrink the apparent gap without the emulator having shortened it.
    const endedAt = rx.received.find((r) => r.body.event === 'call.ended')!.at
    expect(endedAt - injectedAt).toBeGreaterThanOrEqual(150)
    await h.emu.webhooksIdle()
    // Live steps 5 ms apart may arrive in any order (Aircall promises none); the emitted order is fixed.
    const emitted = h.emu
      .webhookDeliveries()
      .sort((a, b) => Number(/evt-(\d+)/.exec(a.deliveryId)![1]) - Number(/evt-(\d+)/.exec(b.deliveryId)![1]))
      .map((d) => d.meta.event)
    expect(emitted).toEqual([
      'call.created',
      'call.ringing_on_agent',
      'call.answered',
      'call.hungup',
      'call.ended',
      'call.comm_assets_generated',
    ])
    const first = rx.received.find((r) => r.body.event === 'call.created')!
    expect(Object.keys(first.body).sort()).toEqual(['data', 'event', 'resource', 'timestamp', 'token'])
    expect(first.body).toMatchObject({ resource: 'call', token: wh.token, timestamp: S0 })
    expect(first.headers['content-type']).toBe('application/json')
    expect(first.headers['aircall-origin']).toBe('webhooks')
    expect(Object.keys(first.headers).some((k) => /signature/i.test(k))).toBe(false)
    const data = first.body.data as Record<string, unknown>
    expect(data.sid).toBeUndefined()
    expect(data.call_uuid).toMatch(/^CA/)
    expect(Array.isArray(data.participants)).toBe(true)
    const ended = rx.received.find((r) => r.body.event === 'call.ended')!.body.data as Record<string, unknown>
    expect(ended).toMatchObject({ status: 'done', cost: '0.0', pricing_type: null })
    await life.done
    const after = (await h.json<{ call: Record<string, unknown> }>(`/v1/calls/${life.callId}`)).body.call
    expect(after.started_at).toBe((ended.started_at as number) + 1)
    expect(after.pricing_type).toBe('in_bundle')
    expect(after.cost).not.toBe('0.0')
    expect(after.duration).toBe((ended.duration as number) - 2)
  })

  test('a dead URL is retried, the webhook disabled, then re-enabled by a later success', async () => {
    h = await startHarness({ webhookRetryScheduleMs: new Array<number>(40).fill(25), webhookDisableAfterFailures: 3 })
    h.emu.seed(minimalSeed())
    const port = await deadPort()
    const wh = await register(h, `http://127.0.0.1:${port}/hook`)
    h.emu.addCalls([{ id: 1, startedAt: S0 - 100, phone: '+33612345678' }])
    await h.api('/v1/calls/1/archive', { method: 'PUT' })
    await waitFor(() => h!.emu.webhooks()[0]?.active === false)
    expect(h.emu.webhookFailures().length).toBeGreaterThanOrEqual(3)
    expect(h.emu.webhookFailures()[0]).toMatchObject({ ok: false, status: null, attempt: 1 })
    // New events are not sent to a disabled webhook.
    await h.api('/v1/calls/1/unarchive', { method: 'PUT' })
    await h.api('/v1/calls/1/archive', { method: 'PUT' })
    expect(h.emu.skippedWebhookDeliveries()).toEqual([
      expect.objectContaining({ webhookId: wh.webhook_id, event: 'call.archived' }),
    ])
    rx = await startReceiver(port)
    await waitFor(() => rx!.received.length > 0)
    await waitFor(() => h!.emu.webhooks()[0]?.active === true)
    expect(h.emu.webhookDeliveries()[0]!.attempt).toBeGreaterThan(3)
    expect((await h.json<{ webhook: Webhook }>(`/v1/webhooks/${wh.webhook_id}`)).body.webhook.active).toBe(true)
  })

  test('non-2xx and timeouts count as failures', async () => {
    h = await startHarness({ webhookRetryScheduleMs: [10], webhookTimeoutMs: 100 })
    h.emu.seed(minimalSeed())
    rx = await startReceiver()
    rx.status = 500
    await register(h, rx.url)
    h.emu.addCalls([{ id: 1, startedAt: S0 - 100, phone: '+33612345678' }])
    await h.api('/v1/calls/1/archive', { method: 'PUT' })
    await h.emu.webhooksIdle()
    expect(h.emu.webhookFailures().map((f) => f.status)).toEqual([500, 500])
  })

  test('chaos: duplicates are byte-identical, reordering delivers newest first, wrong token on demand', async () => {
    h = await startHarness()
    h.emu.seed(minimalSeed())
    rx = await startReceiver()
    const wh = await register(h, rx.url, ['call.commented', 'call.tagged', 'call.archived'])
    h.emu.addCalls([{ id: 1, startedAt: S0 - 100, phone: '+33612345678' }])
    h.emu.setWebhookChaos({ duplicateRate: 1 })
    await h.api('/v1/calls/1/archive', { method: 'PUT' })
    await h.emu.webhooksIdle()
    expect(rx.received).toHaveLength(2)
    expect(JSON.stringify(rx.received[0]!.body)).toBe(JSON.stringify(rx.received[1]!.body))
    rx.received.length = 0
    h.emu.setWebhookChaos({ duplicateRate: 0, reorder: true, reorderWindowMs: 600 })
    await h.api('/v1/calls/1/comments', { method: 'POST', body: JSON.stringify({ content: 'x' }) })
    await h.api('/v1/calls/1/tags', { method: 'POST', body: JSON.stringify({ tags: [1] }) })
    await h.api('/v1/calls/1/archive', { method: 'PUT' })
    await h.emu.webhooksIdle()
    expect(rx.received.map((r) => r.body.event)).toEqual(['call.archived', 'call.tagged', 'call.commented'])
    rx.received.length = 0
    h.emu.clearWebhookChaos()
    h.emu.setWebhookChaos({ wrongTokenRate: 1 })
    await h.api('/v1/calls/1/archive', { method: 'PUT' })
    await h.emu.webhooksIdle()
    expect(rx.received[0]!.body.token).not.toBe(wh.token)
  })
})

describe('insight cards', () => {
  test('accepted while the call is live, rejected once it is done (configurable), recorded', async () => {
    h = await startHarness({ endedDelayMs: 60, finaliseDelayMs: 10_000 })
    h.emu.seed(minimalSeed())
    const life = h.emu.injectCall({ phone: '+33612345678', stepDelayMs: 200 })
    const card = {
      contents: [
        { type: 'title', text: 'Acme Corp', link: 'https://crm/acct/1' },
        { type: 'shortText', label: 'Plan', text: 'Pro' },
      ],
    }
    const live = await h.api(`/v1/calls/${life.callId}/insight_cards`, { method: 'POST', body: JSON.stringify(card) })
    expect(live.status).toBe(201)
    expect(
      (await h.api(`/v1/calls/${life.callId}/insight_cards`, { method: 'POST', body: JSON.stringify({ cards: [] }) }))
        .status,
    ).toBe(400)
    await waitFor(() => h!.emu.getCall(life.callId)?.status === 'done')
    const late = await h.api(`/v1/calls/${life.callId}/insight_cards`, { method: 'POST', body: JSON.stringify(card) })
    expect(late.status).toBe(422)
    expect(h.emu.insightCards()).toEqual([{ callId: life.callId, at: T0, contents: card.contents }])
    h.emu.updateSettings({ insightCardsAfterEnd: 'accept' })
    expect(
      (await h.api(`/v1/calls/${life.callId}/insight_cards`, { method: 'POST', body: JSON.stringify(card) })).status,
    ).toBe(201)
  })
})
