/**
 * Power dialer: at most one campaign per user; 404 when there is none; duplicates are refused with the
 * 422 "already imported" body that client code keys on.
 */
import { sendEmpty, sendJson } from '../common/http.js'
import type { RouteContext, Router } from '../common/router.js'
import { type EmulatorCore, parseIdParam, readObjectBody } from './core.js'
import { badRequest, notFoundId, unprocessable } from './errors.js'
import type { DialerCampaign } from './store.js'

export function installDialerRoutes(router: Router, core: EmulatorCore): void {
  const base = '/v1/users/:id/dialer_campaign'
  const userId = (ctx: RouteContext): number | null => {
    const id = parseIdParam(ctx.params.id)
    if (id === null || !core.store.users.has(id)) {
      notFoundId(ctx.res, 'User', ctx.params.id ?? '')
      return null
    }
    return id
  }
  const campaign = (ctx: RouteContext): DialerCampaign | null => {
    const id = userId(ctx)
    if (id === null) return null
    const c = core.store.dialer.get(id)
    if (!c) notFoundId(ctx.res, 'Dialer campaign for user', id)
    return c ?? null
  }
  const iso = (): string => new Date(core.now()).toISOString()

  router.get(base, (ctx) => {
    const c = campaign(ctx)
    if (c) sendJson(ctx.res, 200, { dialer_campaign: { id: c.id, number_id: c.numberId, created_at: c.createdAt } })
  })

  router.post(base, async (ctx) => {
    const id = userId(ctx)
    if (id === null) return
    const body = await readObjectBody(ctx.req, ctx.res, core)
    if (!body) return
    const numbers = readNumbers(body.phone_numbers)
    if (typeof numbers === 'string') return badRequest(ctx.res, numbers)
    if (body.number_id !== undefined && !Number.isInteger(body.number_id))
      return badRequest(ctx.res, 'number_id must be an integer')
    if (core.store.dialer.has(id)) return unprocessable(ctx.res, 'User already has a dialer campaign')
    const dup = firstDuplicate(numbers)
    if (dup) return unprocessable(ctx.res, `${dup} already imported`)
    const createdAt = iso()
    core.store.dialer.set(id, {
      id: core.store.nextId('dialer'),
      numberId: (body.number_id as number | undefined) ?? null,
      createdAt,
      numbers: numbers.map((n) => ({ id: core.store.nextId('dialerNumber'), number: n, called: false, createdAt })),
    })
    sendEmpty(ctx.res, 204)
  })

  router.delete(base, (ctx) => {
    const id = userId(ctx)
    if (id === null) return
    if (!core.store.dialer.delete(id)) return notFoundId(ctx.res, 'Dialer campaign for user', id)
    sendEmpty(ctx.res, 204)
  })

  router.get(`${base}/phone_numbers`, (ctx) => {
    const c = campaign(ctx)
    if (!c) return
    sendJson(ctx.res, 200, {
      numbers: c.numbers.map((n) => ({ id: n.id, number: n.number, called: n.called, created_at: n.createdAt })),
    })
  })

  router.post(`${base}/phone_numbers`, async (ctx) => {
    const c = campaign(ctx)
    if (!c) return
    const body = await readObjectBody(ctx.req, ctx.res, core)
    if (!body) return
    const numbers = readNumbers(body.phone_numbers)
    if (typeof numbers === 'string') return badRequest(ctx.res, numbers)
    const existing = new Set(c.numbers.map((n) => n.number))
    const dup = numbers.find((n) => existing.has(n)) ?? firstDuplicate(numbers)
    if (dup) return unprocessable(ctx.res, `${dup} already imported`)
    const createdAt = iso()
    for (const n of numbers)
      c.numbers.push({ id: core.store.nextId('dialerNumber'), number: n, called: false, createdAt })
    sendEmpty(ctx.res, 204)
  })

  router.delete(`${base}/phone_numbers/:numberId`, (ctx) => {
    const c = campaign(ctx)
    if (!c) return
    const idx = c.numbers.findIndex((n) => n.id === parseIdParam(ctx.params.numberId))
    if (idx < 0) return notFoundId(ctx.res, 'Dialer phone number', ctx.params.numberId ?? '')
    c.numbers.splice(idx, 1)
    sendEmpty(ctx.res, 204)
  })
}

/** E.164 with the "+"; staff code adds the "+" itself because bare digits are refused. */
function readNumbers(value: unknown): string[] | string {
  if (!Array.isArray(value) || value.length === 0) return 'phone_numbers must be a non-empty array'
  for (const v of value) {
    if (typeof v !== 'string' || !/^\+[1-9]\d{5,14}$/.test(v))
      return `phone_numbers must be E.164 strings, got ${JSON.stringify(v)}`
  }
  return value as string[]
}

function firstDuplicate(numbers: string[]): string | undefined {
  const seen = new Set<string>()
  for (const n of numbers) {
    if (seen.has(n)) return n
    seen.add(n)
  }
  return undefined
}
