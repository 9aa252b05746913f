/**
 * /v1/contacts: shared contacts only (private ones are invisible, deleted ones vanish without a
 * tombstone), from/to inclusive on created_at, update by POST and PUT, detail sub-resources, and
 * contact.* webhooks whose timestamps are strings (REST uses ints).
 */
import { sendEmpty, sendJson } from '../common/http.js'
import type { RouteContext, Router } from '../common/router.js'
import { type EmulatorCore, parseIdParam, readObjectBody } from './core.js'
import { badRequest, notFoundId, notFoundRoute } from './errors.js'
import type { AircallContact, ContactDetail } from './model.js'
import { readPage, sendPage } from './pagination.js'
import { toE164 } from './phone.js'
import { serializeContact } from './serialize.js'

const MAX_EMAILS = 20

export function installContactRoutes(router: Router, core: EmulatorCore): void {
  router.get('/v1/contacts', (ctx) => listContacts(ctx, core, false))
  router.get('/v1/contacts/search', (ctx) => listContacts(ctx, core, true))
  router.get('/v1/contacts/:id', (ctx) => {
    const c = sharedContact(ctx, core)
    if (c) sendJson(ctx.res, 200, { contact: serializeContact(c, core.serializeContext()) })
  })

  router.post('/v1/contacts', async (ctx) => {
    const body = await readObjectBody(ctx.req, ctx.res, core)
    if (!body) return
    const phones = readDetails(body.phone_numbers, 'phone_numbers', true)
    if (typeof phones === 'string') return badRequest(ctx.res, phones)
    const emails = readDetails(body.emails, 'emails', false)
    if (typeof emails === 'string') return badRequest(ctx.res, emails)
    if (emails.length > MAX_EMAILS) return badRequest(ctx.res, `emails is limited to ${MAX_EMAILS} entries`)
    const names = readNames(body)
    if (typeof names === 'string') return badRequest(ctx.res, names)
    const now = core.nowS()
    const contact: AircallContact = {
      id: core.store.nextId('contact'),
      firstName: names.firstName ?? null,
      lastName: names.lastName ?? null,
      companyName: names.companyName ?? null,
      information: names.information ?? null,
      isShared: true,
      createdAt: now,
      updatedAt: now,
      phoneNumbers: phones.map((d) => ({ id: core.store.nextId('detail'), ...d })),
      emails: emails.map((d) => ({ id: core.store.nextId('detail'), ...d })),
    }
    core.store.contacts.set(contact.id, contact)
    emitContact(core, 'contact.created', contact)
    sendJson(ctx.res, 201, { contact: serializeContact(contact, core.serializeContext()) })
  })

  const update = async (ctx: RouteContext): Promise<void> => {
    const c = sharedContact(ctx, core)
    if (!c) return
    const body = await readObjectBody(ctx.req, ctx.res, core)
    if (!body) return
    const names = readNames(body)
    if (typeof names === 'string') return badRequest(ctx.res, names)
    if (names.firstName !== undefined) c.firstName = names.firstName
    if (names.lastName !== undefined) c.lastName = names.lastName
    if (names.companyName !== undefined) c.companyName = names.companyName
    if (names.information !== undefined) c.information = names.information
    touch(core, c)
    sendJson(ctx.res, 200, { contact: serializeContact(c, core.serializeContext()) })
  }
  // Aircall staff code updates with POST; the reference lists PUT; both verbs route live.
  router.post('/v1/contacts/:id', update)
  router.put('/v1/contacts/:id', update)

  router.delete('/v1/contacts/:id', (ctx) => {
    const c = sharedContact(ctx, core)
    if (!c) return
    core.store.contacts.delete(c.id)
    for (const call of core.store.calls) if (call.contactId === c.id) call.contactId = null
    emitContact(core, 'contact.deleted', c)
    sendEmpty(ctx.res, 204)
  })

  // Observed live: this plausible-looking route does not exist.
  router.post('/v1/contacts/:id/emails', (ctx) => notFoundRoute(ctx.res))

  installDetailRoutes(router, core, 'phone_details', 'phone_detail', (c) => c.phoneNumbers)
  installDetailRoutes(router, core, 'email_details', 'email_detail', (c) => c.emails)
}

function installDetailRoutes(
  router: Router,
  core: EmulatorCore,
  path: string,
  key: string,
  list: (c: AircallContact) => ContactDetail[],
): void {
  router.post(`/v1/contacts/:id/${path}`, async (ctx) => {
    const c = sharedContact(ctx, core)
    if (!c) return
    const body = await readObjectBody(ctx.req, ctx.res, core)
    if (!body) return
    const detail = readDetail(body, path)
    if (typeof detail === 'string') return badRequest(ctx.res, detail)
    if (path === 'email_details' && c.emails.length >= MAX_EMAILS) {
      return badRequest(ctx.res, `emails is limited to ${MAX_EMAILS} entries`)
    }
    const created = { id: core.store.nextId('detail'), ...detail }
    list(c).push(created)
    touch(core, c)
    sendJson(ctx.res, 201, { [key]: created })
  })
  router.put(`/v1/contacts/:id/${path}/:detailId`, async (ctx) => {
    const c = sharedContact(ctx, core)
    if (!c) return
    const existing = list(c).find((d) => d.id === parseIdParam(ctx.params.detailId))
    if (!existing) return notFoundId(ctx.res, key, ctx.params.detailId ?? '')
    const body = await readObjectBody(ctx.req, ctx.res, core)
    if (!body) return
    if (body.label !== undefined) {
      if (typeof body.label !== 'string') return badRequest(ctx.res, 'label must be a string')
      existing.label = body.label
    }
    if (body.value !== undefined) {
      if (typeof body.value !== 'string' || body.value.trim() === '')
        return badRequest(ctx.res, 'value must be a string')
      existing.value = body.value
    }
    touch(core, c)
    sendJson(ctx.res, 200, { [key]: existing })
  })
  router.delete(`/v1/contacts/:id/${path}/:detailId`, (ctx) => {
    const c = sharedContact(ctx, core)
    if (!c) return
    const details = list(c)
    const idx = details.findIndex((d) => d.id === parseIdParam(ctx.params.detailId))
    if (idx < 0) return notFoundId(ctx.res, key, ctx.params.detailId ?? '')
    details.splice(idx, 1)
    touch(core, c)
    sendEmpty(ctx.res, 204)
  })
}

