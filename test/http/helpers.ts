import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import type { Clock, Sleep } from '../../src/http/types.js'

/** A clock whose sleeps return at once and move time forward, so waits are exact and instant. */
export class ManualClock implements Clock {
  readonly sleeps: number[] = []
  constructor(private time = 1_700_000_000_000) {}

  now(): number {
    return this.time
  }

  advance(ms: number): void {
    this.time += ms
  }

  readonly sleep: Sleep = async (ms, signal) => {
    signal?.throwIfAborted()
    this.sleeps.push(ms)
    this.time += Math.max(0, ms)
    // Let other pending promises run, as a real timer would.
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

/**
 * Virtual time shared by concurrent sleepers and by an emulator (`now`): a sleep returns at once and moves time to
 * at least its own end, so sleepers that overlap cost the longest of them, not their sum (as they would in real
 * time). Every sleep is recorded.
 */
export class SharedClock implements Clock {
  readonly sleeps: number[] = []
  constructor(private time = 1_700_000_000_000) {}

  now(): number {
    return this.time
  }

  readonly sleep: Sleep = async (ms, signal) => {
    signal?.throwIfAborted()
    this.sleeps.push(ms)
    const end = this.time + Math.max(0, ms)
    await new Promise<void>((resolve) => setImmediate(resolve))
    this.time = Math.max(this.time, end)
  }
}

export interface RecordedRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  body: unknown
}

export interface ScriptedResponse {
  status?: number
  headers?: Record<string, string>
  json?: unknown
  /** Raw body instead of JSON. */
  text?: string
  /** Hold the response this long (for timeouts). */
  delayMs?: number
  /** Destroy the socket instead of answering (a network error). */
  hangUp?: boolean
}

export type Handler = (req: RecordedRequest, index: number) => ScriptedResponse | Promise<ScriptedResponse>

export interface TestServer {
  url: string
  requests: RecordedRequest[]
  close(): Promise<void>
}

/** A real HTTP server on 127.0.0.1:0; `handler` sees each request and how many came before it. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = []
  const sockets = new Set<import('node:net').Socket>()
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      const url = new URL(req.url ?? '/', 'http://localhost')
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: raw === '' ? undefined : (JSON.parse(raw) as unknown),
      }
      const index = requests.length
      requests.push(recorded)
      void Promise.resolve(handler(recorded, index)).then(async (answer) => {
        if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs))
        if (answer.hangUp) {
          req.socket.destroy()
          return
        }
        const body = answer.text ?? (answer.json === undefined ? '' : JSON.stringify(answer.json))
        res.writeHead(answer.status ?? 200, {
          ...(answer.json === undefined ? {} : { 'content-type': 'application/json' }),
          ...answer.headers,
        })
        res.end(body)
      })
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Headers helper for rate-gate tests. */
export function headers(values: Record<string, string | number>): Headers {
  const h = new Headers()
  for (const [k, v] of Object.entries(values)) h.set(k, String(v))
  return h
}
