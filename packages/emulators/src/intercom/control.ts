/** Control API under /_emulator/ (no auth): each route mirrors one in-process method of `IntercomEmulator`. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { parseFaultRules } from '../common/faults.js'
import { readJsonBody, sendJson, isRecord } from '../common/http.js'
import { Router, isRouteMatch, type RouteContext } from '../common/router.js'
import type { IntercomCore } from './core.js'
import { ApiError } from './errors.js'
import { parseSeed } from './seed.js'
import type { Priority } from './state.js'

type ControlHandler = (
  core: IntercomCore,
  body: unknown,
  params: Record<string, string>,
) => Promise<[number, unknown]> | [number, unknown]

const PRIORITIES: readonly Priority[] = ['none', 'low', 'medium', 'high', 'urgent']

function str(body: unknown, key: string): string {
  const v = isRecord(body) ? body[key] : undefined
  if (typeof v !== 'string' || v === '') throw new ApiError(400, 'bad_request', `${key} must be a non-empty string`)
  return v
}

const routes: Array<[string, string, ControlHandler]> = [
  [
    'GET',
    '/_emulator/health',
    (core) => [200, { ok: true, contract: core.contract ? core.config.contract : (core.contractUnavailable ?? 'off') }],
  ],
  [
    'POST',
    '/_emulator/seed',
    (core, body) => {
      const seed = parseSeed(body)
      if (typeof seed === 'string') return [400, { error: seed }]
      core.seed(seed)
      return [200, { ok: true, contacts: seed.contacts.length, conversations: seed.conversations?.length ?? 0 }]
    },
  ],
  ['POST', '/_emulator/reset', (core) => (core.reset(), [200, { ok: true }])],
  ['GET', '/_emulator/state', (core) => [200, core.state()]],
  [
    'GET',
    '/_emulator/state/:kind',
    (core, _b, p) => {
      const state = core.state()
      const kind = p.kind ?? ''
      return kind in state ? [200, state[kind]] : [404, { error: `unknown state kind ${kind}` }]
    },
  ],
  ['GET', '/_emulator/requests', (core) => [200, core.requestCounts()]],
  ['GET', '/_emulator/faults', (core) => [200, core.listFaults()]],
  [
    'POST',
    '/_emulator/faults',
    (core, body) => {
      const rules = parseFaultRules(body)
      if (typeof rules === 'string') return [400, { error: rules }]
      for (const r of rules) core.addFault(r)
      return [200, core.listFaults()]
    },
  ],
  [
    'PUT',
    '/_emulator/faults',
    (core, body) => {
      const rules = parseFaultRules(body)
      if (typeof rules === 'string') return [400, { error: rules }]
      core.setFaults(rules)
      return [200, core.listFaults()]
    },
  ],
  ['DELETE', '/_emulator/faults', (core) => (core.clearFaults(), [200, []])],
  [
    'PUT',
    '/_emulator/search-lag',
    (core, body) => {
      const ms = isRecord(body) ? body.ms : undefined
      if (typeof ms !== 'number' || ms < 0) return [400, { error: 'ms must be a number >= 0' }]
      core.setSearchLag(ms)
      return [200, { searchLagMs: ms }]
    },
  ],
  [
    'PUT',
    '/_emulator/rate-limit',
    (core, body) => {
      const perMinute = isRecord(body) ? body.perMinute : undefined
      if (typeof perMinute !== 'number' || perMinute < 0) return [400, { error: 'perMinute must be a number >= 0' }]
      core.setRateLimit(perMinute)
      return [200, { perMinute, perWindow: core.appLimiter.limit }]
    },
  ],
  ['GET', '/_emulator/contract-violations', (core) => [200, core.contractViolations()]],
  ['DELETE', '/_emulator/contract-violations', (core) => (core.clearContractViolations(), [200, []])],
  ['GET', '/_emulator/webhooks', (core) => [200, core.webhooks.list()]],
  [
    'POST',
    '/_emulator/webhooks/subscriptions',
    async (core, body) => {
      const url = str(body, 'url')
      const topics =
        isRecord(body) && Array.isArray(body.topics)
          ? body.topics.filter((t): t is string => typeof t === 'string')
          : []
      const verify = !(isRecord(body) && body.verify === false)
      try {
        return [201, await core.subscribe(url, topics, verify)]
      } catch (e) {
        return [422, { error: e instanceof Error ? e.message : String(e) }]
      }
    },
  ],
  [
    'DELETE',
    '/_emulator/webhooks/subscriptions/:id',
    (core, _b, p) =>
      core.webhooks.unsubscribe(p.id ?? '') ? [200, { ok: true }] : [404, { error: 'no such subscription' }],
  ],
  [
    'POST',
    '/_emulator/webhooks/ping',
    (core, body) => {
      const id = isRecord(body) && typeof body.subscriptionId === 'string' ? body.subscriptionId : undefined
      return [200, { sent: core.webhooks.ping(id) }]
    },
  ],
  [
    'PUT',
    '/_emulator/webhooks/chaos',
    (core, body) => {
      if (!isRecord(body)) return [400, { error: 'body must be an object' }]
      const chaos: { duplicateRate?: number; reorderMaxDelayMs?: number } = {}
      if (typeof body.duplicateRate === 'number') chaos.duplicateRate = body.duplicateRate
      if (typeof body.reorderMaxDelayMs === 'number') chaos.reorderMaxDelayMs = body.reorderMaxDelayMs
      return [200, core.setWebhookChaos(chaos)]
    },
  ],
  [
    'POST',
    '/_emulator/conversations/:id/priority',
    (core, body, p) => {
      const priority = isRecord(body) ? body.priority : undefined
      if (typeof priority !== 'string' || !PRIORITIES.includes(priority as Priority)) {
        return [400, { error: `priority must be one of ${PRIORITIES.join(', ')}` }]
      }
      return [200, core.setPriority(p.id ?? '', priority as Priority)]
    },
  ],
  [
    'POST',
    '/_emulator/conversations/:id/assign',
    (core, body, p) => {
      const assigneeType = isRecord(body) && body.assigneeType === 'team' ? 'team' : 'admin'
      return [
        200,
        core.assign(p.id ?? '', { adminId: str(body, 'adminId'), assigneeType, assigneeId: str(body, 'assigneeId') }),
      ]
    },
  ],
  [
    'POST',
    '/_emulator/conversations/:id/admin-reply',
    (core, body, p) => {
      const type = isRecord(body) && body.messageType === 'note' ? 'note' : 'comment'
      return [200, core.adminReply(p.id ?? '', str(body, 'adminId'), str(body, 'body'), type)]
    },
  ],
  [
    'POST',
    '/_emulator/conversations/:id/user-reply',
    (core, body, p) => [200, core.userReply(p.id ?? '', str(body, 'body'))],
  ],
]

export function buildControlRouter(): { router: Router; handlers: Map<string, ControlHandler> } {
  const router = new Router()
  const handlers = new Map<string, ControlHandler>()
  for (const [method, pattern, handler] of routes) {
    router.add(method, pattern, (_ctx: RouteContext) => undefined)
    handlers.set(`${method} ${pattern}`, handler)
  }
  return { router, handlers }
}

export async function handleControl(
  core: IntercomCore,
  control: ReturnType<typeof buildControlRouter>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator')
  const m = control.router.match(req.method ?? 'GET', url.pathname)
  const read = await readJsonBody(req)
  if (!isRouteMatch(m)) return sendJson(res, m.methodMismatch ? 405 : 404, { error: 'unknown control route' })
  const handler = control.handlers.get(m.route)
  if (!handler) return sendJson(res, 404, { error: 'unknown control route' })
  if (!read.ok) return sendJson(res, 400, { error: `body ${read.reason}` })
  try {
    const [status, body] = await handler(core, read.value, m.params)
    sendJson(res, status, body)
  } catch (e) {
    if (e instanceof ApiError) return sendJson(res, e.status, { error: e.message, code: e.code })
    throw e
  }
}
