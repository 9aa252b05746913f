/**
 * /v1/calls: list (binary-searched time window, from exclusive / to inclusive on started_at, retention
 * horizon relative to the injected clock), search, retrieve, and the mutations that emit webhooks.
 */
import type { ServerResponse } from 'node:http'
import { sendEmpty, sendJson } from '../common/http.js'
import type { RouteContext, Router } from '../common/router.js'
import { boolParam, type EmulatorCore, parseIdParam, readObjectBody } from './core.js'
import { badRequest, notFoundId, unprocessable } from './errors.js'
import {
  hasKind,
  INSIGHT_KEYS,
  INSIGHT_KINDS,
  INSIGHT_PATHS,
  insightEntity,
  insightName,
  insightsOf,
  planOf,
} from './insights.js'
import type { AircallCall } from './model.js'
import { buildMeta, readPage } from './pagination.js'
import { toE164 } from './phone.js'
import { callEventData, type CallFetchOptions, serializeCall } from './serialize.js'

const DAY_S = 86_400

export function installCallRoutes(router: Router, core: EmulatorCore): void {
  router.get('/v1/calls', (ctx) => listCalls(ctx, core, false))
  router.get('/v1/calls/search', (ctx) => listCalls(ctx, core, true))
  router.get('/v1/calls/:id', (ctx) => {
    const call = visibleCall(ctx, core)
    if (!call) return
    sendJson(ctx.res, 200, { call: serializeCall(call, core.serializeContext(), fetchOptions(ctx.query)) })
  })

  // Sources disagree on the answer without the plan or content (403 or 404): both are served, each for its case.
  for (const kind of INSIGHT_KINDS) {
    router.get(`/v1/calls/:id/${INSIGHT_PATHS[kind]}`, (ctx) => {
      const call = visibleCall(ctx, core)
      if (!call) return
      if (planOf(core.store.numbers.get(call.numberId), core.settings.aiPlan) === 'none') {
        sendJson(ctx.res, 403, { error: 'Forbidden', troubleshoot: 'AI Assist is not enabled for this number.' })
        return
      }
      const insights = insightsOf(call)
      if (!insights || !hasKind(insights, kind)) {
        notFoundId(ctx.res, insightName(kind), call.id)
        return
      }
      sendJson(ctx.res, 200, { [INSIGHT_KEYS[kind]]: insightEntity(call, insights, kind) })
    })
  }

  router.post('/v1/calls/:id/comments', async (ctx) => {
    const call = visibleCall(ctx, core)
    if (!call) return
    const body = await readObjectBody(ctx.req, ctx.res, core)
    if (!body) return
    if (typeof body.content !== 'string' || body.content.trim() === '') {
      badRequest(ctx.res, 'content is required and must be a non-empty string')
      return
    }
    const cap = core.settings.commentCap
    if (cap > 0 && call.comments.length >= cap) {
      unprocessable(ctx.res, `A call cannot have more than ${cap} comments`)
      return
    }
    const content = core.settings.stripCommentEmojis
      ? body.content.replace(/[\p{Extended_Pictographic}\u{FE0F}\u{200D}]/gu, '')
      : body.content
    call.comments.push({ id: core.store.nextId('comment'), content, postedAt: core.nowS(), postedById: null })
    core.emit('call', 'call.commented', callEventData(call, core.serializeContext()))
    sendEmpty(ctx.res, 201)
  })

  router.post('/v1/calls/:id/tags', async (ctx) => {
    const call = visibleCall(ctx, core)
    if (!call) return
    const body = await readObjectBody(ctx.req, ctx.res, core)
    if (!body) return
    const tags = body.tags
    // Tag names are a documented client mistake (one SDK sends names): refuse them clearly.
    if (!Array.isArray(tags) || tags.length === 0 || !tags.every((t) => Number.isInteger(t))) {
      badRequest(ctx.res, 'tags must be a non-empty array of integer tag ids')
      return
    }
    const unknown = (tags as number[]).find((t) => !core.store.tags.has(t))
    if (unknown !== undefined) {
      notFoundId(ctx.res, 'Tag', unknown)
      return
    }
    for (const tagId of tags as number[]) {
      if (!call.tags.some((t) => t.tagId === tagId)) call.tags.push({ tagId, createdAt: core.nowS(), taggedById: null })
    }
    core.emit('call', 'call.tagged', callEventData(call, core.serializeContext()))
    sendEmpty(ctx.res, 201)
  })

  const setArchived = (archived: boolean) => (ctx: RouteContext) => {
    const call = visibleCall(ctx, core)
    if (!call) return
    call.archived = archived
    // Aircall has no "call.unarchived" event; only archiving is announced.
    if (archived) core.emit('call', 'call.archived', callEventData(call, core.serializeContext()))
    sendJson(ctx.res, 200, { call: serializeCall(call, core.serializeContext()) })
  }
  router.put('/v1/calls/:id/archive', setArchived(true))
  router.put('/v1/calls/:id/unarchive', setArchived(false))

  router.post('/v1/calls/:id/insight_cards', async (ctx) => {
    const call = visibleCall(ctx, core)
    if (!call) return
    const body = await readObjectBody(ctx.req, ctx.res, core)
    if (!body) return
    const problem = validateInsightContents(body.contents)
    if (problem) {
      badRequest(ctx.res, problem)
      return
    }
    if (call.status === 'done' && core.settings.insightCardsAfterEnd === 'reject') {
      unprocessable(ctx.res, 'Insight cards can only be sent while the call is ongoing')
      return
    }
    core.store.insightCards.push({ callId: call.id, at: core.now(), contents: body.contents as unknown[] })
    sendEmpty(ctx.res, 201)
  })
}

