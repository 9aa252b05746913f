import { z } from 'zod/v4'

import { type CodedError, EXIT, type ExitCode } from '../errors.js'
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
  /** The API's own error code from the response body (e.g. Intercom's `conflict`), when it sent one. */
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

/** How the CLI names a service in sentences. */
export const SERVICE_TITLES: Readonly<Record<ServiceName, string>> = { aircall: 'Aircall', intercom: 'Intercom' }

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
    super({ hint: hintFor(init.service, 'unreachable'), ...init, detail: init.reason })
    // The URL is separated from the cause by " : " so that a terminal's link detection stops at the URL.
    this.message = `cannot reach ${SERVICE_TITLES[init.service]} at ${init.url} : ${init.reason}`
    this.url = init.url
    this.reason = init.reason
  }
}

/** Intercom 2.16 answers 410 for a merged-away contact; `canonicalId` is the surviving contact (from `Link`). */
export class GoneError extends ApiError {
  override readonly errorCode = 'gone'
  readonly canonicalId: string | undefined
  constructor(init: ApiErrorInit & { canonicalId?: string | undefined }) {
    super(init)
    this.canonicalId = init.canonicalId
  }
}

/** Intercom 409 `conflict` on contact create; `existingId` is the contact that already matches. */
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

const INTERCOM_ERROR_BODY = z
  .object({
    request_id: z.string().nullish(),
    errors: z.array(z.object({ code: z.string(), message: z.string().nullish() }).passthrough()).min(1),
  })
  .passthrough()

const AIRCALL_ERROR_BODY = z
  .object({
    error: z.unknown().optional(),
    message: z.unknown().optional(),
    errors: z.unknown().optional(),
    troubleshoot: z.unknown().optional(),
  })
  .passthrough()

interface ParsedBody {
  code: string | undefined
  detail: string | undefined
  requestId: string | undefined
}

function parseErrorBody(service: ServiceName, body: unknown): ParsedBody {
  if (service === 'intercom') {
    const parsed = INTERCOM_ERROR_BODY.safeParse(body)
    if (!parsed.success) return { code: undefined, detail: undefined, requestId: undefined }
    const first = parsed.data.errors[0]
    return {
      code: first?.code,
      detail: first?.message ?? undefined,
      requestId: parsed.data.request_id ?? undefined,
    }
  }
  const parsed = AIRCALL_ERROR_BODY.safeParse(body)
  if (!parsed.success) return { code: undefined, detail: undefined, requestId: undefined }
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
  const b = parsed.data
  // Aircall's 400 puts a code-like token in `troubleshoot`/`message` ("BAD_REQUEST") and prose in `errors`.
  const code = str(b.troubleshoot) ?? (isCodeLike(str(b.message)) ? str(b.message) : undefined)
  const detail = str(b.errors) ?? str(b.message) ?? str(b.error)
  return { code, detail, requestId: undefined }
}

function isCodeLike(value: string | undefined): boolean {
  return value !== undefined && /^[A-Z][A-Z0-9_]*$/.test(value)
}

const AUTH_CODES = new Set([
  'unauthorized',
  'token_unauthorized',
  'token_not_found',
  'token_revoked',
  'token_suspended',
])
const CONFLICT_CODES = new Set(['conflict', 'unique_user_constraint', 'resource_conflict'])

// The single documented exception to "never parse messages": Intercom only reports the existing id in prose.
const CONFLICT_ID = /with id=([A-Za-z0-9_-]+)/

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

function hintFor(service: ServiceName, kind: 'auth' | 'forbidden' | 'gone' | 'unreachable'): string {
  if (kind === 'gone') return 'the contact was merged; use the canonical id'
  if (kind === 'unreachable') {
    return service === 'intercom'
      ? 'check intercom.apiUrl / INTERCOM_API_URL (or intercom.region) and that this machine can reach it'
      : 'check aircall.apiUrl / AIRCALL_API_URL and that this machine can reach it'
  }
  if (service === 'intercom') {
    return kind === 'auth'
      ? 'check INTERCOM_ACCESS_TOKEN (and the region: us, eu or au)'
      : 'the Intercom app lacks a permission or plan for this endpoint'
  }
  return 'check AIRCALL_API_ID and AIRCALL_API_TOKEN (Aircall answers 401 or 403 for bad keys)'
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
export function mapHttpError(failure: HttpFailure): ApiError {
  const { service, endpoint, status, headers, body } = failure
  const parsed = parseErrorBody(service, body)
  const base: ApiErrorInit = {
    service,
    endpoint,
    status,
    code: parsed.code,
    detail: parsed.detail,
    requestId: parsed.requestId ?? requestIdFromHeaders(headers),
  }
  const code = parsed.code

  if (status === 429 || code === 'rate_limit_exceeded')
    return new RateLimitedError({ ...base, resetAt: failure.resetAt })
  if (status === 401 || (code !== undefined && AUTH_CODES.has(code))) {
    return new AuthError({ ...base, hint: hintFor(service, 'auth') })
  }
  // Aircall documents 403 as "invalid API key or Bearer access token".
  if (status === 403)
    return new ForbiddenError({ ...base, hint: hintFor(service, service === 'aircall' ? 'auth' : 'forbidden') })
  if (status === 409 || (code !== undefined && CONFLICT_CODES.has(code))) {
    const existingId = parsed.detail ? CONFLICT_ID.exec(parsed.detail)?.[1] : undefined
    return new ConflictError({ ...base, existingId })
  }
  if (status === 410 || code === 'contact_merged') {
    return new GoneError({
      ...base,
      canonicalId: parseCanonicalLink(headers.get('link')),
      hint: hintFor(service, 'gone'),
    })
  }
  if (status === 404) return new NotFoundError(base)
  if (status === 408) return new TimeoutError(base)
  if (status === 400 || status === 422) return new ValidationError(base)
  if (status >= 500) return new ServerError(base)
  return new ApiError(base)
}
