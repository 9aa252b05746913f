import http, { type IncomingHttpHeaders } from 'node:http'
import https from 'node:https'

import {
  IDLE_SOCKET_MS,
  type Transport,
  type TransportResponse,
  TransportTimeout,
  headerValue,
} from './transport-types.js'
import type { ResponseHeaders } from './types.js'

class NodeResponseHeaders implements ResponseHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    return headerValue(this.raw, name)
  }
}

/**
 * `node:http`/`node:https` with keep-alive agents: no longer the default (see `defaultTransport`), kept as the
 * baseline the overhead bench measures undici against in the same run. Sockets are pooled per origin; the rate
 * gates, not the agent, bound concurrency.
 */
export function nodeHttpTransport(): Transport {
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
