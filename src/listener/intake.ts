import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { REDACTED } from '../config/redact.js'
import { safeParseAircallEvent } from '../domain/aircall-event.js'
import { safeParseIntercomEvent } from '../domain/intercom-event.js'
import type { EventSource, StateStore } from '../store/state-store.js'
import { GroupCommit, StoreBusyError, type Enqueued } from './group-commit.js'
import { verifyAircallToken, verifyIntercomSignature } from './verify.js'

export type IntakeEvent =
  | { type: 'accepted'; source: EventSource; id: number; eventType: string; duplicate: boolean }
  | { type: 'rejected'; source: EventSource | null; status: number; reason: string }

export interface IntakeOptions {
  store: StateStore
  aircallWebhookToken: string | null
  intercomClientSecret: string | null
  maxBodyBytes: number
  /** How long a commit may wait for another writer (the worker) to release the store before a 503. */
  storeLockTimeoutMs?: number
  now?: () => number
  onEvent?: (event: IntakeEvent) => void
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

const readBody = (request: IncomingMessage, limit: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'])
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpProblem(413, `body larger than ${limit} bytes`))
      request.resume()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        reject(new HttpProblem(413, `body larger than ${limit} bytes`))
        request.destroy()
        return
      }
      chunks.push(chunk)
    })
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', reject)
  })

const parseJson = (raw: Buffer): unknown => {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown
  } catch {
    throw new HttpProblem(400, 'body is not valid JSON')
  }
}

const send = (response: ServerResponse, status: number, body: Record<string, unknown>, headers = {}): void => {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  response.end(text)
}

/**
 * Webhook intake: verify → durable enqueue → 2xx. The event is committed to the store before the
 * answer is written (requests verified in the same tick share one commit, see group-commit.ts), and
 * nothing here waits on the worker or an API, so the acknowledgement stays far inside Aircall's and
 * Intercom's 5-second budget whatever the worker is doing.
 */
export const createIntakeServer = (options: IntakeOptions): Server => {
  const now = options.now ?? Date.now
  const emit = options.onEvent ?? (() => undefined)

  const commits = new GroupCommit({ store: options.store, lockTimeoutMs: options.storeLockTimeoutMs })

  const accept = async (
    source: EventSource,
    identity: string,
    type: string,
    subject: string | null,
    payload: string,
  ): Promise<Enqueued> => {
    const { id, duplicate } = await commits.enqueue({ source, identity, type, subject, payload, receivedAt: now() })
    emit({ type: 'accepted', source, id, eventType: type, duplicate })
    return { id, duplicate }
  }

  const handleAircall = async (request: IncomingMessage): Promise<Enqueued> => {
    const raw = await readBody(request, options.maxBodyBytes)
    const body = parseJson(raw)
    const token = typeof body === 'object' && body !== null ? (body as { token?: unknown }).token : undefined
    if (!options.aircallWebhookToken || !verifyAircallToken(token, options.aircallWebhookToken)) {
      throw new HttpProblem(401, 'invalid webhook token')
    }
    const parsed = safeParseAircallEvent(body)
    if (!parsed.ok) throw new HttpProblem(400, `${parsed.error.message}: ${parsed.error.issues.slice(0, 3).join('; ')}`)
    // The body's token is the webhook secret: it is checked, then masked before the event is stored.
    const stored = JSON.stringify({ ...(body as Record<string, unknown>), token: REDACTED })
    return accept('aircall', parsed.event.identity, parsed.event.event, parsed.event.subject, stored)
  }

  const handleIntercom = async (request: IncomingMessage): Promise<Enqueued> => {
    const raw = await readBody(request, options.maxBodyBytes)
    if (
      !options.intercomClientSecret ||
      !verifyIntercomSignature(raw, request.headers['x-hub-signature'], options.intercomClientSecret)
    ) {
      throw new HttpProblem(401, 'invalid signature')
    }
    const parsed = safeParseIntercomEvent(parseJson(raw))
    if (!parsed.ok) throw new HttpProblem(400, `${parsed.error.message}: ${parsed.error.issues.slice(0, 3).join('; ')}`)
    return accept('intercom', parsed.event.identity, parsed.event.topic, parsed.event.subject, raw.toString('utf8'))
  }

  const routes: Record<string, ((request: IncomingMessage) => Promise<Enqueued>) | undefined> = {
    '/aircall': handleAircall,
    '/intercom': handleIntercom,
  }

  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/'
    const source: EventSource | null = path === '/aircall' ? 'aircall' : path === '/intercom' ? 'intercom' : null
    if (path === '/healthz') {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        send(response, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' })
        return
      }
      const counts = options.store.counts()
      const { queued, processing, dead } = counts.events
      send(response, 200, { ok: true, queued, processing, dead })
      return
    }
    const handler = routes[path]
    if (!handler) {
      send(response, 404, { error: 'not found' })
      request.resume()
      return
    }
    // Intercom validates a webhook URL with a HEAD request before it sends anything.
    if (request.method === 'HEAD') {
      response.writeHead(200)
      response.end()
      return
    }
    if (request.method !== 'POST') {
      send(response, 405, { error: 'method not allowed' }, { allow: 'POST, HEAD' })
      request.resume()
      return
    }
    handler(request).then(
      (result) => send(response, 200, { ok: true, id: result.id, duplicate: result.duplicate }),
      (error: unknown) => {
        // A store held by another writer for too long is a temporary condition: 503 tells the sender to retry.
        const status = error instanceof HttpProblem ? error.status : error instanceof StoreBusyError ? 503 : 500
        const reason = error instanceof Error ? error.message : String(error)
        emit({ type: 'rejected', source, status, reason })
        if (response.headersSent) return
        const message = status === 500 ? 'internal error' : status === 503 ? 'busy, retry later' : reason
        const headers = status === 413 ? { connection: 'close' } : status === 503 ? { 'retry-after': '1' } : {}
        send(response, status, { error: message }, headers)
      },
    )
  })
}

export const listenOn = (server: Server, host: string, port: number): Promise<string> =>
  new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const address = server.address() as AddressInfo
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
      resolve(`http://${shownHost}:${address.port}`)
    })
  })
