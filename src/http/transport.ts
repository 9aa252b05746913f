import type { FetchLike } from './types.js'
import { type Transport, TransportTimeout } from './transport-types.js'
import { undiciTransport } from './undici-transport.js'

export { type Transport, type TransportRequest, type TransportResponse, TransportTimeout } from './transport-types.js'

/** Adapts an injected `fetch` (tests, or a caller's own instrumentation) to a transport. */
export function fetchTransport(fetchImpl: FetchLike): Transport {
  return async (request) => {
    const timeout = AbortSignal.timeout(request.timeoutMs)
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout
    try {
      const response = await fetchImpl(request.url.toString(), {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal,
      })
      const text = await response.text()
      return { status: response.status, headers: response.headers, text }
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason
      if (timeout.aborted) throw new TransportTimeout(request.timeoutMs)
      throw error
    }
  }
}

/**
 * Connection errors that mean nothing answers at the address, so the request was never sent: a refused
 * connection (nothing listening) and DNS failures. Resets and timeouts are not here: they happen mid-exchange.
 */
const UNREACHABLE: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host (DNS lookup failed)',
  EAI_AGAIN: 'the host name could not be resolved (DNS lookup timed out)',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
}

const errorCodes = (cause: unknown, depth = 0): string[] => {
  if (typeof cause !== 'object' || cause === null || depth > 3) return []
  const { code, errors, cause: inner } = cause as { code?: unknown; errors?: unknown; cause?: unknown }
  return [
    ...(typeof code === 'string' ? [code] : []),
    // Happy eyeballs (several addresses tried) rejects with an AggregateError; fetch wraps the socket error.
    ...(Array.isArray(errors) ? errors.flatMap((e: unknown) => errorCodes(e, depth + 1)) : []),
    ...errorCodes(inner, depth + 1),
  ]
}

/** Pure: why a transport's rejection means the address is unreachable, or undefined when it does not. */
export function unreachableReason(cause: unknown): string | undefined {
  for (const code of errorCodes(cause)) {
    const reason = UNREACHABLE[code]
    if (reason !== undefined) return reason
  }
  return undefined
}

let shared: Transport | undefined

/** One pool of keep-alive sockets per process, shared by every client that was not given its own transport. */
export function defaultTransport(): Transport {
  shared ??= undiciTransport()
  return shared
}
