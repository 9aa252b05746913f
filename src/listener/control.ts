import type { MetricsSnapshot } from './intake-metrics.js'

/**
 * A request to the listener's control plane (`/readyz`, `/metrics`, `/console…`) as the intake hands it on. The
 * intake owns the port but not what these pages read (the worker, the main thread's store connection, the API
 * clients), so it passes the request, as plain data that can cross a thread boundary, to the main thread.
 */
export interface ControlRequest {
  method: string
  /** The path without its query. */
  path: string
  /** The query string without its `?` ('' when none). */
  query: string
  /** The few headers the control plane reads, lower-cased. */
  headers: Partial<Record<(typeof CONTROL_HEADERS)[number], string>>
  /** A POST's form body (capped at CONTROL_BODY_LIMIT). */
  body: string
  remoteAddress: string
  /** The intake's counters, attached to `/metrics` requests only. */
  intakeMetrics: MetricsSnapshot | null
}

export interface ControlResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export type ControlHandler = (request: ControlRequest) => Promise<ControlResponse>

export const CONTROL_HEADERS = ['host', 'cookie', 'content-type', 'authorization', 'origin', 'accept'] as const

/** A console form is a few fields; anything larger is not one. */
export const CONTROL_BODY_LIMIT = 64 * 1024

export const isControlPath = (path: string): boolean =>
  path === '/readyz' || path === '/metrics' || path === '/console' || path.startsWith('/console/')
