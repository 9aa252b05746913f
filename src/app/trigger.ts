import { UserError } from '../errors.js'
import {
  AIRCALL_FIXTURES,
  INTERCOM_FIXTURES,
  aircallFixture,
  intercomFixture,
  isAircallFixture,
  isIntercomFixture,
  type FixtureOverrides,
} from '../listener/fixtures.js'
import { intercomSignature } from '../listener/verify.js'
import type { Runtime } from './runtime.js'

export interface TriggerOptions {
  event: string
  to?: string
  callId?: number
  phone?: string
  tag?: string
  fetch?: typeof fetch
}

export interface TriggerResult {
  event: string
  url: string
  status: number
  ok: boolean
  /** The listener's answer (JSON when it sent JSON). */
  response: unknown
}

export const TRIGGER_EVENTS: readonly string[] = [...AIRCALL_FIXTURES, ...INTERCOM_FIXTURES]

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

/**
 * Sends a realistic, correctly authenticated webhook (Aircall's body token, or Intercom's X-Hub-Signature
 * over the exact bytes sent) to a listener, like `stripe trigger`.
 */
export const triggerEvent = async (runtime: Runtime, options: TriggerOptions): Promise<TriggerResult> => {
  const { config } = runtime
  const overrides: FixtureOverrides = {
    ...(options.callId !== undefined ? { callId: options.callId } : {}),
    ...(options.phone !== undefined ? { rawDigits: options.phone } : {}),
    ...(options.tag !== undefined ? { tags: [options.tag] } : {}),
  }
  let url: string
  let body: string
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'aircall-intercom-trigger',
  }
  if (isAircallFixture(options.event)) {
    const token = config.aircall.webhookToken
    if (!token) throw new UserError('AIRCALL_WEBHOOK_TOKEN is not set', 'export the same token the listener uses')
    url = targetUrl(options.to, config.listener.port, '/aircall')
    body = JSON.stringify(aircallFixture(options.event, token, overrides))
  } else if (isIntercomFixture(options.event)) {
    const secret = config.intercom.clientSecret
    if (!secret) throw new UserError('INTERCOM_CLIENT_SECRET is not set', 'export the same secret the listener uses')
    url = targetUrl(options.to, config.listener.port, '/intercom')
    body = JSON.stringify(intercomFixture(options.event, overrides))
    headers['x-hub-signature'] = intercomSignature(body, secret)
  } else {
    throw new UserError(`unknown event "${options.event}"`, `valid events: ${TRIGGER_EVENTS.join(', ')}`)
  }
  let response: Response
  try {
    response = await (options.fetch ?? fetch)(url, {
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
  return { event: options.event, url, status: response.status, ok: response.ok, response: parsed }
}
