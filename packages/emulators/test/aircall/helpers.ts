/** Shared fixtures: an emulator on 127.0.0.1:0 with a controllable clock and authenticated fetch. */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { listen, closeServer } from '../../src/common/listen.js'
import { type AircallEmulator, startAircallEmulator } from '../../src/aircall/server.js'
import type { AircallEmulatorOptions } from '../../src/types.js'

export const API_ID = 'test-id'
export const API_TOKEN = 'test-token'
export const AUTH = `Basic ${Buffer.from(`${API_ID}:${API_TOKEN}`).toString('base64')}`
/** 2026-09-28T12:00:00Z */
export const T0 = Date.UTC(2026, 8, 28, 12, 0, 0)

export interface Harness {
  emu: AircallEmulator
  clock: { now: number }
  api(path: string, init?: RequestInit): Promise<Response>
  json<T = Record<string, unknown>>(
    path: string,
    init?: RequestInit,
  ): Promise<{ status: number; body: T; res: Response }>
}

export async function startHarness(options: Partial<AircallEmulatorOptions> = {}): Promise<Harness> {
  const clock = { now: T0 }
  const emu = await startAircallEmulator({ apiId: API_ID, apiToken: API_TOKEN, now: () => clock.now, ...options })
  const api = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${emu.url}${path}`, {
      ...init,
      headers: { authorization: AUTH, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
    })
  const json = async <T>(path: string, init?: RequestInit) => {
    const res = await api(path, init)
    const text = await res.text()
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T, res }
  }
  return { emu, clock, api, json }
}

export interface Receiver {
  url: string
  received: Array<{ body: Record<string, unknown>; headers: IncomingMessage['headers']; at: number }>
  /** Status to answer with (default 200). */
  status: number
  close(): Promise<void>
  server: Server
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const state: Receiver = {
    url: '',
    received: [],
    status: 200,
    close: async () => closeServer(server),
    server: undefined as unknown as Server,
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      state.received.push({
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        headers: req.headers,
        at: Date.now(),
      })
      res.writeHead(state.status)
      res.end()
    })
  })
  state.server = server
  state.url = `${await listen(server, '127.0.0.1', port)}/hook`
  return state
}

/** A port on 127.0.0.1 that nothing listens on (bound then released). */
export async function deadPort(): Promise<number> {
  const server = createServer()
  const url = await listen(server, '127.0.0.1', 0)
  await closeServer(server)
  return Number(new URL(url).port)
}

export async function waitFor(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const start = Date.now()
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

export function minimalSeed(): import('../../src/aircall/model.js').AircallSeed {
  return {
    users: [
      {
        id: 1,
        name: 'Alice Martin',
        email: 'alice@example.com',
        createdAt: '2025-01-01T00:00:00.000Z',
        timeZone: 'Europe/Paris',
        language: 'fr-FR',
        availabilityStatus: 'available',
        available: true,
        substatus: 'always_opened',
        state: 'active',
        wrapUpTime: 0,
        extension: null,
        defaultNumberId: 10,
        numberIds: [10],
      },
    ],
    teams: [{ id: 5, name: 'Support', createdAt: '2025-01-01T00:00:00.000Z', userIds: [1] }],
    numbers: [
      {
        id: 10,
        name: 'Paris',
        digits: '+33 1 76 36 06 95',
        country: 'FR',
        timeZone: 'Europe/Paris',
        businessHours: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']] },
        isIvr: false,
        liveRecordingActivated: true,
        priority: null,
        createdAt: '2025-01-01T00:00:00.000Z',
        userIds: [1],
      },
    ],
    tags: [
      { id: 1, name: 'VIP', color: '#fff', description: null },
      { id: 2, name: 'billing', color: '#000', description: null },
    ],
    contacts: [],
    calls: [],
  }
}
