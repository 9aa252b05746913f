/**
 * Strict local emulator of the Aircall Public API v1 (see docs/emulator-aircall.md). Request order:
 * control routes (/_emulator, no auth) → signed media (/_media) → injected faults → auth (401/403
 * before any route logic) → per-company rate limit → resource routes. Everything time-based reads the
 * injected clock; timed steps (lifecycles, AI events, message receipts) run when that clock reaches them or on
 * wall timers, and setTimeout otherwise only paces webhook deliveries.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { FaultInjector } from '../common/faults.js'
import { sendJson } from '../common/http.js'
import { closeServer, listen } from '../common/listen.js'
import { createRng, hashSeed } from '../common/prng.js'
import { isRouteMatch, Router } from '../common/router.js'
import type { DeliveryAttempt } from '../common/webhook-deliverer.js'
import { DEFAULT_RETRY_SCHEDULE_MS } from '../common/webhook-deliverer.js'
import type { AircallEmulatorOptions, FaultRule } from '../types.js'
import { buildCall, type CallInput, generateCalls, type GenerateSpec } from './call-factory.js'
import { installControlRoutes } from './control.js'
import type { AircallSettings, EmulatorCore } from './core.js'
import { notFoundRoute, serverError } from './errors.js'
import { INSIGHT_KINDS, type InsightKind, insightsOf } from './insights.js'
import { finaliseCall, type LifecycleHandle, LifecycleRunner, type LifecycleSpec } from './lifecycle.js'
import { FAKE_MP3, MediaSigner } from './media.js'
import { type InboundMessageSpec, messageEventData, receiveMessage } from './messages.js'
import type { AiPlan, AircallCall, AircallMessage, AircallNumber, AircallSeed } from './model.js'
import { RateLimiter, sendRateLimited } from './rate-limit.js'
import { installCallRoutes } from './routes-calls.js'
import { installContactRoutes } from './routes-contacts.js'
import { installDialerRoutes } from './routes-dialer.js'
import { installDirectoryRoutes } from './routes-directory.js'
import { installMessageRoutes } from './routes-messages.js'
import { installWebhookRoutes } from './routes-webhooks.js'
import { Scheduler, type ScheduledStep } from './scheduler.js'
import { AircallStore, type InsightCardRecord, type WebhookRecord } from './store.js'
import { type SkippedDelivery, type WebhookChaos, WebhookDispatcher } from './webhook-dispatch.js'

export interface RequestStats {
  total: number
  /** "GET /v1/calls 200" → count; unmatched paths are grouped under "<METHOD> <unmatched>". */
  byRoute: Record<string, number>
  byStatus: Record<string, number>
  rateLimited: number
  badRequests: number
}

export interface EmulatorStateSummary {
  now: number
  calls: number
  contacts: number
  users: number
  teams: number
  numbers: number
  tags: number
  webhooks: Array<Record<string, unknown>>
  dialerCampaigns: number
  insightCards: number
  messages: number
  /** Timed steps still to run (lifecycles, AI events, message receipts), earliest first. */
  scheduled: ScheduledStep[]
  settings: AircallSettings
}

/** What a line's settings may be changed to at runtime; `aiPlan: null` returns the line to the company's plan. */
export interface NumberPatch {
  aiPlan?: AiPlan | null
  summaryTemplate?: string[] | null
  whatsapp?: boolean
}

export interface AircallEmulator {
  readonly url: string
  readonly settings: Readonly<AircallSettings>
  close(): Promise<void>
  seed(seed: AircallSeed): void
  addCalls(calls: CallInput[]): number
  generateCalls(spec: GenerateSpec): number
  injectCall(spec?: LifecycleSpec): LifecycleHandle
  /**
   * Emits a finished call's AI events now, for the kinds it has content of (all by default). Returns the events
   * sent: none on a line without the AI plan; null for an unknown call.
   */
  emitInsights(callId: number, kinds?: readonly InsightKind[]): string[] | null
  /** A customer's message arrives: `message.received` is emitted. Throws on an invalid spec. */
  receiveMessage(spec: InboundMessageSpec): Record<string, unknown>
  messages(): AircallMessage[]
  /** Changes a line's AI plan, custom summary template or WhatsApp add-on; null for an unknown line. */
  updateNumber(id: number, patch: NumberPatch): AircallNumber | null
  /** Runs the timed steps due by the clock now (after the injected clock moved by itself); returns how many ran. */
  runDue(): number
  finaliseCall(id: number): boolean
  getCall(id: number): AircallCall | undefined
  state(): EmulatorStateSummary
  requestStats(): RequestStats
  resetRequestStats(): void
  webhooks(): WebhookRecord[]
  webhookDeliveries(): DeliveryAttempt[]
  webhookFailures(): DeliveryAttempt[]
  skippedWebhookDeliveries(): SkippedDelivery[]
  /** Resolves when no webhook delivery is queued, in flight or awaiting a retry. */
  webhooksIdle(): Promise<void>
  insightCards(): InsightCardRecord[]
  setFaults(rules: FaultRule[]): void
  addFault(rule: FaultRule): void
  clearFaults(): void
  faults(): ReturnType<FaultInjector['list']>
  setWebhookChaos(chaos: Partial<WebhookChaos>): WebhookChaos
  clearWebhookChaos(): void
  updateSettings(patch: Partial<AircallSettings>): AircallSettings
  /** Shifts the emulator's clock relative to the injected one (for HTTP-only drivers). */
  advanceClock(ms: number): number
  now(): number
  /** Back to the last seed (or empty), and clears stats, deliveries, faults, chaos, limiter and clock offset. */
  reset(options?: { empty?: boolean }): void
}

