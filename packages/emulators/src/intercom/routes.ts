/** A route as declared by each resource file: the OpenAPI path template doubles as the contract key. */
import type { ApiHandler } from './context.js'

export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** OpenAPI template, e.g. "/contacts/{contact_id}". */
  path: string
  handler: ApiHandler
  /** Never changes a record (a search): other non-GET routes drop cached search results, whatever they touched. */
  readOnly?: true
}

export function toRouterPattern(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1')
}