function fetchOptions(query: URLSearchParams): CallFetchOptions {
  return {
    fetchContact: boolParam(query, 'fetch_contact'),
    fetchShortUrls: boolParam(query, 'fetch_short_urls'),
    fetchCallTimeline: boolParam(query, 'fetch_call_timeline'),
  }
}

function horizonS(core: EmulatorCore, days: number): number {
  return core.nowS() - days * DAY_S
}

/** Calls older than the retention horizon are gone for every route, not just lists. */
function visibleCall(ctx: RouteContext, core: EmulatorCore): AircallCall | null {
  const id = parseIdParam(ctx.params.id)
  const call = id === null ? undefined : core.store.callsById.get(id)
  if (!call || call.startedAt < horizonS(core, core.settings.retentionDays)) {
    notFoundId(ctx.res, 'Call', ctx.params.id ?? '')
    return null
  }
  return call
}

function intParam(query: URLSearchParams, key: string, res: ServerResponse): number | undefined | null {
  const raw = query.get(key)
  if (raw === null || raw === '') return undefined
  if (!/^-?\d+$/.test(raw)) {
    badRequest(res, `${key} must be a UNIX timestamp in seconds`)
    return null
  }
  return Number(raw)
}

function listCalls(ctx: RouteContext, core: EmulatorCore, search: boolean): void {
  const { query, res } = ctx
  const page = readPage(query, res)
  if (!page) return
  const from = intParam(query, 'from', res)
  if (from === null) return
  const to = intParam(query, 'to', res)
  if (to === null) return
  const order = query.get('order') ?? 'asc'
  if (order !== 'asc' && order !== 'desc') {
    badRequest(res, 'order must be asc or desc')
    return
  }
  const retention = search
    ? Math.min(core.settings.retentionDays, core.settings.searchRetentionDays)
    : core.settings.retentionDays
  const lower = Math.max(from ?? Number.NEGATIVE_INFINITY, horizonS(core, retention) - 1)
  const upper = to ?? Number.POSITIVE_INFINITY
  const [lo, hi] = lower >= upper ? [0, 0] : core.store.window(lower, upper)
  const calls = core.store.calls
  let selected: AircallCall[]
  let total: number
  if (!search) {
    total = hi - lo
    selected = []
    for (let i = page.offset; i < Math.min(page.offset + page.perPage, total); i++) {
      const idx = order === 'asc' ? lo + i : hi - 1 - i
      selected.push(calls[idx] as AircallCall)
    }
  } else {
    const filter = searchFilter(query, core)
    if (typeof filter === 'string') {
      badRequest(res, filter)
      return
    }
    const matched: AircallCall[] = []
    for (let i = lo; i < hi; i++) {
      const c = calls[i] as AircallCall
      if (filter(c)) matched.push(c)
    }
    if (order === 'desc') matched.reverse()
    total = matched.length
    selected = matched.slice(page.offset, page.offset + page.perPage)
  }
  const sctx = core.serializeContext()
  const opts = fetchOptions(query)
  sendJson(res, 200, {
    calls: selected.map((c) => serializeCall(c, sctx, opts)),
    meta: buildMeta(page, selected.length, total, {
      baseUrl: core.baseUrl(),
      pathname: ctx.url.pathname,
      query,
      defaults: { order: 'asc' },
    }),
  })
}

