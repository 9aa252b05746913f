/** Intercom's `error.list` envelope and the codes the reference documents (§4). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly field?: string,
  ) {
    super(message)
  }
}

export function errorBody(
  requestId: string,
  code: string,
  message: string | null,
  field?: string,
): { type: 'error.list'; request_id: string; errors: Array<{ code: string; message: string | null; field?: string }> } {
  const error: { code: string; message: string | null; field?: string } = { code, message }
  if (field !== undefined) error.field = field
  return { type: 'error.list', request_id: requestId, errors: [error] }
}

export const notFound = (message = 'Resource Not Found'): ApiError => new ApiError(404, 'not_found', message)
export const invalid = (message: string, field?: string): ApiError =>
  new ApiError(400, 'parameter_invalid', message, {}, field)
export const missing = (name: string): ApiError =>
  new ApiError(400, 'parameter_not_found', `${name} is a required parameter`, {}, name)
