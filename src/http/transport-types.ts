import type { HttpMethod, ResponseHeaders } from './types.js'

/** One HTTP exchange as the request core needs it: the whole response body as text. */
export interface TransportRequest {
  method: HttpMethod
  url: URL
  headers: Record<string, string>
  body: string | undefined
  /** The caller's cancellation: the transport rejects with its reason. */
  signal: AbortSignal | undefined
  /** Per attempt, covering the response body too: the transport rejects with `TransportTimeout`. */
  timeoutMs: number
}

export interface TransportResponse {
  status: number
  headers: ResponseHeaders
  text: string
}

export type Transport = (request: TransportRequest) => Promise<TransportResponse>

/** The attempt took longer than its `timeoutMs`; anything else a transport rejects with is a network failure. */
export class TransportTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`no response within ${timeoutMs} ms`)
    this.name = 'TransportTimeout'
  }
}

/**
 * How long a pooled socket may sit idle: closed before servers drop it (Node's own servers after 5 s, load balancers
 * later), since a request written on a socket the server is closing fails with a reset, and a POST is not replayed.
 */
export const IDLE_SOCKET_MS = 4_000

/** A response's header values, one string per name as `Headers.get` gives it (repeated headers comma-joined). */
export const headerValue = (
  raw: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | null => {
  const value = raw[name.toLowerCase()]
  if (value === undefined) return null
  return Array.isArray(value) ? value.join(', ') : value
}
