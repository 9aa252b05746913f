/**
 * The REST pipeline in the order Intercom applies it: auth (401 without rate-limit headers), the 10-second window,
 * injected faults, version, content negotiation, routing, contract checks, then the resource handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { delayAnswer, latencyOf } from '../common/faults.js'
import { acceptsJson, readJsonBody, sendJson, sleep } from '../common/http.js'
import { Router, isRouteMatch } from '../common/router.js'
import { contactSearchRoutes } from './contact-search.js'
import { contactRoutes } from './contacts.js'
import { ApiVersion, KNOWN_VERSIONS, type ApiContext, type ApiHandler } from './context.js'
import { CONTRACT_VERSION } from './contract.js'
import { conversationSearchRoutes } from './conversation-search.js'
import { conversationRoutes } from './conversations.js'
import { messageRoutes } from './messages.js'
import { ticketRoutes } from './tickets.js'
import type { IntercomCore } from './core.js'
import { dataAttributeRoutes } from './data-attributes.js'
import { directoryRoutes } from './directory.js'
import { ApiError, errorBody } from './errors.js'
import { rateLimitMessage } from './rate-limit.js'
import { toRouterPattern, type RouteDef } from './routes.js'

export interface ApiRouter {
  router: Router
  defs: Map<string, RouteDef>
}

export function buildApiRouter(): ApiRouter {
  const router = new Router()
  const defs = new Map<string, RouteDef>()
  // Literal segments before templates: /conversations/attributes must win over /conversations/{conversation_id}.
  const all: RouteDef[] = [
    ...dataAttributeRoutes,
    ...directoryRoutes,
    ...contactSearchRoutes,
    ...contactRoutes,
    ...conversationSearchRoutes,
    ...conversationRoutes,
    ...messageRoutes,
    ...ticketRoutes,
  ]
  for (const def of all) {
    const pattern = toRouterPattern(def.path)
    router.add(def.method, pattern, () => undefined)
    defs.set(`${def.method} ${pattern}`, def)
  }
  return { router, defs }
}

const STATUS_CODES: Record<number, string> = {
  500: 'server_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
}

function findRoute(
  api: ApiRouter,
  method: string,
  pathname: string,
): { def: RouteDef; params: Record<string, string> } | null {
  const m = api.router.match(method, pathname)
  if (!isRouteMatch(m)) return null
  const def = api.defs.get(m.route)
  return def ? { def, params: m.params } : null
}

export async function handleApi(
  core: IntercomCore,
  api: ApiRouter,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase()
  const url = new URL(req.url ?? '/', 'http://emulator')
  const requestId = core.uuid()
  const route = findRoute(api, method, url.pathname)
  const routeKey = route ? `${method} ${route.def.path}` : `${method} (unmatched)`
  const headers: Record<string, string> = { 'x-request-id': requestId }
  const send = (status: number, body: unknown, extra: Record<string, string> = {}): void => {
    core.count(routeKey, status)
    sendJson(res, status, body, { ...headers, ...extra })
  }
  const fail = (e: ApiError): void => send(e.status, errorBody(requestId, e.code, e.message, e.field), e.headers)

  const auth = req.headers.authorization ?? ''
  const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim()
  const tokens = [core.config.accessToken, ...core.config.extraAccessTokens]
  if (token === undefined || !tokens.includes(token)) {
    await drain(req)
    return fail(new ApiError(401, 'unauthorized', 'Access Token Invalid'))
  }

  if (core.appLimiter.enabled) {
    const app = core.appLimiter.peek(token)
    const workspace = core.workspaceLimiter.enabled ? core.workspaceLimiter.peek('workspace') : null
    headers['x-ratelimit-limit'] = String(app.limit)
    headers['x-ratelimit-reset'] = String(app.reset)
    if (!app.allowed || (workspace !== null && !workspace.allowed)) {
      headers['x-ratelimit-remaining'] = '0'
      await drain(req)
      const limit = !app.allowed || workspace === null ? app.limit : workspace.limit
      return fail(new ApiError(429, 'rate_limit_exceeded', rateLimitMessage(limit)))
    }
    core.appLimiter.consume(token)
    if (workspace !== null) core.workspaceLimiter.consume('workspace')
    headers['x-ratelimit-remaining'] = String(app.remaining - 1)
  }

  const fired = core.faults.decide(method, url.pathname)
  const latency = latencyOf(fired, 'before')
  if (latency > 0) await sleep(latency)
  const terminal = fired.find((r) => r.kind !== 'latency')
  if (terminal) {
    await drain(req)
    if (terminal.kind === 'reset') {
      core.count(routeKey, 0)
      req.socket.destroy()
      return
    }
    if (terminal.kind === 'rate-limit') {
      headers['x-ratelimit-remaining'] = '0'
      return fail(new ApiError(429, 'rate_limit_exceeded', rateLimitMessage(core.appLimiter.limit)))
    }
    const status = terminal.status ?? 500
    return fail(new ApiError(status, STATUS_CODES[status] ?? 'server_error', 'Injected fault'))
  }

  const versionHeader = req.headers['intercom-version']
  const versionName =
    (Array.isArray(versionHeader) ? versionHeader[0] : versionHeader)?.trim() || core.config.defaultVersion
  if (!KNOWN_VERSIONS.has(versionName)) {
    await drain(req)
    return fail(
      new ApiError(400, 'intercom_version_invalid', 'Requested resource is not available in current API version.'),
    )
  }
  const version = new ApiVersion(versionName)

  // Intercom answers `Accept: */*` (the official SDK sends nothing else); only an Accept that rules JSON out is refused.
  if (core.config.requireAcceptJson && !acceptsJson(req.headers.accept)) {
    await drain(req)
    return fail(new ApiError(406, 'not_acceptable', 'Accept header must allow application/json'))
  }

  if (!route) {
    await drain(req)
    return fail(new ApiError(404, 'not_found', 'Resource Not Found'))
  }

  let body: unknown = undefined
  const hasBody = method === 'POST' || method === 'PUT' || method === 'DELETE'
  if (hasBody) {
    const contentType = req.headers['content-type'] ?? ''
    const read = await readJsonBody(req)
    const empty = read.raw.trim() === ''
    if (!empty && core.config.requireJsonContentType && !/application\/json/i.test(contentType)) {
      return fail(new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/json'))
    }
    if (!read.ok) {
      return fail(
        new ApiError(
          400,
          'parameter_invalid',
          read.reason === 'too-large' ? 'Request body too large' : 'Request body is not valid JSON',
        ),
      )
    }
    body = empty ? (method === 'DELETE' ? undefined : {}) : read.value
  } else {
    await drain(req)
  }

  const op = { method, path: route.def.path }
  const checkContract = core.contract !== null && versionName === CONTRACT_VERSION && core.contract.hasOperation(op)
  if (checkContract && core.contract && hasBody && body !== undefined) {
    const errors = core.contract.validateRequest(op, body)
    if (errors) {
      core.violations.push({
        at: core.config.now(),
        direction: 'request',
        operation: `${method} ${route.def.path}`,
        errors,
      })
      if (core.config.contract === 'enforce') {
        const first = errors[0]
        return fail(
          new ApiError(
            400,
            'parameter_invalid',
            `Request does not match the API schema: ${first?.path ?? ''} ${first?.message ?? ''}`.trim(),
          ),
        )
      }
    }
  }

  const ctx: ApiContext = {
    version,
    webhookVersion: core.webhookVersion,
    tokenAdminId: core.tokenAdminId(),
    params: route.params,
    query: url.searchParams,
    body,
    ws: core.ws,
    config: core.config,
    nowSec: () => core.nowSec(),
    nowMs: () => core.config.now(),
    events: core.webhooks,
    requestId,
  }
  let status: number
  let payload: unknown
  let extra: Record<string, string> = {}
  try {
    const handler: ApiHandler = route.def.handler
    const reply = handler(ctx)
    status = reply.status ?? 200
    payload = reply.body
    extra = reply.headers ?? {}
  } catch (e) {
    if (!(e instanceof ApiError)) throw e
    status = e.status
    payload = errorBody(requestId, e.code, e.message, e.field)
    extra = e.headers
  } finally {
    // Routes report the contacts they edit; this keeps a route that forgot from serving a stale cached search.
    if (method !== 'GET' && route.def.readOnly !== true) core.ws.contactIndex.touch()
  }
  if (checkContract && core.contract) {
    const errors = core.contract.validateResponse(op, status, payload)
    if (errors) {
      core.violations.push({
        at: core.config.now(),
        direction: 'response',
        operation: `${method} ${route.def.path}`,
        status,
        errors,
      })
    }
  }
  // The request took effect; only its answer is late (or never read, when the client gave up meanwhile).
  await delayAnswer(res, latencyOf(fired, 'after'))
  send(status, payload, extra)
}

async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return
  for await (const _chunk of req as AsyncIterable<Buffer>) {
    // discard: answering before the body is read can reset the client's socket
  }
}