function touch(core: EmulatorCore, c: AircallContact): void {
  c.updatedAt = core.nowS()
  emitContact(core, 'contact.updated', c)
}

function emitContact(core: EmulatorCore, event: string, c: AircallContact): void {
  core.emit('contact', event, serializeContact(c, core.serializeContext(), 'webhook'))
}

function sharedContact(ctx: RouteContext, core: EmulatorCore): AircallContact | null {
  const id = parseIdParam(ctx.params.id)
  const c = id === null ? undefined : core.store.contacts.get(id)
  if (!c || !c.isShared) {
    notFoundId(ctx.res, 'Contact', ctx.params.id ?? '')
    return null
  }
  return c
}

interface Names {
  firstName?: string | null
  lastName?: string | null
  companyName?: string | null
  information?: string | null
}

function readNames(body: Record<string, unknown>): Names | string {
  const out: Names = {}
  const fields: Array<[keyof Names, string]> = [
    ['firstName', 'first_name'],
    ['lastName', 'last_name'],
    ['companyName', 'company_name'],
    ['information', 'information'],
  ]
  for (const [key, wire] of fields) {
    const v = body[wire]
    if (v === undefined) continue
    if (v !== null && typeof v !== 'string') return `${wire} must be a string`
    out[key] = v
  }
  return out
}

function readDetail(value: unknown, field: string): Omit<ContactDetail, 'id'> | string {
  if (typeof value !== 'object' || value === null) return `${field} entries must be objects`
  const v = value as Record<string, unknown>
  if (typeof v.value !== 'string' || v.value.trim() === '') return `${field} entries need a value`
  if (v.label !== undefined && typeof v.label !== 'string') return `${field} label must be a string`
  return { label: typeof v.label === 'string' ? v.label : 'Other', value: v.value }
}

function readDetails(value: unknown, field: string, required: boolean): Array<Omit<ContactDetail, 'id'>> | string {
  if (value === undefined || value === null) return required ? `${field} is required` : []
  if (!Array.isArray(value)) return `${field} must be an array`
  if (required && value.length === 0) return `${field} must not be empty`
  const out: Array<Omit<ContactDetail, 'id'>> = []
  for (const item of value) {
    const d = readDetail(item, field)
    if (typeof d === 'string') return d
    out.push(d)
  }
  return out
}

function listContacts(ctx: RouteContext, core: EmulatorCore, search: boolean): void {
  const { query, res } = ctx
  const page = readPage(query, res)
  if (!page) return
  const order = query.get('order') ?? 'asc'
  if (order !== 'asc' && order !== 'desc') return badRequest(res, 'order must be asc or desc')
  const orderBy = query.get('order_by') ?? 'created_at'
  if (orderBy !== 'created_at' && orderBy !== 'updated_at')
    return badRequest(res, 'order_by must be created_at or updated_at')
  const bound = (key: string): number | undefined | null => {
    const raw = query.get(key)
    if (raw === null || raw === '') return undefined
    return /^-?\d+$/.test(raw) ? Number(raw) : null
  }
  const from = bound('from')
  const to = bound('to')
  if (from === null || to === null) return badRequest(res, 'from and to must be UNIX timestamps in seconds')
  const phoneRaw = search ? query.get('phone_number') : null
  const phone = phoneRaw === null ? null : toE164(phoneRaw)
  const email = search ? query.get('email')?.trim().toLowerCase() : undefined
  const items = [...core.store.contacts.values()].filter((c) => {
    if (!c.isShared) return false
    if (from !== undefined && c.createdAt < from) return false
    if (to !== undefined && c.createdAt > to) return false
    if (phoneRaw !== null) {
      const digits = phoneRaw.replace(/\D/g, '')
      const hit = c.phoneNumbers.some((p) =>
        phone !== null ? toE164(p.value) === phone : p.value.replace(/\D/g, '') === digits,
      )
      if (!hit) return false
    }
    if (email && !c.emails.some((e) => e.value.toLowerCase() === email)) return false
    return true
  })
  const key = orderBy === 'updated_at' ? 'updatedAt' : 'createdAt'
  items.sort((a, b) => a[key] - b[key] || a.id - b.id)
  if (order === 'desc') items.reverse()
  const sctx = core.serializeContext()
  sendPage(
    res,
    'contacts',
    items,
    page,
    { baseUrl: core.baseUrl(), pathname: ctx.url.pathname, query, defaults: { order: 'asc' } },
    (c) => serializeContact(c, sctx),
  )
}
