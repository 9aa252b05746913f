import { randomInt } from 'node:crypto'
import { UserError } from '../errors.js'
import {
  AIRCALL_FIXTURES,
  INTERCOM_FIXTURES,
  aircallFixture,
  intercomFixture,
  isAircallFixture,
  isIntercomFixture,
  DEFAULT_CALLER_DIGITS,
  type FixtureOverrides,
} from '../listener/fixtures.js'
import { intercomSignature } from '../listener/verify.js'
import type { Runtime } from './runtime.js'
import { AI_EVENTS } from '../aircall/ai-schemas.js'

/** Events whose note goes on the call's conversation, which call.ended opens. */
const WAITS_FOR_ITS_CALL: ReadonlySet<string> = new Set([
  ...AI_EVENTS,
  'call.voicemail_left',
  'call.comm_assets_generated',
])

export interface TriggerOptions {
  event: string
  to?: string
  callId?: number
  phone?: string
  tag?: string
  /** The Intercom admin a `conversation.admin.assigned` assigns to. Default: the configured admin. */
  adminId?: string
  /** UNIX seconds the event carries. Default: now. */
  timestamp?: number
  fetch?: typeof fetch
}

export interface TriggerResult {
  event: string
  url: string
  status: number
  ok: boolean
  /** The id the listener stored the event under; null when it did not say (a refusal, a ping). */
  eventId: number | null
  /** True when the listener already held this event: it was not stored or processed again. */
  duplicate: boolean | null
  /** The Aircall call the event carries (Aircall events only). */
  callId: number | null
  /** The seconds timestamp the event carries. */
  timestamp: number
  /** Set when the live call was planted in the Aircall emulator, so the listener's API calls find it. */
  plantedInEmulator: boolean
  /** The listener's answer (JSON when it sent JSON). */
  response: unknown
  warnings: string[]
}

export const TRIGGER_EVENTS: readonly string[] = [...AIRCALL_FIXTURES, ...INTERCOM_FIXTURES]

/** Events of a call still ringing: the listener posts an insight card, which Aircall accepts only for a live call. */
const LIVE_EVENTS: ReadonlySet<string> = new Set(['call.created', 'call.ringing_on_agent'])

/** How long a call planted in the emulator keeps ringing before its lifecycle goes on (answered, ended). */
const PLANTED_RING_MS = 10 * 60_000

const targetUrl = (to: string | undefined, port: number, path: '/aircall' | '/intercom'): string => {
  if (!to) return `http://127.0.0.1:${port}${path}`
  let url: URL
  try {
    url = new URL(to)
  } catch {
    throw new UserError(`--to "${to}" is not a URL`, 'pass the listener URL, e.g. http://127.0.0.1:3000')
  }
  // A bare listener URL gets the path the event's source posts to.
  if (url.pathname === '/' || url.pathname === '') url.pathname = path
  return url.toString()
}

const isLoopback = (url: string): boolean => {
  try {
    const { hostname } = new URL(url)
    return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname)
  } catch {
    return false
  }
}

/**
 * A ringing call in the Aircall emulator (the sandbox's), so that the listener's insight card finds the call the
 * fixture names. Only an Aircall API on loopback is asked (a real Aircall is never probed), and only if it
 * answers the emulator's health check. Returns the planted call's id, or null.
 */
const plantLiveCall = async (apiUrl: string, rawDigits: string, fetchImpl: typeof fetch): Promise<number | null> => {
  if (!isLoopback(apiUrl)) return null
  const base = apiUrl.replace(/\/+$/, '')
  try {
    const health = await fetchImpl(`${base}/_emulator/health`, { signal: AbortSignal.timeout(2000) })
    if (!health.ok) return null
    const planted = await fetchImpl(`${base}/_emulator/lifecycle`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rawDigits, stepDelayMs: PLANTED_RING_MS }),
      signal: AbortSignal.timeout(5000),
    })
    if (!planted.ok) return null
    const body = (await planted.json()) as { call_id?: unknown }
    return typeof body.call_id === 'number' ? body.call_id : null
  } catch {
    return null
  }
}

