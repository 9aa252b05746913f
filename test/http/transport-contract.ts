import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterEach, describe, expect, it } from 'vitest'

import { type Transport, type TransportRequest, TransportTimeout, unreachableReason } from '../../src/http/transport.js'
import { REFUSED_URL } from '../helpers/refused-url.js'

/** What every transport the request core may travel on must do, run against a real server on loopback. */
export function describeTransport(name: string, makeTransport: () => Transport): void {
  describe(`${name} (transport contract)`, () => {
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

    it('sends the body with its byte length, returns status, headers and text, and reuses its connections', async () => {
      let connections = 0
      const bodies: string[] = []
      const server = createServer((req, res) => {
        let body = ''
        req.setEncoding('utf8')
        req.on('data', (chunk: string) => (body += chunk))
        req.on('end', () => {
          bodies.push(`${req.method} ${req.url} ${req.headers['content-length']}:${body}`)
          res.writeHead(201, { 'x-request-id': 'req-1', 'set-cookie': ['a=1', 'b=2'] })
          res.end('{"ok":"ünïcode"}')
        })
      })
      server.on('connection', () => connections++)
      const url = await listen(server)
      const transport = makeTransport()

      for (let i = 0; i < 6; i++) {
        const response = await transport(request(new URL('/contacts/search?per_page=5', url)))
        expect(response.status).toBe(201)
        expect(response.text).toBe('{"ok":"ünïcode"}')
        expect(response.headers.get('X-Request-Id')).toBe('req-1')
        expect(response.headers.get('set-cookie')).toBe('a=1, b=2')
        expect(response.headers.get('absent')).toBeNull()
      }
      expect(bodies).toEqual(Array(6).fill(`POST /contacts/search?per_page=5 18:{"hello":"wörld"}`))
      // undici hands a socket back to its pool one event-loop turn after the response ends (in case the server
      // closes it regardless), so a request sent at once opens a second one; from then on the two alternate.
      expect(connections).toBeGreaterThanOrEqual(1)
      expect(connections).toBeLessThanOrEqual(2)
    })

    it('sends a GET without a body and reads an empty response', async () => {
      const seen: string[] = []
      const server = createServer((req, res) => {
        seen.push(`${req.method} ${req.headers['content-length'] ?? 'none'}`)
        res.writeHead(204)
        res.end()
      })
      const url = await listen(server)
      const response = await makeTransport()(request(url, { method: 'GET', body: undefined }))
      expect(response.status).toBe(204)
      expect(response.text).toBe('')
      expect(seen).toEqual(['GET none'])
    })

    it('rejects with TransportTimeout when no response comes in time', async () => {
      const url = await listen(
        createServer(() => {
          // never answers
        }),
      )
      await expect(makeTransport()(request(url, { timeoutMs: 50 }))).rejects.toBeInstanceOf(TransportTimeout)
    })

    it('rejects with TransportTimeout when the body does not finish in time', async () => {
      const server = createServer((_req, res) => {
        res.writeHead(200)
        res.write('{"partial":')
      })
      const url = await listen(server)
      await expect(makeTransport()(request(url, { timeoutMs: 50 }))).rejects.toBeInstanceOf(TransportTimeout)
    })

    it('rejects (not resolves with a truncated body) when the connection is cut mid-body', async () => {
      const server = createServer((_req, res) => {
        res.writeHead(200, { 'content-length': '100' })
        res.write('{"partial":')
        setTimeout(() => res.socket?.destroy(), 20)
      })
      const url = await listen(server)
      const outcome = await makeTransport()(request(url)).then(
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
      const transport = makeTransport()
      const early = new AbortController()
      early.abort(new Error('cancelled early'))
      await expect(transport(request(url, { signal: early.signal }))).rejects.toThrow('cancelled early')
      const late = new AbortController()
      setTimeout(() => late.abort(new Error('cancelled late')), 30)
      await expect(transport(request(url, { signal: late.signal }))).rejects.toThrow('cancelled late')
    })

    it("rejects with the caller's abort reason while the body is still arriving", async () => {
      const server = createServer((_req, res) => {
        res.writeHead(200)
        res.write('{"partial":')
      })
      const url = await listen(server)
      const controller = new AbortController()
      setTimeout(() => controller.abort(new Error('cancelled mid-body')), 30)
      await expect(makeTransport()(request(url, { signal: controller.signal }))).rejects.toThrow('cancelled mid-body')
    })

    it('rejects a refused connection with an error the request core names as unreachable', async () => {
      const cause = await makeTransport()(request(new URL(REFUSED_URL))).catch((error: unknown) => error)
      expect(cause).toBeInstanceOf(Error)
      expect(cause).not.toBeInstanceOf(TransportTimeout)
      expect(unreachableReason(cause)).toBe('connection refused')
    })
  })
}

const request = (url: URL, overrides: Partial<TransportRequest> = {}): TransportRequest => ({
  method: 'POST',
  url,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ hello: 'wörld' }),
  signal: undefined,
  timeoutMs: 2_000,
  ...overrides,
})
