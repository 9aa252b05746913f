import { type CodedError, EXIT, type ExitCode, SERVICE_TITLES } from '../errors.js'
import type { ClassifiedFailure, FailureClass } from './failure.js'
import type { ResponseHeaders, ServiceName } from './types.js'

export interface ApiErrorInit {
  service: ServiceName
  /** Method and path without query, e.g. "POST /contacts". */
  endpoint: string
  status?: number | undefined
  requestId?: string | undefined
  code?: string | undefined
  /** The API's own message (never contains our credentials: we never echo request headers). */
  detail?: string | undefined
  hint?: string | undefined
  cause?: unknown
}

/**
 * Base class of every error the API clients throw. Classify with `instanceof` or `classifyFailure`, never
 * by message. Each subclass declares its failure class and machine code; an unmapped 4xx is permanent.
 */
export class ApiError extends Error implements CodedError, ClassifiedFailure {
  readonly failure: FailureClass = 'permanent'
  /** Our stable machine code (`error.code` under --json); `code` below is the API's own. */
  readonly errorCode: string = 'api_error'
  readonly exitCode: ExitCode = EXIT.failure
  readonly service: ServiceName
  readonly endpoint: string
  readonly status: number | undefined
  readonly requestId: string | undefined
  /** The API's own error code from the response body (e.g. `conflict`), when it sent one. */
  readonly code: string | undefined
  readonly detail: string | undefined
  readonly hint: string | undefined

  constructor(init: ApiErrorInit) {
    super(formatMessage(init), init.cause === undefined ? undefined : { cause: init.cause })
    this.name = new.target.name
    this.service = init.service
    this.endpoint = init.endpoint
    this.status = init.status
    this.requestId = init.requestId
    this.code = init.code
    this.detail = init.detail
    this.hint = init.hint
  }
}

export class AuthError extends ApiError {
  override readonly failure = 'auth'
  override readonly errorCode = 'auth_failed'
}
export class ForbiddenError extends ApiError {
  override readonly failure = 'auth'
  override readonly errorCode = 'forbidden'
}
export class NotFoundError extends ApiError {
  override readonly errorCode = 'not_found'
}
export class ValidationError extends ApiError {
  override readonly errorCode = 'validation_failed'
}
export class ServerError extends ApiError {
  override readonly failure = 'retry'
  override readonly errorCode = 'server_error'
}
export class NetworkError extends ApiError {
  override readonly failure = 'retry'
  override readonly errorCode = 'network_error'
}
export class TimeoutError extends ApiError {
  override readonly failure = 'retry'
  override readonly errorCode = 'timeout'
}

/**
 * Nothing answers at the API's address: the connection was refused or the host name does not resolve. Nothing
 * was sent, so nothing can have been written. Still `retry` for the queue worker (the API may come back before
 * the event's next attempt), while a run over many calls stops at the first one instead of failing each.
 */
export class UnreachableError extends ApiError {
  override readonly failure = 'retry'
  override readonly errorCode = 'unreachable'
  /** The base URL that nothing answered at, e.g. "http://127.0.0.1:9/". */
  readonly url: string
  /** Why, for a person: "connection refused", "no such host (DNS)". */
  readonly reason: string
  constructor(init: ApiErrorInit & { url: string; reason: string }) {
    super({ ...init, detail: init.reason })
    // The URL is separated from the cause by " : " so that a terminal's link detection stops at the URL.
    this.message = `cannot reach ${SERVICE_TITLES[init.service]} at ${init.url} : ${init.reason}`
    this.url = init.url
    this.reason = init.reason
  }
}

/** 410 for a merged-away record; `canonicalId` is the surviving one (from a `Link` with rel="canonical"). */
export class GoneError extends ApiError {
  override readonly errorCode = 'gone'
  readonly canonicalId: string | undefined
  constructor(init: ApiErrorInit & { canonicalId?: string | undefined }) {
    super(init)
    this.canonicalId = init.canonicalId
  }
}

/** 409 on a create; `existingId` is the record that already matches, when the API names it. */
export class ConflictError extends ApiError {
  override readonly errorCode = 'conflict'
  readonly existingId: string | undefined
  constructor(init: ApiErrorInit & { existingId?: string | undefined }) {
    super(init)
    this.existingId = init.existingId
  }
}

export class RateLimitedError extends ApiError {
  override readonly failure = 'retry'
  override readonly errorCode = 'rate_limited'
  /** When the server said the budget resets (UNIX ms), if it said so. */
  readonly resetAt: number | undefined
  constructor(init: ApiErrorInit & { resetAt?: number | undefined }) {
    super(init)
    this.resetAt = init.resetAt
  }
}

export interface ShapeIssue {
  /** Dotted path into the response body, e.g. "data[0].id" ("" for the root). */
  path: string
  message: string
}

