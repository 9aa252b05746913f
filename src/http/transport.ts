import http, { type IncomingHttpHeaders } from 'node:http'
import https from 'node:https'

import type { FetchLike, HttpMethod, ResponseHeaders } from './types.js'

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

class NodeResponseHeaders implements ResponseHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()]
    if (value === undefined) return null
    return Array.isArray(value) ? value.join(', ') : value
  }
}

/**
 * `node:http`/`node:https` with keep-alive agents. Measured on loopback against the emulators, WHATWG
 * `fetch` (undici with web streams and an `AbortSignal` per attempt) cost ~750 µs of CPU per request and
 * this ~180 µs; at three requests per logged call that difference was most of the backfill's CPU.
 * Sockets are pooled per origin; the rate gates, not the agent, bound concurrency.
 */
export function nodeHttpTransport(): Transport {
  // An idle socket is closed after 4 s, before servers drop it (Node's own servers after 5 s, load balancers
  // later): a request written on a socket the server is closing fails with a reset, and a POST is not replayed.
  // The agent applies this timeout to idle sockets only; the request's own timeout covers one in use.
  const agents = {
    http: new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
    https: new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  }
  return (request) =>
    new Promise<TransportResponse>((resolve, reject) => {
      const secure = request.url.protocol === 'https:'
      const headers: Record<string, string | number> = { ...request.headers }
      if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body)
      const { signal } = request
      let settled = false
      const settle = (outcome: () => void): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        outcome()
      }
      const fail = (error: Error): void => {
        if (settled) return
        settle(() => reject(error))
        outgoing.destroy()
      }
      const abortReason = (): Error =>
        signal?.reason instanceof Error ? signal.reason : new Error('the request was cancelled')
      const onAbort = (): void => fail(abortReason())

      const options = { method: request.method, headers, agent: secure ? agents.https : agents.http }
      const onResponse = (response: http.IncomingMessage): void => {
        response.setEncoding('utf8')
        let text = ''
        response.on('data', (chunk: string) => {
          text += chunk
        })
        response.on('end', () =>
          settle(() =>
            resolve({ status: response.statusCode ?? 0, headers: new NodeResponseHeaders(response.headers), text }),
          ),
        )
        response.on('error', fail)
        // A connection cut mid-body closes the response without 'end' (and, depending on timing, without 'error').
        response.on('close', () => {
          if (!response.complete) fail(new Error('the connection closed before the response body ended'))
        })
      }
      const outgoing = secure
        ? https.request(request.url, options, onResponse)
        : http.request(request.url, options, onResponse)
      outgoing.on('error', fail)
      const timer = setTimeout(() => fail(new TransportTimeout(request.timeoutMs)), request.timeoutMs)
      if (signal?.aborted) {
        fail(abortReason())
        return
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      outgoing.end(request.body)
    })
}

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

const IDLE_SOCKET_MS = 4_000

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
  shared ??= nodeHttpTransport()
  return shared
}
