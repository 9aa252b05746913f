import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { REDACTED } from '../config/redact.js'
import { classifyFailure } from '../http/failure.js'
import { safeParseAircallEvent } from '../aircall/webhook-events.js'
import { safeParseIntercomEvent } from '../intercom/webhook-events.js'
import type { EventSource, StateStore } from '../store/state-store.js'
import { answerBeforeBody, BodyTooLargeError, declaredTooLarge, readBody } from './body-reader.js'
import { isJsonContentType } from './content-type.js'
import { CONTROL_BODY_LIMIT, CONTROL_HEADERS, isControlPath, type ControlHandler } from './control.js'
import { GroupCommit, StoreBusyError, type Enqueued } from './group-commit.js'
import type { IntakeMetrics } from './intake-metrics.js'
import { exceedsJsonDepth } from './json-depth.js'
import { RejectionLog, type RejectedEvent, type Schedule } from './rejection-log.js'
import { verifyAircallToken, verifyIntercomSignature } from './verify.js'

export type IntakeEvent =
  | {
      type: 'accepted'
      source: EventSource
      id: number
      eventType: string
      duplicate: boolean
      /** From the request reaching its route to its 2xx written (after the commit), in ms. */
      ackMs: number
    }
  | RejectedEvent

/** What one sender may cost the intake. The first four are the `listener.*` keys of the same names. */
export interface IntakeLimits {
  headersTimeoutMs: number
  requestTimeoutMs: number
  keepAliveTimeoutMs: number
  maxConnections: number
  /** Deepest nesting of arrays and objects accepted in a body. Real webhooks nest 5 levels. */
  maxJsonDepth: number
  /** How much of a refused body is read and thrown away so its sender gets the answer before the socket closes. */
  drainLimitBytes: number
}

export const DEFAULT_INTAKE_LIMITS: IntakeLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 512,
  maxJsonDepth: 64,
  drainLimitBytes: 16 * 1024 * 1024,
}

export interface IntakeOptions {
  store: Pick<StateStore, 'queue'>
  aircallWebhookToken: string | null
  intercomClientSecret: string | null
  maxBodyBytes: number
  /** Extra keys (a whole `listener` config section) are ignored. */
  limits?: Partial<IntakeLimits>
  /** How long a commit may wait for another writer (the worker) to release the store before a 503. */
  storeLockTimeoutMs?: number
  /** Rejections of one cause are logged at most once per interval (10 s), with their count. */
  rejectionLogIntervalMs?: number
  /** The timer behind that interval; tests drive it by hand. */
  schedule?: Schedule
  now?: () => number
  onEvent?: (event: IntakeEvent) => void
  /** Counts requests for `/metrics`; absent when metrics are off, and then nothing is counted. */
  metrics?: IntakeMetrics
  /** Answers `/readyz`, `/metrics` and `/console…`; without it those paths are 404 like any other. */
  control?: ControlHandler
}

/** A webhook stored (or recognised as a redelivery), with what the log says of it. */
type Accepted = Enqueued & { eventType: string }

/** `label` is the fixed cause rejections are counted under in the log; `message` is what the sender is told. */
class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly label: string,
    message: string = label,
  ) {
    super(message)
  }
}

const INVALID_TOKEN = 'invalid webhook token'
const INVALID_SIGNATURE = 'invalid signature'
const BODY_TOO_LARGE = 'body too large'

/** Sent to a sender whose webhook is not JSON; kept short, it is also the log's cause. */
const NOT_JSON_TYPE = 'Content-Type must be application/json (UTF-8)'

const send = (response: ServerResponse, status: number, body: Record<string, unknown>, headers = {}): void => {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  response.end(text)
}

const describeIssues = (issues: string[]): string => {
  const shown = issues.slice(0, 5).join('; ')
  return issues.length > 5 ? `${shown} (and ${issues.length - 5} more)` : shown
}

/** Node answers these itself (with the status below) when a connection fails before a request is complete. */
const CLIENT_ERRORS: Record<string, { status: number; cause: string } | undefined> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, cause: 'headers or body not received in time' },
  HPE_HEADER_OVERFLOW: { status: 431, cause: 'headers too large' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, cause: 'chunk extensions too large' },
}