/** A 2xx response whose body did not have the fields we read: reported here, not as a crash in a service. */
export class ResponseShapeError extends ApiError {
  override readonly errorCode = 'response_shape'
  readonly issues: ShapeIssue[]
  constructor(init: ApiErrorInit & { issues: ShapeIssue[] }) {
    super({
      ...init,
      detail: `unexpected response shape: ${init.issues
        .slice(0, 3)
        .map((i) => `${i.path || '(root)'}: ${i.message}`)
        .join('; ')}`,
    })
    this.issues = init.issues
  }
}

function formatMessage(init: ApiErrorInit): string {
  const status = init.status === undefined ? '' : ` ${init.status}`
  const code = init.code ? ` ${init.code}` : ''
  const detail = init.detail ? `: ${init.detail}` : ''
  return `${init.service} ${init.endpoint} failed${status}${code}${detail}`
}

export function formatZodPath(path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else out += out === '' ? String(part) : `.${String(part)}`
  }
  return out
}

/** What an API's error body says: its own code, its message and its request id. */
export interface ErrorBodyParts {
  code: string | undefined
  detail: string | undefined
  requestId: string | undefined
}

export type HintKind = 'auth' | 'forbidden' | 'unreachable'

/** A failure an API error code stands for whatever status it came with (a revoked token answered with 400). */
export type CodedFailure = 'auth' | 'conflict' | 'gone' | 'rate-limited'

/**
 * What the request core cannot know about one API's failures: how its error bodies read, what its error codes
 * mean, and what to tell a person. Each client hands its own to the request core; the typed errors and the mapping
 * by status stay the same for every API.
 */
export interface ErrorDialect {
  /** `body` is the parsed JSON of the error response, or undefined when it was empty or not JSON. */
  describeErrorBody(body: unknown): ErrorBodyParts
  hintFor(kind: HintKind): string | undefined
  failureOfCode?(code: string): CodedFailure | undefined
  /** The id of the record a conflict names, for an API that says it only in its message. */
  conflictingId?(detail: string): string | undefined
}

const NOTHING_PARSED: ErrorBodyParts = { code: undefined, detail: undefined, requestId: undefined }

/** For an API nobody described: errors are mapped by status alone, without hints. */
export const PLAIN_ERRORS: ErrorDialect = {
  describeErrorBody: () => NOTHING_PARSED,
  hintFor: () => undefined,
}

const GONE_HINT = 'the contact was merged; use the canonical id'

/** Extracts the canonical contact id from `Link: </contacts/{id}>; rel="canonical"`. */
export function parseCanonicalLink(link: string | null): string | undefined {
  if (!link) return undefined
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?canonical"?/i.exec(part)
    if (m?.[1]) {
      const segments = m[1].split('?')[0]?.split('/').filter(Boolean) ?? []
      return segments[segments.length - 1]
    }
  }
  return undefined
}

export function requestIdFromHeaders(headers: ResponseHeaders): string | undefined {
  return headers.get('x-request-id') ?? headers.get('request-id') ?? headers.get('apigw-requestid') ?? undefined
}

export interface HttpFailure {
  service: ServiceName
  endpoint: string
  status: number
  headers: ResponseHeaders
  /** Parsed JSON body, or undefined when it was empty or not JSON. */
  body: unknown
  /** Reset time derived from the headers (UNIX ms), for 429s. */
  resetAt?: number | undefined
}

/** The one place that turns an HTTP failure into a typed error: by status and error code only. */
export function mapHttpError(failure: HttpFailure, dialect: ErrorDialect = PLAIN_ERRORS): ApiError {
  const { service, endpoint, status, headers, body } = failure
  const parsed = dialect.describeErrorBody(body)
  const base: ApiErrorInit = {
    service,
    endpoint,
    status,
    code: parsed.code,
    detail: parsed.detail,
    requestId: parsed.requestId ?? requestIdFromHeaders(headers),
  }
  const coded = parsed.code === undefined ? undefined : dialect.failureOfCode?.(parsed.code)

  if (status === 429 || coded === 'rate-limited') return new RateLimitedError({ ...base, resetAt: failure.resetAt })
  if (status === 401 || coded === 'auth') return new AuthError({ ...base, hint: dialect.hintFor('auth') })
  if (status === 403) return new ForbiddenError({ ...base, hint: dialect.hintFor('forbidden') })
  if (status === 409 || coded === 'conflict') {
    const existingId = parsed.detail ? dialect.conflictingId?.(parsed.detail) : undefined
    return new ConflictError({ ...base, existingId })
  }
  if (status === 410 || coded === 'gone') {
    return new GoneError({ ...base, canonicalId: parseCanonicalLink(headers.get('link')), hint: GONE_HINT })
  }
  if (status === 404) return new NotFoundError(base)
  if (status === 408) return new TimeoutError(base)
  if (status === 400 || status === 422) return new ValidationError(base)
  if (status >= 500) return new ServerError(base)
  return new ApiError(base)
}
