/**
 * Aircall error bodies. The 400 cap body is verbatim from live observations; the others follow the
 * documented `{error, troubleshoot}` family (exact live bodies are unconfirmed).
 */
import type { ServerResponse } from 'node:http'
import { sendJson } from '../common/http.js'

export const PAGINATION_CAP_BODY = {
  error: 'Bad Request',
  data: null,
  message: 'BAD_REQUEST',
  errors:
    'Your query is limited to 10k results and pagination is out of bound, please use timestamps or other filters.',
  troubleshoot: 'BAD_REQUEST',
  success: false,
} as const

export function badRequest(res: ServerResponse, detail: string): void {
  sendJson(res, 400, {
    error: 'Bad Request',
    data: null,
    message: 'BAD_REQUEST',
    errors: detail,
    troubleshoot: 'BAD_REQUEST',
    success: false,
  })
}

export function notFoundId(res: ServerResponse, resource: string, id: string | number): void {
  sendJson(res, 404, {
    error: 'Not Found',
    troubleshoot: `${resource} with id ${String(id)} does not exist or is not accessible with these credentials.`,
  })
}

/** Unknown route: the live API answers this exact body (observed on POST /v1/contacts/:id/emails). */
export function notFoundRoute(res: ServerResponse): void {
  sendJson(res, 404, { message: 'Not Found' })
}

export function unprocessable(res: ServerResponse, message: string): void {
  sendJson(res, 422, { error: 'Unprocessable Entity', message, troubleshoot: message })
}

export function gone(res: ServerResponse, message: string): void {
  sendJson(res, 410, { error: 'Gone', troubleshoot: message })
}

export function serverError(res: ServerResponse, status: number): void {
  sendJson(res, status, { error: 'Internal Server Error', troubleshoot: 'Please retry later.' })
}