function searchFilter(query: URLSearchParams, core: EmulatorCore): ((c: AircallCall) => boolean) | string {
  const direction = query.get('direction')
  if (direction !== null && direction !== 'inbound' && direction !== 'outbound') {
    return 'direction must be inbound or outbound'
  }
  const userRaw = query.get('user_id')
  const userId = userRaw === null ? null : parseIdParam(userRaw)
  if (userRaw !== null && userId === null) return 'user_id must be an integer'
  const phoneRaw = query.get('phone_number')
  const phone = phoneRaw === null ? null : toE164(phoneRaw)
  const phoneDigits = phoneRaw === null ? null : phoneRaw.replace(/\D/g, '')
  const tagValues = [...query.getAll('tags[]'), ...query.getAll('tags')]
  const tagIds = tagValues.map((t) => parseIdParam(t))
  if (tagIds.some((t) => t === null)) return 'tags[] must be integer tag ids'
  const numberDigits = new Map<number, string | null>()
  for (const n of core.store.numbers.values()) numberDigits.set(n.id, toE164(n.digits))
  const matchesPhone = (written: string, e164: string | null): boolean =>
    phone !== null ? e164 === phone : written.replace(/\D/g, '') === phoneDigits
  return (c) => {
    if (direction !== null && c.direction !== direction) return false
    if (userId !== null && c.userId !== userId) return false
    if (phoneRaw !== null) {
      // The external party and the Aircall line both count: a transfer to line B matches a search on B.
      const external = c.rawDigits !== 'anonymous' && matchesPhone(c.rawDigits, toE164(c.rawDigits))
      const line = core.store.numbers.get(c.numberId)
      const onLine = line !== undefined && matchesPhone(line.digits, numberDigits.get(c.numberId) ?? null)
      if (!external && !onLine) return false
    }
    for (const t of tagIds) if (!c.tags.some((ct) => ct.tagId === t)) return false
    return true
  }
}

const INSIGHT_TYPES = new Set(['title', 'shortText', 'user'])

function validateInsightContents(contents: unknown): string | null {
  if (!Array.isArray(contents) || contents.length === 0) return 'contents must be a non-empty array'
  for (const [i, item] of contents.entries()) {
    if (typeof item !== 'object' || item === null) return `contents[${i}] must be an object`
    const block = item as Record<string, unknown>
    if (typeof block.type !== 'string' || !INSIGHT_TYPES.has(block.type)) {
      return `contents[${i}].type must be one of title, shortText, user`
    }
    if (block.type === 'title' && typeof block.text !== 'string') return `contents[${i}].text is required`
    if (block.type === 'shortText' && (typeof block.text !== 'string' || typeof block.label !== 'string')) {
      return `contents[${i}] needs label and text`
    }
    if (block.type === 'user' && !Number.isInteger(block.user_id)) return `contents[${i}].user_id is required`
    if (block.link !== undefined && typeof block.link !== 'string') return `contents[${i}].link must be a string`
  }
  return null
}
