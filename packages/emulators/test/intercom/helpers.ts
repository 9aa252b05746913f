import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startIntercomEmulator, type IntercomEmulator, type IntercomEmulatorConfig } from '../../src/intercom/index.js'
import type { IntercomSeedExtended } from '../../src/intercom/seed.js'

export const TOKEN = 'test-token'
export const SECRET = 'client-secret'
export const ADMIN = '991267459'
export const OTHER_ADMIN = '991267460'
export const TEAM = '991267902'

export class ManualClock {
  constructor(public ms = Date.UTC(2026, 0, 15, 12, 0, 0)) {}
  now = (): number => this.ms
  advance(ms: number): void {
    this.ms += ms
  }
}

export const baseSeed = (): IntercomSeedExtended => ({
  admins: [
    { id: ADMIN, name: 'Ada Admin', email: 'ada@example.com', teamIds: [TEAM] },
    { id: OTHER_ADMIN, name: 'Bob Human', email: 'bob@example.com', teamIds: [TEAM] },
  ],
  teams: [{ id: TEAM, name: 'Support', adminIds: [ADMIN, OTHER_ADMIN] }],
  tags: [{ id: '81', name: 'VIP' }],
  dataAttributes: [{ name: 'call_count', model: 'contact', dataType: 'integer' }],
  conversationAttributes: [{ name: 'issue_type', dataType: 'string' }],
  contacts: [],
})

export interface Harness {
  em: IntercomEmulator
  clock: ManualClock
  api: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResponse>
}

export interface ApiResponse {
  status: number
  headers: Headers
  body: unknown
}

/** Reads a path in parsed JSON (undefined when absent), so tests stay free of `any`. */
export function at(value: unknown, ...path: Array<string | number>): unknown {
  let node = value
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined
    node = (node as Record<string | number, unknown>)[key]
  }
  return node
}

export function str(value: unknown, ...path: Array<string | number>): string {
  const v = at(value, ...path)
  if (typeof v !== 'string') throw new Error(`expected a string at ${path.join('.')}, got ${JSON.stringify(v)}`)
  return v
}

export function list(value: unknown, ...path: Array<string | number>): unknown[] {
  const v = at(value, ...path)
  if (!Array.isArray(v)) throw new Error(`expected an array at ${path.join('.')}, got ${JSON.stringify(v)}`)
  return v
}

export async function startHarness(options: Partial<IntercomEmulatorConfig> = {}, seed = baseSeed()): Promise<Harness> {
  const clock = new ManualClock()
  const em = await startIntercomEmulator({
    accessToken: TOKEN,
    clientSecret: SECRET,
    now: clock.now,
    seed: 7,
    ...options,
  })
  em.seed(seed)
  const api: Harness['api'] = async (method, path, body, headers = {}) => {
    const res = await fetch(em.url + path, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        accept: 'application/json',
        'content-type': 'application/json',
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: text === '' ? null : (JSON.parse(text) as unknown) }
  }
  return { em, clock, api }
}

export interface Received {
  headers: IncomingMessage['headers']
  raw: string
  body: unknown
}

/** A webhook receiver whose POST answer is programmable; HEAD always answers 200 so registration succeeds. */
export async function startReceiver(
  answer: (n: number) => number = () => 200,
): Promise<{ url: string; received: Received[]; heads: number; close: () => Promise<void> }> {
  const received: Received[] = []
  const state = { heads: 0 }
  const server: Server = createServer((req, res) => {
    if (req.method === 'HEAD') {
      state.heads += 1
      res.writeHead(200).end()
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      received.push({ headers: req.headers, raw, body: JSON.parse(raw) as unknown })
      res.writeHead(answer(received.length)).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    get heads() {
      return state.heads
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
