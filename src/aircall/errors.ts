import { z } from 'zod'

import { AuthError, type ErrorBodyParts, type ErrorDialect, ForbiddenError, type HintKind } from '../http/errors.js'

const AIRCALL_ERROR_BODY = z
  .object({
    error: z.unknown().optional(),
    message: z.unknown().optional(),
    errors: z.unknown().optional(),
    troubleshoot: z.unknown().optional(),
  })
  .passthrough()

/** An upper-case token such as `BAD_REQUEST`, as Aircall puts in `troubleshoot` or `message`, not prose. */
export function isCodeLike(value: string | undefined): boolean {
  return value !== undefined && /^[A-Z][A-Z0-9_]*$/.test(value)
}

function describeAircallErrorBody(body: unknown): ErrorBodyParts {
  const parsed = AIRCALL_ERROR_BODY.safeParse(body)
  if (!parsed.success) return { code: undefined, detail: undefined, requestId: undefined }
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
  const b = parsed.data
  // Aircall's 400 puts a code-like token in `troubleshoot`/`message` ("BAD_REQUEST") and prose in `errors`.
  const code = str(b.troubleshoot) ?? (isCodeLike(str(b.message)) ? str(b.message) : undefined)
  const detail = str(b.errors) ?? str(b.message) ?? str(b.error)
  return { code, detail, requestId: undefined }
}

function aircallHint(kind: HintKind): string {
  if (kind === 'unreachable') return 'check aircall.apiUrl / AIRCALL_API_URL and that this machine can reach it'
  // Aircall documents 403 as "invalid API key or Bearer access token": a forbidden answer is bad credentials too.
  return 'check AIRCALL_API_ID and AIRCALL_API_TOKEN (Aircall answers 401 or 403 for bad keys)'
}

/** How Aircall's errors read, for the request core. Its codes are prose or status names: none changes the class. */
export const AIRCALL_ERRORS: ErrorDialect = {
  describeErrorBody: describeAircallErrorBody,
  hintFor: aircallHint,
}

/**
 * Aircall answers bad credentials with 403 (the live measurement in the reference) or 401 (the older docs): both are
 * one authentication failure, `auth_failed`, whose message says the API ID and token (or the access token) are
 * wrong. Every other error passes through as mapped.
 */
export function aircallCredentialsError(error: unknown, credentials: 'api-key' | 'access-token'): unknown {
  if (!(error instanceof AuthError || error instanceof ForbiddenError) || error.service !== 'aircall') return error
  const what = credentials === 'api-key' ? 'the API ID or API token is wrong' : 'the OAuth access token is wrong'
  // Aircall's `troubleshoot` (read as its code) is prose on these answers: it says more than `Forbidden` does.
  const codeLike = isCodeLike(error.code)
  const says = codeLike ? error.detail : (error.code ?? error.detail)
  return new AuthError({
    service: error.service,
    endpoint: error.endpoint,
    status: error.status,
    requestId: error.requestId,
    code: codeLike ? error.code : undefined,
    detail: `Aircall refused the credentials: ${what} (or revoked)${says === undefined ? '' : `; Aircall says "${says}"`}`,
    hint:
      credentials === 'api-key'
        ? 'check AIRCALL_API_ID and AIRCALL_API_TOKEN: create a new key in Aircall Dashboard › Integrations › API keys if unsure'
        : 'reconnect the Aircall app to get a new access token',
    cause: error,
  })
}