/** A call id no earlier trigger used: two triggers in one second must not be taken for one redelivered event. */
const freshCallId = (): number => 4_000_000_000 + randomInt(0, 2 ** 32)

const readAnswer = (parsed: unknown): { eventId: number | null; duplicate: boolean | null } => {
  if (typeof parsed !== 'object' || parsed === null) return { eventId: null, duplicate: null }
  const { id, duplicate } = parsed as { id?: unknown; duplicate?: unknown }
  return {
    eventId: typeof id === 'number' ? id : null,
    duplicate: typeof duplicate === 'boolean' ? duplicate : null,
  }
}

/**
 * Sends a realistic, correctly authenticated webhook (Aircall's body token, or Intercom's X-Hub-Signature
 * over the exact bytes sent) to a listener, like `stripe trigger`.
 */
export const triggerEvent = async (runtime: Runtime, options: TriggerOptions): Promise<TriggerResult> => {
  const { config } = runtime
  const fetchImpl = options.fetch ?? fetch
  const warnings: string[] = []
  const timestamp = options.timestamp ?? Math.floor(runtime.now() / 1000)
  const overrides: FixtureOverrides = {
    timestamp,
    ...(options.phone !== undefined ? { rawDigits: options.phone } : {}),
    ...(options.tag !== undefined ? { tags: [options.tag] } : {}),
  }
  let url: string
  let body: string
  let callId: number | null = null
  let plantedInEmulator = false
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'aircall-intercom-trigger',
  }
  if (isAircallFixture(options.event)) {
    const token = config.aircall.webhookToken
    if (!token) throw new UserError('AIRCALL_WEBHOOK_TOKEN is not set', 'export the same token the listener uses')
    url = targetUrl(options.to, config.listener.port, '/aircall')
    callId = options.callId ?? null
    if (callId === null && LIVE_EVENTS.has(options.event)) {
      callId = await plantLiveCall(config.aircall.apiUrl, options.phone ?? DEFAULT_CALLER_DIGITS, fetchImpl)
      plantedInEmulator = callId !== null
      if (!plantedInEmulator) {
        warnings.push(
          `call ids are made up unless --call-id names a ringing call: Aircall answers 404 to this call's insight card`,
        )
      }
    }
    if (callId === null && WAITS_FOR_ITS_CALL.has(options.event)) {
      warnings.push(
        `${options.event} waits for its call to be logged: without --call-id of a logged call it is retried, then a dead letter`,
      )
    }
    callId ??= freshCallId()
    body = JSON.stringify(aircallFixture(options.event, token, { ...overrides, callId }))
  } else if (isIntercomFixture(options.event)) {
    const secret = config.intercom.clientSecret
    if (!secret) throw new UserError('INTERCOM_CLIENT_SECRET is not set', 'export the same secret the listener uses')
    url = targetUrl(options.to, config.listener.port, '/intercom')
    const adminId = options.adminId ?? config.intercom.adminId
    body = JSON.stringify(intercomFixture(options.event, { ...overrides, ...(adminId ? { adminId } : {}) }))
    headers['x-hub-signature'] = intercomSignature(body, secret)
  } else {
    throw new UserError(`unknown event "${options.event}"`, `valid events: ${TRIGGER_EVENTS.join(', ')}`)
  }
  let response: Response
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(10_000),
    })
  } catch (error) {
    const reason =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)
    throw new UserError(
      `could not reach ${url}: ${reason}`,
      'start the listener with `aircall-intercom listen`, or pass --to',
      1,
    )
  }
  const text = await response.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text) as unknown
  } catch {
    // Not JSON: shown as sent.
  }
  return {
    event: options.event,
    url,
    status: response.status,
    ok: response.ok,
    ...readAnswer(parsed),
    callId,
    timestamp,
    plantedInEmulator,
    response: parsed,
    warnings,
  }
}
