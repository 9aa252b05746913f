import type { z } from 'zod'

import {
  type ApiError,
  type ErrorDialect,
  NetworkError,
  PLAIN_ERRORS,
  ResponseShapeError,
  TimeoutError,
  UnreachableError,
  formatZodPath,
  mapHttpError,
  requestIdFromHeaders,
} from './errors.js'
import { classifyFailure } from './failure.js'
import { ConcurrencyGate, type RateGate } from './rate-gate.js'
import {
  DEFAULT_RETRY_OPTIONS,
  type Outcome,
  type RateLimitHeaders,
  type RetryOptions,
  STANDARD_RATE_HEADERS,
  decideRetry,
  retryHintsFromHeaders,
} from './retry-policy.js'
import { type Transport, TransportTimeout, defaultTransport, fetchTransport, unreachableReason } from './transport.js'
import {
  type Clock,
  type FetchLike,
  type HttpEvent,
  type HttpMethod,
  type ResponseHeaders,
  type ServiceName,
  type Sleep,
  realSleep,
  systemClock,
} from './types.js'

export type QueryValue = string | number | boolean | undefined | null | ReadonlyArray<string | number>
export type Query = Record<string, QueryValue>

export interface HttpClientOptions {
  service: ServiceName
  /** Scheme and host, optionally a path prefix; request paths are appended to it. */
  baseUrl: string
  /** Sent on every request (authorization, version). Never copied into errors or events. */
  headers: Record<string, string>
  /** How requests travel; undici with keep-alive (`defaultTransport`) by default. */
  transport?: Transport
  /** An injected `fetch` instead of a transport (tests, instrumentation). */
  fetch?: FetchLike
  clock?: Clock
  sleep?: Sleep
  random?: () => number
  gate?: RateGate
  /** How the API's error bodies read and what to tell a person; without it errors are mapped by status alone. */
  errors?: ErrorDialect
  /** Where the API reports its rate-limit window, most trusted first (default: the standard `X-RateLimit-*`). */
  rateHeaders?: readonly RateLimitHeaders[]
  /** Per attempt, covering the response body too (default 20 s). */
  timeoutMs?: number
  retry?: Partial<RetryOptions>
  onEvent?: (event: HttpEvent) => void
}

export interface RequestOptions<S extends z.ZodType | undefined> {
  method: HttpMethod
  path: string
  query?: Query
  body?: unknown
  /** Validates the response body; omit when the body is not read (it is then not parsed either). */
  schema?: S
  /** Allow replaying a non-idempotent request after a 5xx, network error or timeout. */
  replaySafe?: boolean
  signal?: AbortSignal
  timeoutMs?: number
}

export interface HttpResult<T> {
  data: T
  status: number
  headers: ResponseHeaders
  requestId: string | undefined
}

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined

type Attempt =
  | { kind: 'response'; status: number; headers: ResponseHeaders; text: string }
  | { kind: 'network'; cause: unknown }
  | { kind: 'timeout'; cause: unknown }
  | { kind: 'unreachable'; cause: unknown; reason: string }

/**
 * The request core shared by both clients: rate gate, timeout, JSON, response validation, typed errors, and
 * retries decided by the pure retry policy.
 */
export class HttpClient {
  readonly service: ServiceName
  readonly gate: RateGate
  readonly errors: ErrorDialect
  private readonly rateHeaders: readonly RateLimitHeaders[]
  private readonly baseUrl: URL
  private readonly headers: Record<string, string>
  private readonly transport: Transport
  private readonly clock: Clock
  private readonly sleep: Sleep
  private readonly random: () => number
  private readonly timeoutMs: number
  private readonly retry: RetryOptions
  private readonly onEvent: ((event: HttpEvent) => void) | undefined
  private readonly cancellations: AbortSignal[] = []

