/**
 * Reference data: users (v1, switchable to gone after the sunset, and v2), availabilities, teams,
 * numbers (with `open` from business hours in the line's time zone), tags and company.
 */
import { sendEmpty, sendJson } from '../common/http.js'
import type { RouteContext, Router } from '../common/router.js'
import { type EmulatorCore, parseIdParam, readObjectBody } from './core.js'
import { badRequest, gone, notFoundId } from './errors.js'
import type { AircallTag, AircallUser } from './model.js'
import { type LinkOptions, readPage, sendPage } from './pagination.js'
import { serializeNumber, serializeTag, serializeTeam, serializeUser } from './serialize.js'

const SUNSET_MESSAGE = 'Users v1 endpoints were sunset on 2026-09-30. Use /v2/users.'

export function installDirectoryRoutes(router: Router, core: EmulatorCore): void {
  const links = (ctx: RouteContext): LinkOptions => ({
    baseUrl: core.baseUrl(),
    pathname: ctx.url.pathname,
    query: ctx.query,
    defaults: { order: 'asc' },
  })
  const byId = <T extends { id: number }>(map: Map<number, T>, order: string | null): T[] => {
    const items = [...map.values()].sort((a, b) => a.id - b.id)
    return order === 'desc' ? items.reverse() : items
  }
  const list = <T extends { id: number }>(
    ctx: RouteContext,
    key: string,
    map: Map<number, T>,
    serialize: (item: T) => unknown,
  ): void => {
    const page = readPage(ctx.query, ctx.res)
    if (page) sendPage(ctx.res, key, byId(map, ctx.query.get('order')), page, links(ctx), serialize)
  }
  const one = <T>(ctx: RouteContext, name: string, key: string, map: Map<number, T>, serialize: (v: T) => unknown) => {
    const id = parseIdParam(ctx.params.id)
    const item = id === null ? undefined : map.get(id)
    if (item === undefined) return notFoundId(ctx.res, name, ctx.params.id ?? '')
    sendJson(ctx.res, 200, { [key]: serialize(item) })
  }

  router.get('/v1/users/availabilities', (ctx) => {
    const page = readPage(ctx.query, ctx.res)
    if (!page) return
    sendPage(ctx.res, 'users', byId(core.store.users, ctx.query.get('order')), page, links(ctx), (u) => ({
      id: u.id,
      availability: u.availabilityStatus,
    }))
  })
  router.get('/v1/users', (ctx) => {
    if (core.settings.usersV1Gone) return gone(ctx.res, SUNSET_MESSAGE)
    list(ctx, 'users', core.store.users, (u) => serializeUser(u, core.serializeContext()))
  })
  router.get('/v1/users/:id', (ctx) => {
    if (core.settings.usersV1Gone) return gone(ctx.res, SUNSET_MESSAGE)
    one(ctx, 'User', 'user', core.store.users, (u) => serializeUser(u, core.serializeContext()))
  })
  router.get('/v2/users', (ctx) =>
    list(ctx, 'users', core.store.users, (u) => serializeUser(u, core.serializeContext(), true)),
  )
  router.get('/v2/users/:id', (ctx) => {
    const key = ctx.params.id ?? ''
    const id = parseIdParam(key)
    let user: AircallUser | undefined = id === null ? undefined : core.store.users.get(id)
    if (!user && key.includes('@')) {
      user = [...core.store.users.values()].find((u) => u.email.toLowerCase() === key.toLowerCase())
    }
    if (!user) return notFoundId(ctx.res, 'User', key)
    sendJson(ctx.res, 200, { user: serializeUser(user, core.serializeContext(), true) })
  })
  router.post('/v1/users/:id/calls', async (ctx) => {
    const id = parseIdParam(ctx.params.id)
    if (id === null || !core.store.users.has(id)) return notFoundId(ctx.res, 'User', ctx.params.id ?? '')
    const body = await readObjectBody(ctx.req, ctx.res, core)
    if (!body) return
    if (!Number.isInteger(body.number_id) || !core.store.numbers.has(body.number_id as number)) {
      return badRequest(ctx.res, 'number_id must be the id of one of your numbers')
    }
    if (typeof body.to !== 'string' || !/^\+\d{6,15}$/.test(body.to)) return badRequest(ctx.res, 'to must be E.164')
    sendEmpty(ctx.res, 204)
  })

  router.get('/v1/teams', (ctx) =>
    list(ctx, 'teams', core.store.teams, (t) => serializeTeam(t, core.serializeContext())),
  )
  router.get('/v1/teams/:id', (ctx) =>
    one(ctx, 'Team', 'team', core.store.teams, (t) => serializeTeam(t, core.serializeContext())),
  )
  router.get('/v1/numbers', (ctx) =>
    list(ctx, 'numbers', core.store.numbers, (n) => serializeNumber(n, core.serializeContext())),
  )
  router.get('/v1/numbers/:id', (ctx) =>
    one(ctx, 'Number', 'number', core.store.numbers, (n) => serializeNumber(n, core.serializeContext(), true)),
  )

  router.get('/v1/tags', (ctx) => list(ctx, 'tags', core.store.tags, (t) => serializeTag(t, core.serializeContext())))
  router.get('/v1/tags/:id', (ctx) =>
    one(ctx, 'Tag', 'tag', core.store.tags, (t) => serializeTag(t, core.serializeContext())),
  )
  router.post('/v1/tags', async (ctx) => {
    const body = await readObjectBody(ctx.req, ctx.res, core)
    if (!body) return
    const fields = readTagFields(body, true)
    if (typeof fields === 'string') return badRequest(ctx.res, fields)
    const tag: AircallTag = {
      id: core.store.nextId('tag'),
      name: fields.name ?? '',
      color: fields.color ?? '#00B388',
      description: fields.description ?? null,
    }
    core.store.tags.set(tag.id, tag)
    sendJson(ctx.res, 201, { tag: serializeTag(tag, core.serializeContext()) })
  })
  router.put('/v1/tags/:id', async (ctx) => {
    const id = parseIdParam(ctx.params.id)
    const tag = id === null ? undefined : core.store.tags.get(id)
    if (!tag) return notFoundId(ctx.res, 'Tag', ctx.params.id ?? '')
    const body = await readObjectBody(ctx.req, ctx.res, core)
    if (!body) return
    const fields = readTagFields(body, false)
    if (typeof fields === 'string') return badRequest(ctx.res, fields)
    Object.assign(tag, Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)))
    sendJson(ctx.res, 200, { tag: serializeTag(tag, core.serializeContext()) })
  })
  router.delete('/v1/tags/:id', (ctx) => {
    const id = parseIdParam(ctx.params.id)
    if (id === null || !core.store.tags.has(id)) return notFoundId(ctx.res, 'Tag', ctx.params.id ?? '')
    core.store.tags.delete(id)
    // Deleting a tag also strips it from existing calls.
    for (const call of core.store.calls) {
      if (call.tags.some((t) => t.tagId === id)) call.tags = call.tags.filter((t) => t.tagId !== id)
    }
    sendEmpty(ctx.res, 204)
  })

  router.get('/v1/company', (ctx) =>
    sendJson(ctx.res, 200, {
      company: {
        name: core.store.companyName,
        users_count: core.store.users.size,
        numbers_count: core.store.numbers.size,
      },
    }),
  )
}

function readTagFields(
  body: Record<string, unknown>,
  create: boolean,
): { name?: string; color?: string; description?: string | null } | string {
  if (create && (typeof body.name !== 'string' || body.name.trim() === '')) return 'name is required'
  if (body.name !== undefined && typeof body.name !== 'string') return 'name must be a string'
  if (body.color !== undefined && typeof body.color !== 'string') return 'color must be a string'
  if (body.description !== undefined && body.description !== null && typeof body.description !== 'string') {
    return 'description must be a string'
  }
  return {
    name: body.name,
    color: body.color,
    description: body.description,
  }
}
