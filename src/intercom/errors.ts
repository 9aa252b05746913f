import { z } from 'zod'

import type { CodedFailure, ErrorBodyParts, ErrorDialect, HintKind } from '../http/errors.js'

const INTERCOM_ERROR_BODY = z
  .object({
    request_id: z.string().nullish(),
    errors: z.array(z.object({ code: z.string(), message: z.string().nullish() }).passthrough()).min(1),
  })
  .passthrough()

function describeIntercomErrorBody(body: unknown): ErrorBodyParts {
  const parsed = INTERCOM_ERROR_BODY.safeParse(body)
  if (!parsed.success) return { code: undefined, detail: undefined, requestId: undefined }
  const first = parsed.data.errors[0]
  return {
    code: first?.code,
    detail: first?.message ?? undefined,
    requestId: parsed.data.request_id ?? undefined,
  }
}

const AUTH_CODES = new Set([
  'unauthorized',
  'token_unauthorized',
  'token_not_found',
  'token_revoked',
  'token_suspended',
])
const CONFLICT_CODES = new Set(['conflict', 'unique_user_constraint', 'resource_conflict'])

function intercomFailureOfCode(code: string): CodedFailure | undefined {
  if (code === 'rate_limit_exceeded') return 'rate-limited'
  if (AUTH_CODES.has(code)) return 'auth'
  if (CONFLICT_CODES.has(code)) return 'conflict'
  if (code === 'contact_merged') return 'gone'
  return undefined
}

// The single documented exception to "never parse messages": Intercom only reports the existing id in prose.
const CONFLICT_ID = /with id=([A-Za-z0-9_-]+)/

function intercomHint(kind: HintKind): string {
  if (kind === 'unreachable') {
    return 'check intercom.apiUrl / INTERCOM_API_URL (or intercom.region) and that this machine can reach it'
  }
  return kind === 'auth'
    ? 'check INTERCOM_ACCESS_TOKEN (and the region: us, eu or au)'
    : 'the Intercom app lacks a permission or plan for this endpoint'
}

/** How Intercom's errors read, for the request core: an `error.list` body whose codes classify some failures. */
export const INTERCOM_ERRORS: ErrorDialect = {
  describeErrorBody: describeIntercomErrorBody,
  hintFor: intercomHint,
  failureOfCode: intercomFailureOfCode,
  conflictingId: (detail) => CONFLICT_ID.exec(detail)?.[1],
}