  constructor(options: HttpClientOptions) {
    this.service = options.service
    this.baseUrl = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`)
    this.headers = options.headers
    this.transport = options.transport ?? (options.fetch ? fetchTransport(options.fetch) : defaultTransport())
    this.clock = options.clock ?? systemClock
    this.sleep = options.sleep ?? realSleep
    this.random = options.random ?? Math.random
    this.errors = options.errors ?? PLAIN_ERRORS
    this.rateHeaders = options.rateHeaders ?? [STANDARD_RATE_HEADERS]
    this.gate =
      options.gate ?? new ConcurrencyGate({ clock: this.clock, sleep: this.sleep, rateHeaders: this.rateHeaders })
    this.timeoutMs = options.timeoutMs ?? 20_000
    this.retry = { ...DEFAULT_RETRY_OPTIONS, ...options.retry }
    this.onEvent = options.onEvent
  }

  /**
   * From now on every request of this client also ends when `signal` aborts: one waiting at the rate gate, one
   * sleeping before a retry and one in flight. For a run whose engine does not hand its signal to every call
   * (a Ctrl-C must not wait for retries against an API that does not answer).
   */
  cancelOn(signal: AbortSignal): void {
    if (!this.cancellations.includes(signal)) this.cancellations.push(signal)
  }

  async request<S extends z.ZodType | undefined = undefined>(
    options: RequestOptions<S>,
  ): Promise<HttpResult<Infer<S>>> {
    const joined = joinSignals([options.signal, ...this.cancellations])
    try {
      return await this.send({ ...options, signal: joined.signal })
    } finally {
      joined.dispose()
    }
  }

  private async send<S extends z.ZodType | undefined>(options: RequestOptions<S>): Promise<HttpResult<Infer<S>>> {
    const { signal } = options
    const url = this.buildUrl(options.path, options.query)
    const endpoint = `${options.method} ${url.pathname}`
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...this.headers,
    }
    const body = options.body === undefined ? undefined : JSON.stringify(options.body)

    let unreachableInARow = 0
    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(url, headers, body, options)
      const now = this.clock.now()
      unreachableInARow = result.kind === 'unreachable' ? unreachableInARow + 1 : 0

      if (result.kind === 'response' && result.status < 400) {
        return this.succeed(result, endpoint, options.schema)
      }

      let outcome: Outcome
      let error: ApiError
      let reason: string
      let hints: { retryAfterMs: number | undefined; resetAt: number | undefined } = {
        retryAfterMs: undefined,
        resetAt: undefined,
      }
      if (result.kind === 'response') {
        outcome = result.status
        hints = retryHintsFromHeaders(result.headers, now, this.rateHeaders)
        error = mapHttpError(
          {
            service: this.service,
            endpoint,
            status: result.status,
            headers: result.headers,
            body: parseJsonOrUndefined(result.text),
            resetAt: result.status === 429 ? (hints.resetAt ?? addMaybe(now, hints.retryAfterMs)) : undefined,
          },
          this.errors,
        )
        reason = `${result.status}${error.code ? ` ${error.code}` : ''}`
        if (result.status === 429)
          this.onEvent?.({ type: 'rate-limited', service: this.service, endpoint, resetAt: hints.resetAt })
      } else if (result.kind === 'unreachable') {
        outcome = 'unreachable'
        reason = result.reason
        error = new UnreachableError({
          service: this.service,
          endpoint,
          url: this.baseUrl.toString(),
          reason: result.reason,
          hint: this.errors.hintFor('unreachable'),
          cause: result.cause,
        })
      } else {
        outcome = result.kind
        const Ctor = result.kind === 'timeout' ? TimeoutError : NetworkError
        error = new Ctor({
          service: this.service,
          endpoint,
          detail:
            result.kind === 'timeout'
              ? `no response within ${options.timeoutMs ?? this.timeoutMs} ms`
              : describeCause(result.cause),
          cause: result.cause,
        })
        reason = error.detail ?? result.kind
      }

      const decision = decideRetry({
        outcome,
        failure: classifyFailure(error),
        attempt,
        method: options.method,
        replaySafe: options.replaySafe ?? false,
        consecutiveUnreachable: unreachableInARow,
        retryAfterMs: hints.retryAfterMs,
        resetAt: hints.resetAt,
        now,
        random: this.random,
        options: this.retry,
      })
      if (!decision.retry) {
        if (error instanceof UnreachableError) {
          this.onEvent?.({ type: 'unreachable', service: this.service, endpoint, url: error.url, reason })
        }
        throw error
      }
      this.onEvent?.({
        type: 'retry',
        service: this.service,
        endpoint,
        attempt,
        outcome,
        waitMs: decision.waitMs,
        reason,
      })
      await this.sleep(decision.waitMs, signal).catch((cause: unknown) => {
        throw signal?.aborted ? signal.reason : cause
      })
    }
  }

  private async attempt(
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    options: RequestOptions<z.ZodType | undefined>,
  ): Promise<Attempt> {
    const { signal } = options
    // The caller's own cancellation is not an API failure: it propagates as is, whatever was waiting on it.
    const release = await this.gate.acquire(signal).catch((cause: unknown) => {
      throw signal?.aborted ? signal.reason : cause
    })
    try {
      const response = await this.transport({
        method: options.method,
        url,
        headers,
        body,
        signal,
        timeoutMs: options.timeoutMs ?? this.timeoutMs,
      })
      this.gate.observe(response.status, response.headers, release.admission)
      return { kind: 'response', ...response }
    } catch (cause) {
      if (signal?.aborted) throw signal.reason
      if (cause instanceof TransportTimeout) return { kind: 'timeout', cause }
      const reason = unreachableReason(cause)
      if (reason !== undefined) return { kind: 'unreachable', cause, reason }
      return { kind: 'network', cause }
    } finally {
      release()
    }
  }

  private succeed<S extends z.ZodType | undefined>(
    result: { status: number; headers: ResponseHeaders; text: string },
    endpoint: string,
    schema: S | undefined,
  ): HttpResult<Infer<S>> {
    const requestId = requestIdFromHeaders(result.headers)
    const meta = { status: result.status, headers: result.headers, requestId }
    if (schema === undefined) return { ...meta, data: undefined as Infer<S> }
    const shapeError = (issues: Array<{ path: string; message: string }>): ResponseShapeError =>
      new ResponseShapeError({ service: this.service, endpoint, status: result.status, requestId, issues })
    let json: unknown
    try {
      json = result.text === '' ? undefined : JSON.parse(result.text)
    } catch {
      throw shapeError([{ path: '', message: 'body is not JSON' }])
    }
    const parsed = schema.safeParse(json)
    if (!parsed.success) {
      throw shapeError(parsed.error.issues.map((i) => ({ path: formatZodPath(i.path), message: i.message })))
    }
    return { ...meta, data: parsed.data as Infer<S> }
  }

  private buildUrl(path: string, query: Query | undefined): URL {
    const url = new URL(path.replace(/^\//, ''), this.baseUrl)
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null) continue
      if (Array.isArray(value))
        for (const v of value as ReadonlyArray<string | number>) url.searchParams.append(key, String(v))
      else url.searchParams.set(key, String(value))
    }
    return url
  }
}

/**
 * One signal for a request from the caller's and the client's: without `AbortSignal.any`, whose dependants a
 * long-lived source keeps until it is collected, since a run's signal lives as long as the run.
 */
function joinSignals(signals: ReadonlyArray<AbortSignal | undefined>): {
  signal: AbortSignal | undefined
  dispose: () => void
} {
  const distinct = [...new Set(signals.filter((s): s is AbortSignal => s !== undefined))]
  if (distinct.length <= 1) return { signal: distinct[0], dispose: () => {} }
  const controller = new AbortController()
  const aborted = distinct.find((s) => s.aborted)
  if (aborted) {
    controller.abort(aborted.reason)
    return { signal: controller.signal, dispose: () => {} }
  }
  const listeners = distinct.map((source) => {
    const listener = (): void => controller.abort(source.reason)
    source.addEventListener('abort', listener, { once: true })
    return { source, listener }
  })
  return {
    signal: controller.signal,
    dispose: () => {
      for (const { source, listener } of listeners) source.removeEventListener('abort', listener)
    },
  }
}

function parseJsonOrUndefined(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function addMaybe(now: number, ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : now + ms
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : ''
    return `${cause.message}${inner}`
  }
  return 'request failed'
}
