/**
 * The toolkit's side of the backfill benchmarks, in its own process: the same service `backfill` runs
 * (Runtime → clients with their rate gates → engine → ledger-checked call logger → SQLite), without oclif's
 * start-up. Credentials come from the environment like the CLI's; argv[2] is a WorkerSpec. Prints one JSON
 * line: the backfill result, this process's CPU time and memory.
 */
import { Runtime } from '../src/app/runtime.js'
import { backfill } from '../src/app/backfill-service.js'
import { intercomBaseUrl, loadConfig } from '../src/config/loader.js'
import { HttpClient } from '../src/http/request.js'
import type { Transport } from '../src/http/transport.js'
import { nodeHttpTransport } from '../src/http/transport-node-http.js'
import { undiciTransport } from '../src/http/undici-transport.js'
import { dilatedClock, dilatedSleep, type Dilation } from './lib/clock.js'

export const TRANSPORTS = { 'node-http': nodeHttpTransport, undici: undiciTransport } as const
export type TransportName = keyof typeof TRANSPORTS

export interface WorkerSpec {
  statePath: string
  since: string
  concurrency: number
  dilation: Dilation
  aircallConcurrency: number
  intercomConcurrency: number
  /** Record RSS and CPU so far each time this many calls have been read. */
  rssEvery: number
  /** Stop (as Ctrl-C would) after this long; the figures are then per call read so far. */
  maxSeconds?: number
  /** After the backfill, this many bare `GET /me` through the request core: the HTTP floor per request. */
  floorRequests?: number
  /** `backfill --with-ai`: each answered call's AI summary and transcript are read and noted too. */
  withAi?: boolean
  /** What both clients (and the floor's requests) travel on; the toolkit's default when absent. */
  transport?: TransportName
}

/** CPU of the request core and transport alone (no ledger, no templates, no matching), `concurrency` at a time. */
const measureFloor = async (
  baseUrl: string,
  token: string,
  requests: number,
  concurrency: number,
  transport: Transport | undefined,
) => {
  const http = new HttpClient({
    service: 'intercom',
    baseUrl,
    headers: { authorization: `Bearer ${token}` },
    transport,
  })
  let started = 0
  const before = process.cpuUsage()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started++ < requests) await http.request({ method: 'GET', path: '/me' })
    }),
  )
  const cpu = process.cpuUsage(before)
  return { requests, cpuMsPerRequest: Math.round((cpu.user + cpu.system) / requests) / 1000 }
}

const mb = (bytes: number): number => Math.round((bytes / 1_048_576) * 10) / 10

const main = async (): Promise<void> => {
  const spec = JSON.parse(process.argv[2] ?? '{}') as WorkerSpec
  const loaded = loadConfig({ env: process.env, statePath: spec.statePath })
  const config = {
    ...loaded.config,
    aircall: { ...loaded.config.aircall, rateLimitPerMinute: 120, concurrency: spec.aircallConcurrency },
    intercom: { ...loaded.config.intercom, rateLimitPerMinute: 10_000, concurrency: spec.intercomConcurrency },
  }
  const transport = spec.transport ? TRANSPORTS[spec.transport]() : undefined
  const runtime = new Runtime(
    { ...loaded, config },
    { now: dilatedClock(spec.dilation), sleep: dilatedSleep(spec.dilation), transport },
  )
  const rss: Array<{ calls: number; rssMb: number; cpuMs: number }> = []
  let read = 0
  const stop = new AbortController()
  const timer = spec.maxSeconds ? setTimeout(() => stop.abort(), spec.maxSeconds * 1000) : undefined
  const cpuBefore = process.cpuUsage()
  const realStart = performance.now()
  const result = await backfill(runtime, {
    since: spec.since,
    dryRun: false,
    concurrency: spec.concurrency,
    restart: false,
    withAi: spec.withAi ?? false,
    signal: stop.signal,
    onEvent: (event) => {
      if (event.type !== 'call-logged' && event.type !== 'call-skipped' && event.type !== 'call-failed') return
      read++
      if (read % spec.rssEvery !== 0) return
      const used = process.cpuUsage(cpuBefore)
      rss.push({ calls: read, rssMb: mb(process.memoryUsage.rss()), cpuMs: (used.user + used.system) / 1000 })
    },
  })
  const realElapsedMs = performance.now() - realStart
  clearTimeout(timer)
  const cpu = process.cpuUsage(cpuBefore)
  const total = process.cpuUsage()
  await runtime.close()
  const floor =
    spec.floorRequests && loaded.config.intercom.accessToken
      ? await measureFloor(
          intercomBaseUrl(config),
          loaded.config.intercom.accessToken,
          spec.floorRequests,
          16,
          transport,
        )
      : undefined
  const usage = process.resourceUsage()
  process.stdout.write(
    `${JSON.stringify({
      result,
      realElapsedMs,
      cpuMs: {
        backfill: (cpu.user + cpu.system) / 1000,
        backfillSystem: cpu.system / 1000,
        process: (total.user + total.system) / 1000,
      },
      rss,
      finalRssMb: mb(process.memoryUsage.rss()),
      maxRssMb: Math.round(usage.maxRSS / 102.4) / 10,
      floor,
    })}\n`,
  )
}

void main()