export function defaultSettings(options: AircallEmulatorOptions): AircallSettings {
  return {
    rateLimitPerMinute: options.rateLimitPerMinute ?? 120,
    rateLimitLockoutMs: options.rateLimitLockoutMs ?? 60_000,
    sendRetryAfter: options.sendRetryAfter ?? false,
    // The one live measurement (reference §1): bad credentials get 403 from Aircall's API gateway.
    authFailureStatus: options.authFailureStatus ?? 403,
    retentionDays: options.retentionDays ?? 180,
    searchRetentionDays: options.searchRetentionDays ?? 90,
    recordingTtlMs: options.recordingTtlMs ?? 3_600_000,
    shortUrlTtlMs: options.shortUrlTtlMs ?? 10_800_000,
    commentCap: options.commentCap ?? 5,
    stripCommentEmojis: options.stripCommentEmojis ?? true,
    insightCardsAfterEnd: options.insightCardsAfterEnd ?? 'reject',
    aiPlan: options.aiPlan ?? 'ai-assist',
    usersV1Gone: options.usersV1Gone ?? false,
    allowInsecureWebhookUrls: options.allowInsecureWebhookUrls ?? true,
    maxWebhooks: options.maxWebhooks ?? 100,
    webhookTimeoutMs: options.webhookTimeoutMs ?? 5_000,
    webhookRetryScheduleMs: options.webhookRetryScheduleMs ?? [...DEFAULT_RETRY_SCHEDULE_MS],
    webhookDisableAfterFailures: options.webhookDisableAfterFailures ?? 10,
    endedDelayMs: options.endedDelayMs ?? 30_000,
    finaliseDelayMs: options.finaliseDelayMs ?? 60_000,
    lifecycleTimers: options.lifecycleTimers ?? 'wall',
    assetsDelayMs: options.assetsDelayMs ?? 0,
    // "Seconds to minutes after the call" (reference, DOC-AI): spread over the first two minutes after call.ended.
    transcriptionDelayMs: options.transcriptionDelayMs ?? 30_000,
    summaryDelayMs: options.summaryDelayMs ?? 45_000,
    sentimentDelayMs: options.sentimentDelayMs ?? 50_000,
    topicsDelayMs: options.topicsDelayMs ?? 55_000,
    actionItemsDelayMs: options.actionItemsDelayMs ?? 60_000,
    customSummaryDelayMs: options.customSummaryDelayMs ?? 75_000,
    messageSentDelayMs: options.messageSentDelayMs ?? 1_000,
    messageDeliveredDelayMs: options.messageDeliveredDelayMs ?? 3_000,
    messageTimestamps: options.messageTimestamps ?? 'iso',
    whatsappWindowHours: options.whatsappWindowHours ?? 24,
    bodyLimitBytes: options.bodyLimitBytes ?? 1_000_000,
    webhookToken: options.webhookToken ?? null,
  }
}

