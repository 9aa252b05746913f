/**
 * /v1/webhooks registry. HTTPS-only URLs (loopback http allowed when `allowInsecureWebhookUrls`, which
 * the emulator enables by default because tests listen on 127.0.0.1), at most 100 per company, events
 * validated (omitted or empty = all), `events_action=add|remove` on PUT, and list meta without links.
 */
import { sendEmpty, sendJson } from '../common/http.js'
import type { RouteContext, Router } from '../common/router.js'
import { type EmulatorCore, readObjectBody } from './core.js'
import { badRequest, notFoundId } from './errors.js'
import { ALL_EVENTS } from './model.js'
import { readPage, sendPage } from './pagination.js'
import type { WebhookRecord } from './store.js'

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

export function serializeWebhook(w: WebhookRecord, baseUrl: string): Record<string, unknown> {
  return {
    webhook_id: w.webhookId,
    id: w.id,
    direct_link: `${baseUrl}/v1/webhooks/${w.webhookId}`,
    created_at: w.createdAt,
    url: w.url,
    active: w.active,
    events: [...w.events],
    token: w.token,
  }
}

export function installWebhookRoutes(router: Router, core: EmulatorCore): void {
  const find = (ctx: RouteContext): WebhookRecord | null => {
    const key = ctx.params.id ?? ''
    const wh = core.store.webhooks.get(key) ?? [...core.store.webhooks.values()].find((w) => String(w.id) === key)
    if (!wh) notFoundId(ctx.res, 'Webhook', key)
    return wh ?? null
  }

  router.post('/v1/webhooks', async (ctx) => {
    const body = await readObjectBody(ctx.req, ctx.res, core)
    if (!body) return
    const url = validateUrl(body.url, core.settings.allowInsecureWebhookUrls)
    if (url.error !== undefined) return badRequest(ctx.res, url.error)
    const events = readEvents(body.events)
    if (typeof events === 'string') return badRequest(ctx.res, events)
    if (core.store.webhooks.size >= core.settings.maxWebhooks) {
      return badRequest(ctx.res, `A company cannot have more than ${core.settings.maxWebhooks} webhooks`)
    }
    const wh: WebhookRecord = {
      webhookId: uuid(core),
      id: core.store.nextId('webhook'),
      url: url.value,
      // Not echoed back: the live API drops custom_name from its responses.
      customName: typeof body.custom_name === 'string' ? body.custom_name : null,
      events: events ?? [...ALL_EVENTS],
      token: core.settings.webhookToken ?? core.rng.hex(20),
      active: true,
      createdAt: new Date(core.now()).toISOString(),
      consecutiveFailures: 0,
    }
    core.store.webhooks.set(wh.webhookId, wh)
    sendJson(ctx.res, 201, { webhook: serializeWebhook(wh, core.baseUrl()) })
  })

  router.get('/v1/webhooks', (ctx) => {
    const page = readPage(ctx.query, ctx.res)
    if (!page) return
    const items = [...core.store.webhooks.values()].sort((a, b) => a.id - b.id)
    if (ctx.query.get('order') === 'desc') items.reverse()
    sendPage(
      ctx.res,
      'webhooks',
      items,
      page,
      { baseUrl: core.baseUrl(), pathname: ctx.url.pathname, query: ctx.query, withLinks: false },
      (w) => serializeWebhook(w, core.baseUrl()),
    )
  })

  router.get('/v1/webhooks/:id', (ctx) => {
    const wh = find(ctx)
    if (wh) sendJson(ctx.res, 200, { webhook: serializeWebhook(wh, core.baseUrl()) })
  })

  router.put('/v1/webhooks/:id', async (ctx) => {
    const wh = find(ctx)
    if (!wh) return
    const body = await readObjectBody(ctx.req, ctx.res, core)
    if (!body) return
    const action = ctx.query.get('events_action')
    if (action !== null && action !== 'add' && action !== 'remove')
      return badRequest(ctx.res, 'events_action must be add or remove')
    let url = wh.url
    if (body.url !== undefined) {
      const checked = validateUrl(body.url, core.settings.allowInsecureWebhookUrls)
      if (checked.error !== undefined) return badRequest(ctx.res, checked.error)
      url = checked.value
    }
    if (body.active !== undefined && typeof body.active !== 'boolean')
      return badRequest(ctx.res, 'active must be a boolean')
    const events = readEvents(body.events)
    if (typeof events === 'string') return badRequest(ctx.res, events)
    if (action === 'add') wh.events = [...new Set([...wh.events, ...(events ?? [])])]
    else if (action === 'remove') wh.events = wh.events.filter((e) => !(events ?? []).includes(e))
    else wh.events = events ?? [...ALL_EVENTS]
    wh.url = url
    if (body.active === true) wh.consecutiveFailures = 0
    if (typeof body.active === 'boolean') wh.active = body.active
    if (typeof body.custom_name === 'string') wh.customName = body.custom_name
    sendJson(ctx.res, 200, { webhook: serializeWebhook(wh, core.baseUrl()) })
  })

  router.delete('/v1/webhooks/:id', (ctx) => {
    const wh = find(ctx)
    if (!wh) return
    core.store.webhooks.delete(wh.webhookId)
    sendEmpty(ctx.res, 204)
  })
}

function validateUrl(
  value: unknown,
  allowInsecure: boolean,
): { value: string; error?: undefined } | { value?: undefined; error: string } {
  if (typeof value !== 'string' || value.trim() === '') return { error: 'url is required' }
  let parsed: URL
  try {
    parsed = new URL(value)
  } catch {
    return { error: 'url must be a valid URL' }
  }
  if (parsed.protocol === 'https:') return { value }
  if (parsed.protocol === 'http:' && allowInsecure && LOOPBACK.has(parsed.hostname)) return { value }
  return { error: 'url must use https' }
}

/** undefined = all events (omitted or empty list). */
function readEvents(value: unknown): string[] | undefined | string {
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value)) return 'events must be an array of event names'
  const list = value as unknown[]
  if (list.length === 0) return undefined
  const unknown = list.find((e) => typeof e !== 'string' || !ALL_EVENTS.includes(e))
  if (unknown !== undefined) return `Unknown event: ${JSON.stringify(unknown)}`
  return [...new Set(list as string[])]
}

function uuid(core: EmulatorCore): string {
  const h = core.rng.hex(32)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}