/**
 * Webhook intake: verify → durable enqueue → 2xx. The event is committed to the store before the
 * answer is written (requests verified in the same tick share one commit, see group-commit.ts), and
 * nothing here waits on the worker or an API, so the acknowledgement stays far inside Aircall's and
 * Intercom's 5-second budget whatever the worker is doing.
 *
 * Anyone can reach the URL, so what a request may cost is bounded before it is trusted: header and request
 * timeouts, a connection cap, the body limit counted as bytes stream in, and a nesting limit checked before
 * parsing. What can be refused from the headers alone (a declared oversize body, a missing signature, no secret
 * configured) is refused before the body is read. Authentication is decided before anything else about the
 * body is reported (content type, fields): a sender without the secret learns no more than 400, 401 or 413.
 */
export const createIntakeServer = (options: IntakeOptions): Server => {
  const now = options.now ?? Date.now
  const emit = options.onEvent ?? (() => undefined)
  const limits: IntakeLimits = { ...DEFAULT_INTAKE_LIMITS, ...pickIntakeLimits(options.limits ?? {}) }
  const maxBody = options.maxBodyBytes

  const commits = new GroupCommit({ queue: options.store.queue, lockTimeoutMs: options.storeLockTimeoutMs })
  // Connections whose request was refused while its body was still coming: already counted once.
  const draining = new WeakSet<Duplex>()
  const rejections = new RejectionLog({ emit, intervalMs: options.rejectionLogIntervalMs, schedule: options.schedule })

  const accept = async (
    source: EventSource,
    identity: string,
    type: string,
    subject: string | null,
    payload: string,
  ): Promise<Accepted> => {
    const { id, duplicate } = await commits.enqueue({ source, identity, type, subject, payload, receivedAt: now() })
    return { id, duplicate, eventType: type }
  }

  const parseJson = (raw: Buffer): unknown => {
    // Checked first: everything that walks the parsed value afterwards (validation, JSON.stringify) recurses.
    if (exceedsJsonDepth(raw, limits.maxJsonDepth)) {
      throw new HttpProblem(400, 'JSON nested too deeply', `JSON nested deeper than ${limits.maxJsonDepth} levels`)
    }
    try {
      return JSON.parse(raw.toString('utf8')) as unknown
    } catch {
      throw new HttpProblem(400, 'body is not valid JSON')
    }
  }

  const requireJsonType = (request: IncomingMessage): void => {
    if (!isJsonContentType(request.headers['content-type'])) throw new HttpProblem(415, NOT_JSON_TYPE)
  }

  const handleAircall = async (request: IncomingMessage): Promise<Accepted> => {
    const raw = await readBody(request, maxBody)
    // Aircall signs nothing: the token inside the JSON is the only proof, so the body is parsed to find it.
    const body = parseJson(raw)
    const token = typeof body === 'object' && body !== null ? (body as { token?: unknown }).token : undefined
    if (!options.aircallWebhookToken || !verifyAircallToken(token, options.aircallWebhookToken)) {
      throw new HttpProblem(401, INVALID_TOKEN)
    }
    requireJsonType(request)
    const parsed = safeParseAircallEvent(body)
    if (!parsed.ok) {
      throw new HttpProblem(400, 'malformed event', `${parsed.error.message}: ${describeIssues(parsed.error.issues)}`)
    }
    // The body's token is the webhook secret: it is checked, then masked before the event is stored.
    const stored = JSON.stringify({ ...(body as Record<string, unknown>), token: REDACTED })
    return accept('aircall', parsed.event.identity, parsed.event.event, parsed.event.subject, stored)
  }

  const handleIntercom = async (request: IncomingMessage): Promise<Accepted> => {
    const raw = await readBody(request, maxBody)
    if (
      !options.intercomClientSecret ||
      !verifyIntercomSignature(raw, request.headers['x-hub-signature'], options.intercomClientSecret)
    ) {
      throw new HttpProblem(401, INVALID_SIGNATURE)
    }
    requireJsonType(request)
    const parsed = safeParseIntercomEvent(parseJson(raw))
    if (!parsed.ok) {
      throw new HttpProblem(400, 'malformed event', `${parsed.error.message}: ${describeIssues(parsed.error.issues)}`)
    }
    return accept('intercom', parsed.event.identity, parsed.event.topic, parsed.event.subject, raw.toString('utf8'))
  }

  /** What the headers alone are enough to refuse: answered before a byte of the body is read. */
  const refusedFromHeaders = (source: EventSource, request: IncomingMessage): HttpProblem | null => {
    if (source === 'aircall' && !options.aircallWebhookToken) return new HttpProblem(401, INVALID_TOKEN)
    if (source === 'intercom') {
      if (!options.intercomClientSecret) return new HttpProblem(401, INVALID_SIGNATURE)
      if (request.headers['x-hub-signature'] === undefined) return new HttpProblem(401, 'missing X-Hub-Signature')
    }
    if (declaredTooLarge(request, maxBody))
      return new HttpProblem(413, BODY_TOO_LARGE, `body larger than ${maxBody} bytes`)
    return null
  }

  const refuse = (request: IncomingMessage, response: ServerResponse, source: EventSource, error: unknown): void => {
    // A sender that hung up mid-body was not refused, and there is no one left to answer.
    if (!request.complete && (error as NodeJS.ErrnoException | null)?.code === 'ECONNRESET') return
    const problem =
      error instanceof HttpProblem
        ? error
        : error instanceof BodyTooLargeError
          ? new HttpProblem(413, BODY_TOO_LARGE, error.message)
          : // A store held by another writer for too long, or a database briefly away (its connections dropped),
            // is a temporary condition: 503 tells the sender to deliver it again.
            error instanceof StoreBusyError
            ? new HttpProblem(503, 'store busy', error.message)
            : classifyFailure(error) === 'retry'
              ? new HttpProblem(503, 'store unavailable', (error as Error).message)
              : new HttpProblem(500, 'internal error', error instanceof Error ? error.message : String(error))
    const { status } = problem
    rejections.record({ source, status, cause: problem.label, reason: problem.message })
    options.metrics?.rejected(source, status, problem.label)
    if (response.headersSent) return
    const message = status === 500 ? 'internal error' : status === 503 ? 'busy, retry later' : problem.message
    const text = JSON.stringify({ error: message })
    const headers = { 'content-type': 'application/json', ...(status === 503 ? { 'retry-after': '1' } : {}) }
    // Unread body bytes must be drained before the socket closes, or the client may never see the answer.
    if (!request.complete || status === 413) {
      draining.add(request.socket)
      answerBeforeBody(request, response, status, headers, text, limits.drainLimitBytes)
      return
    }
    response.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(text) })
    response.end(text)
  }

  const routes: Record<string, ((request: IncomingMessage) => Promise<Accepted>) | undefined> = {
    '/aircall': handleAircall,
    '/intercom': handleIntercom,
  }

  const { metrics, control } = options

  /** Handed on whole (headers, form body) to the control plane; its answer is written as it comes. */
  const handleControl = async (request: IncomingMessage, response: ServerResponse, path: string): Promise<void> => {
    if (!control) return
    const url = request.url ?? '/'
    const queryAt = url.indexOf('?')
    const headers: Partial<Record<(typeof CONTROL_HEADERS)[number], string>> = {}
    for (const name of CONTROL_HEADERS) {
      const value = request.headers[name]
      if (typeof value === 'string') headers[name] = value
    }
    const body = request.method === 'POST' ? (await readBody(request, CONTROL_BODY_LIMIT)).toString('utf8') : ''
    if (request.method !== 'POST') request.resume()
    const answer = await control({
      method: request.method ?? 'GET',
      path,
      query: queryAt >= 0 ? url.slice(queryAt + 1) : '',
      headers,
      body,
      remoteAddress: request.socket.remoteAddress ?? '',
      intakeMetrics: path === '/metrics' && metrics ? await metrics.snapshot() : null,
    })
    const length = Buffer.byteLength(answer.body)
    response.writeHead(answer.status, { ...answer.headers, 'content-length': length })
    response.end(request.method === 'HEAD' ? undefined : answer.body)
  }

  const handleRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '/').split('?')[0] ?? '/'
    if (path === '/healthz') {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        send(response, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' })
        return
      }
      options.store.queue.counts().then(
        ({ queued, processing, dead }) => send(response, 200, { ok: true, queued, processing, dead }),
        () => send(response, 503, { ok: false, error: 'store unavailable' }),
      )
      return
    }
    const handler = routes[path]
    const source: EventSource | null = path === '/aircall' ? 'aircall' : path === '/intercom' ? 'intercom' : null
    if (control && isControlPath(path)) {
      handleControl(request, response, path).catch((error: unknown) => {
        if (response.headersSent) {
          response.destroy()
          return
        }
        const tooLarge = error instanceof BodyTooLargeError
        send(response, tooLarge ? 413 : 500, { error: tooLarge ? BODY_TOO_LARGE : 'internal error' })
      })
      return
    }
    if (!handler || source === null) {
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
    metrics?.received(source)
    const early = refusedFromHeaders(source, request)
    if (early) {
      refuse(request, response, source, early)
      return
    }
    // Always read: the console charts acknowledgement times whether /metrics is on or not.
    const started = performance.now()
    // A client that asked (Expect: 100-continue) sends its body only now that its headers passed.
    if (request.headers.expect?.toLowerCase() === '100-continue') response.writeContinue()
    handler(request).then(
      (result) => {
        send(response, 200, { ok: true, id: result.id, duplicate: result.duplicate })
        const ackMs = performance.now() - started
        metrics?.acknowledged(source, result.duplicate, ackMs / 1000)
        // Told once the answer is written, so the time it carries is the whole acknowledgement.
        emit({
          type: 'accepted',
          source,
          id: result.id,
          eventType: result.eventType,
          duplicate: result.duplicate,
          ackMs,
        })
      },
      (error: unknown) => refuse(request, response, source, error),
    )
  }

  const server = createServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      // Node refuses a header timeout longer than the request's; the request's is the one that must hold.
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      // Node only looks for expired requests this often (30 s by default), which would stretch every timeout.
      connectionsCheckingInterval: Math.max(
        10,
        Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)),
      ),
    },
    handleRequest,
  )
  server.keepAliveTimeout = limits.keepAliveTimeoutMs
  server.maxConnections = limits.maxConnections
  server.on('checkContinue', handleRequest)
  // Replaces Node's default handler (same answers) so that slow and malformed connections are counted in the log.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const known = CLIENT_ERRORS[error.code ?? '']
    // A client that hung up (a reset, or the end of the stream mid-request, as one does once it has its 413) is
    // owed nothing, and a refused request being drained was counted when it was refused.
    const hungUp = error.code === 'ECONNRESET' || error.code === 'HPE_INVALID_EOF_STATE'
    if (!hungUp && !draining.has(socket) && socket.writable) {
      const { status, cause } = known ?? { status: 400, cause: 'malformed HTTP request' }
      rejections.record({ source: null, status, cause, reason: error.code ? `${cause} (${error.code})` : cause })
      metrics?.rejected(null, status, cause)
      if ((socket as Duplex & { bytesWritten?: number }).bytesWritten === 0) {
        socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n\r\n`)
      }
    }
    socket.destroy()
  })
  server.on('close', () => rejections.close())
  return server
}

/**
 * Only the limit keys of `limits`, and only those set: a whole `listener` config section can be passed, and
 * nothing else of it is copied (into a thread's workerData, for one) or overrides a default with `undefined`.
 */
export const pickIntakeLimits = (limits: Partial<IntakeLimits>): Partial<IntakeLimits> =>
  Object.fromEntries(
    (Object.keys(DEFAULT_INTAKE_LIMITS) as Array<keyof IntakeLimits>)
      .filter((key) => typeof limits[key] === 'number')
      .map((key) => [key, limits[key]]),
  )

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