export async function startAircallEmulator(options: AircallEmulatorOptions): Promise<AircallEmulator> {
  const settings = defaultSettings(options)
  const clock = options.now ?? Date.now
  let clockOffset = 0
  const now = (): number => clock() + clockOffset
  const seedValue = options.seed ?? 1
  const rng = createRng(hashSeed('aircall-emulator', seedValue))
  const faultRng = createRng(hashSeed('aircall-faults', seedValue))
  const store = new AircallStore()
  const signer = new MediaSigner(randomBytes(16).toString('hex'))
  const limiter = new RateLimiter()
  const faults = new FaultInjector(faultRng)
  const dispatcher = new WebhookDispatcher(store, settings, now, createRng(hashSeed('aircall-webhooks', seedValue)))
  const scheduler = new Scheduler(now, () => settings.lifecycleTimers === 'wall')
  let baseUrl = ''
  let lastSeed: AircallSeed | null = null
  let stats = emptyStats()

  const core: EmulatorCore = {
    store,
    settings,
    rng,
    signer,
    scheduler,
    baseUrl: () => baseUrl,
    now,
    nowS: () => Math.floor(now() / 1000),
    serializeContext: () => ({
      baseUrl,
      store,
      nowMs: now(),
      recordingTtlMs: settings.recordingTtlMs,
      shortUrlTtlMs: settings.shortUrlTtlMs,
      signer,
    }),
    emit: (resource, event, data) => dispatcher.emit(resource, event, data),
  }
  const lifecycles = new LifecycleRunner(core)

  const api = new Router()
  const installers = [
    installCallRoutes,
    installContactRoutes,
    installDirectoryRoutes,
    installDialerRoutes,
    installWebhookRoutes,
    installMessageRoutes,
  ]
  for (const install of installers) install(api, core)

  const bearer = new Set(options.bearerTokens ?? [])
  const basic = `Basic ${Buffer.from(`${options.apiId}:${options.apiToken}`).toString('base64')}`
  const authorised = (req: IncomingMessage): boolean => {
    const header = req.headers.authorization ?? ''
    if (header === basic) return true
    const m = /^Bearer\s+(.+)$/i.exec(header)
    return m !== null && bearer.has((m[1] as string).trim())
  }

  const record = (route: string, status: number): void => {
    stats.total += 1
    stats.byRoute[`${route} ${status}`] = (stats.byRoute[`${route} ${status}`] ?? 0) + 1
    stats.byStatus[String(status)] = (stats.byStatus[String(status)] ?? 0) + 1
    if (status === 429) stats.rateLimited += 1
    if (status === 400) stats.badRequests += 1
  }

  const serveMedia = (url: URL, res: ServerResponse): void => {
    const verdict = signer.check(url.pathname, url.searchParams, core.nowS())
    if (verdict !== 'ok') {
      // S3-style presigned URLs answer 403 both for a bad signature and after expiry.
      sendJson(res, 403, {
        error: 'Forbidden',
        message: verdict === 'expired' ? 'Request has expired' : 'Invalid signature',
      })
      return
    }
    res.writeHead(200, { 'content-type': mediaType(url.pathname), 'content-length': FAKE_MP3.length })
    res.end(FAKE_MP3)
  }

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = req.method ?? 'GET'
    let route = `${method} <unmatched>`
    res.once('finish', () => record(route, res.statusCode))
    const outcome = await faults.apply(req, res, {
      status: (r, status) => serverError(r, status),
      rateLimit: (r) => sendRateLimited(r, settings.rateLimitPerMinute, now() + 60_000, now(), settings.sendRetryAfter),
    })
    if (outcome === 'handled') {
      if (req.socket.destroyed && !res.headersSent) record(`${method} <reset>`, 0)
      return
    }
    if (!authorised(req)) {
      const status = settings.authFailureStatus
      sendJson(
        res,
        status,
        status === 401
          ? { error: 'Unauthorized', troubleshoot: 'Check your API ID and API token, or your OAuth access token.' }
          : { error: 'Forbidden', message: 'Forbidden', troubleshoot: 'Invalid API key or Bearer access token.' },
        // The measured 403 came through the AWS API gateway, which names the request in this header.
        { 'apigw-requestid': randomBytes(8).toString('hex') },
      )
      return
    }
    const decision = limiter.check(now(), settings.rateLimitPerMinute, settings.rateLimitLockoutMs)
    if (!decision.ok) {
      sendRateLimited(res, settings.rateLimitPerMinute, decision.resetAtMs, now(), settings.sendRetryAfter)
      return
    }
    if (method === 'GET' && url.pathname === '/v1/ping') {
      route = 'GET /v1/ping'
      sendJson(res, 200, { ping: 'pong' })
      return
    }
    const match = api.match(method, url.pathname)
    if (!isRouteMatch(match)) {
      notFoundRoute(res)
      return
    }
    route = match.route
    await match.handler({ req, res, url, params: match.params, query: url.searchParams, route })
  }

  const control = new Router()
  const emulator: AircallEmulator = {
    get url() {
      return baseUrl
    },
    settings,
    close: async () => {
      scheduler.clear()
      lifecycles.close()
      dispatcher.close()
      await closeServer(server)
    },
    seed: (seed) => {
      // Kept by reference for reset(); load() clones, so later API mutations never touch it.
      lastSeed = seed
      store.load(seed)
    },
    addCalls: (calls) => {
      const built = calls.map((c) => buildCall(c, store, rng))
      store.addCalls(built)
      return built.length
    },
    generateCalls: (spec) => {
      const built = generateCalls(spec, store)
      store.addCalls(built)
      return built.length
    },
    injectCall: (spec = {}) => lifecycles.start(spec),
    emitInsights: (callId, kinds = INSIGHT_KINDS) => {
      const call = store.callsById.get(callId)
      if (!call) return null
      const content = insightsOf(call)
      return content ? lifecycles.emitInsights(call, content, kinds) : []
    },
    receiveMessage: (spec) => {
      const received = receiveMessage(core, spec)
      if (typeof received === 'string') throw new Error(received)
      return messageEventData(core, received)
    },
    messages: () => structuredClone(store.messages),
    updateNumber: (id, patch) => {
      const line = store.numbers.get(id)
      if (!line) return null
      if (patch.aiPlan !== undefined) {
        if (patch.aiPlan === null) delete line.aiPlan
        else line.aiPlan = patch.aiPlan
      }
      if (patch.summaryTemplate !== undefined) {
        if (patch.summaryTemplate === null) delete line.summaryTemplate
        else line.summaryTemplate = [...patch.summaryTemplate]
      }
      if (patch.whatsapp !== undefined) line.whatsapp = patch.whatsapp
      return structuredClone(line)
    },
    runDue: () => scheduler.runDue(),
    finaliseCall: (id) => {
      const call = store.callsById.get(id)
      if (!call) return false
      finaliseCall(core, call)
      return true
    },
    getCall: (id) => store.callsById.get(id),
    state: () => ({
      now: now(),
      calls: store.calls.length,
      contacts: store.contacts.size,
      users: store.users.size,
      teams: store.teams.size,
      numbers: store.numbers.size,
      tags: store.tags.size,
      webhooks: [...store.webhooks.values()].map((w) => ({ ...w })),
      dialerCampaigns: store.dialer.size,
      insightCards: store.insightCards.length,
      messages: store.messages.length,
      scheduled: scheduler.pending(),
      settings: { ...settings },
    }),
    requestStats: () => structuredClone(stats),
    resetRequestStats: () => {
      stats = emptyStats()
    },
    webhooks: () => [...store.webhooks.values()].map((w) => ({ ...w })),
    webhookDeliveries: () => dispatcher.deliverer.deliveries,
    webhookFailures: () => dispatcher.deliverer.failures,
    skippedWebhookDeliveries: () => [...dispatcher.skipped],
    webhooksIdle: () => dispatcher.idle(),
    insightCards: () => structuredClone(store.insightCards),
    setFaults: (rules) => faults.set(rules),
    addFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    faults: () => faults.list(),
    setWebhookChaos: (chaos) => {
      dispatcher.chaos = { ...dispatcher.chaos, ...chaos }
      return { ...dispatcher.chaos }
    },
    clearWebhookChaos: () => {
      dispatcher.chaos = { duplicateRate: 0, reorder: false, reorderWindowMs: 50, wrongTokenRate: 0 }
    },
    updateSettings: (patch) => {
      Object.assign(settings, patch)
      dispatcher.configure()
      return { ...settings }
    },
    // Steps due on the way run at their own instant, so a long jump replays a lifecycle in order with exact times.
    advanceClock: (ms) => {
      if (ms <= 0) {
        clockOffset += ms
        return now()
      }
      const target = now() + ms
      for (let due = scheduler.nextDue(); due !== undefined && due <= target; due = scheduler.nextDue()) {
        if (due > now()) clockOffset += due - now()
        scheduler.runDue()
      }
      clockOffset += target - now()
      scheduler.runDue()
      return now()
    },
    now,
    reset: (opts = {}) => {
      scheduler.clear()
      lifecycles.close()
      if (lastSeed && !opts.empty) store.load(lastSeed)
      else store.clear()
      stats = emptyStats()
      dispatcher.reset()
      faults.clear()
      limiter.reset()
      clockOffset = 0
    },
  }
  installControlRoutes(control, emulator)

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator')
    const run = async (): Promise<void> => {
      if (url.pathname.startsWith('/_emulator/')) {
        const match = control.match(req.method ?? 'GET', url.pathname)
        if (!isRouteMatch(match)) return notFoundRoute(res)
        await match.handler({ req, res, url, params: match.params, query: url.searchParams, route: match.route })
        return
      }
      if (url.pathname.startsWith('/_media/') && req.method === 'GET') return serveMedia(url, res)
      await handleApi(req, res, url)
    }
    run().catch(() => serverError(res, 500))
  })
  baseUrl = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0)
  return emulator
}

/** Media are all the same fake bytes; the type follows the file name so downloaders that check it are satisfied. */
function mediaType(path: string): string {
  if (/\.jpe?g$/i.test(path)) return 'image/jpeg'
  if (/\.png$/i.test(path)) return 'image/png'
  if (/\.pdf$/i.test(path)) return 'application/pdf'
  return 'audio/mpeg'
}

function emptyStats(): RequestStats {
  return { total: 0, byRoute: {}, byStatus: {}, rateLimited: 0, badRequests: 0 }
}
