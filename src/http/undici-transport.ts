import type { Agent } from 'undici'

import {
  IDLE_SOCKET_MS,
  type Transport,
  type TransportResponse,
  TransportTimeout,
  headerValue,
} from './transport-types.js'
import type { ResponseHeaders } from './types.js'

class UndiciResponseHeaders implements ResponseHeaders {
  constructor(private readonly raw: Record<string, string | string[] | undefined>) {}

  get(name: string): string | null {
    return headerValue(this.raw, name)
  }
}

/**
 * undici's `Agent` and `request()`: the client Node's `fetch` is built on, without its web streams and
 * `Request`/`Response` objects. Sockets are pooled per origin; the rate gates, not the agent, bound concurrency.
 */
export function undiciTransport(): Transport {
  // Loaded on the first request: undici and its WebAssembly HTTP parser cost tens of MB and tens of ms to load,
  // which a command that never calls an API should not pay.
  let agent: Promise<Agent> | undefined
  const createAgent = async (): Promise<Agent> => {
    const { Agent } = await import('undici')
    return new Agent({
      // The max caps a server's longer Keep-Alive hint; a shorter hint still wins.
      keepAliveTimeout: IDLE_SOCKET_MS,
      keepAliveMaxTimeout: IDLE_SOCKET_MS,
      // The attempt's own timer covers headers and body together; undici's per-phase timers would only duplicate it.
      headersTimeout: 0,
      bodyTimeout: 0,
    })
  }
  return async (request) => {
    const { signal } = request
    if (signal?.aborted) throw abortReason(signal)
    const attempt = new AbortController()
    const onAbort = (): void => attempt.abort(abortReason(signal))
    signal?.addEventListener('abort', onAbort, { once: true })
    const timer = setTimeout(() => attempt.abort(new TransportTimeout(request.timeoutMs)), request.timeoutMs)
    try {
      agent ??= createAgent()
      const dispatcher = await agent
      const response = await dispatcher.request({
        origin: request.url.origin,
        path: `${request.url.pathname}${request.url.search}`,
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: attempt.signal,
      })
      const text = await response.body.text()
      const result: TransportResponse = {
        status: response.statusCode,
        headers: new UndiciResponseHeaders(response.headers),
        text,
      }
      return result
    } catch (error) {
      // Once the attempt is aborted its reason (the caller's, or TransportTimeout) is the outcome, whatever undici
      // rejected with.
      if (attempt.signal.aborted) throw attempt.signal.reason
      throw error
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
  }
}

const abortReason = (signal: AbortSignal | undefined): Error =>
  signal?.reason instanceof Error ? signal.reason : new Error('the request was cancelled')
