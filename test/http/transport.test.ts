import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterEach, describe, expect, it } from 'vitest'

import { TransportTimeout, fetchTransport, nodeHttpTransport, unreachableReason } from '../../src/http/transport.js'

const servers: Server[] = []

const listen = async (server: Server): Promise<URL> => {
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        }),
    ),
  )
})

const request = (url: URL, overrides: Partial<Parameters<ReturnType<typeof nodeHttpTransport>>[0]> = {}) => ({
  method: 'POST' as const,
  url,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ hello: 'wörld' }),
  signal: undefined,
  timeoutMs: 2_000,
  ...overrides,
})

describe('nodeHttpTransport', () => {
  it('sends the body with its byte length, returns status, headers and text, and reuses one connection', async () => {
    let connections = 0
    const bodies: string[] = []
    const server = createServer((req, res) => {
      let body = ''
      req.setEncoding('utf8')
      req.on('data', (chunk: string) => (body += chunk))
      req.on('end', () => {
        bodies.push(`${req.headers['content-length']}:${body}`)
        res.writeHead(201, { 'x-request-id': 'req-1', 'set-cookie': ['a=1', 'b=2'] })
        res.end('{"ok":true}')
      })
    })
    server.on('connection', () => connections++)
    const url = await listen(server)
    const transport = nodeHttpTransport()

    for (let i = 0; i < 3; i++) {
      const response = await transport(request(url))
      expect(response.status).toBe(201)
      expect(response.text).toBe('{"ok":true}')
      expect(response.headers.get('X-Request-Id')).toBe('req-1')
      expect(response.headers.get('set-cookie')).toBe('a=1, b=2')
      expect(response.headers.get('absent')).toBeNull()
    }
    expect(bodies).toEqual(Array(3).fill(`18:{"hello":"wörld"}`))
    expect(connections).toBe(1)
  })

  it('rejects with TransportTimeout when the body does not finish in time', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200)
      res.write('{"partial":')
    })
    const url = await listen(server)
    await expect(nodeHttpTransport()(request(url, { timeoutMs: 100 }))).rejects.toBeInstanceOf(TransportTimeout)
  })

  it('rejects (not resolves with a truncated body) when the connection is cut mid-body', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': '100' })
      res.write('{"partial":')
      setTimeout(() => res.socket?.destroy(), 20)
    })
    const url = await listen(server)
    const outcome = await nodeHttpTransport()(request(url)).then(
      () => 'resolved',
      (error: unknown) => error,
    )
    expect(outcome).toBeInstanceOf(Error)
    expect(outcome).not.toBeInstanceOf(TransportTimeout)
  })

  it("rejects with the caller's abort reason, before or during the exchange", async () => {
    const server = createServer(() => {
      // never answers
    })
    const url = await listen(server)
    const transport = nodeHttpTransport()
    const early = new AbortController()
    early.abort(new Error('cancelled early'))
    await expect(transport(request(url, { signal: early.signal }))).rejects.toThrow('cancelled early')
    const late = new AbortController()
    setTimeout(() => late.abort(new Error('cancelled late')), 30)
    await expect(transport(request(url, { signal: late.signal }))).rejects.toThrow('cancelled late')
  })
})

const errno = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code })

describe('unreachableReason', () => {
  it('names refused connections and DNS failures, however they are wrapped', () => {
    expect(unreachableReason(errno('ECONNREFUSED'))).toBe('connection refused')
    expect(unreachableReason(errno('ENOTFOUND'))).toMatch(/no such host/)
    expect(unreachableReason(errno('EAI_AGAIN'))).toMatch(/could not be resolved/)
    // Node tries every address of a name (happy eyeballs); fetch wraps the socket error in its cause.
    expect(unreachableReason(new AggregateError([errno('ECONNREFUSED'), errno('ECONNREFUSED')]))).toBe(
      'connection refused',
    )
    expect(unreachableReason(new TypeError('fetch failed', { cause: errno('ENOTFOUND') }))).toMatch(/no such host/)
  })

  it('leaves failures mid-exchange to the ordinary retries', () => {
    for (const code of ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET']) {
      expect(unreachableReason(errno(code))).toBeUndefined()
    }
    expect(unreachableReason(new TransportTimeout(100))).toBeUndefined()
    expect(unreachableReason('nope')).toBeUndefined()
  })

  it('recognises what both transports reject with for a port nobody listens on', async () => {
    const url = await listen(createServer())
    const server = servers.pop()
    await new Promise<void>((resolve) => server?.close(() => resolve()))
    for (const transport of [nodeHttpTransport(), fetchTransport(fetch)]) {
      const cause = await transport(request(url)).catch((error: unknown) => error)
      expect(unreachableReason(cause)).toBe('connection refused')
    }
  })
})
