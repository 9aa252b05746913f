/**
 * Benchmark 3: the listener's intake under load. The CLI's `listen` runs in its own process with its worker
 * logging calls into the Intercom emulator (a third process); autocannon posts from a fourth. Measures the
 * events acknowledged per second, the acknowledgement latency, and that every acknowledged event is in the
 * store afterwards (durable means committed before the 2xx).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { openStateStore } from '../src/store/sqlite-store.js'
import { startHost } from './lib/host.js'
import { benchScript, cliEntry, spawnNode } from './lib/processes.js'
import type { LoadSpec } from './listener-load.js'

interface LoadOutput {
  durationS: number
  sent: number
  ok: number
  non2xx: number
  errors: number
  timeouts: number
  statusCodes: Record<string, number>
  latencyMs: { p50: number; p90: number; p99: number; max: number }
  perSecond: number
  lastId: number
  cpuMs: number
}

export interface ListenerPhase {
  name: string
  connections: number
  offeredPerSecond: number | null
  acceptedPerSecond: number
  ok: number
  non2xx: number
  errors: number
  latencyMs: LoadOutput['latencyMs']
  /** CPU the load generator itself used (start-up included), taken from the same 2 cores as the listener. */
  loadGeneratorCpuMs: number
}

export interface ListenerResult {
  cli: string
  phases: ListenerPhase[]
  stored: { events: number; acknowledged: number; processedDuringRun: number }
  workerConcurrency: number
  targets: { perSecond: number; p99Ms: number }
  pass: boolean
}

export async function benchListener(options: { durationS: number; connections: number }): Promise<ListenerResult> {
  const host = await startHost({ calls: 200, days: 30 })
  const dir = mkdtempSync(join(tmpdir(), 'bench-listen-'))
  const cli = cliEntry()
  try {
    const configPath = join(dir, 'aircall-intercom.yml')
    const statePath = join(dir, 'state.sqlite')
    writeFileSync(configPath, stringify({ listener: { workerConcurrency: 4 } }))
    const env = {
      AIRCALL_INTERCOM_CONFIG: configPath,
      AIRCALL_INTERCOM_STATE: statePath,
      AIRCALL_API_URL: host.info.aircall.url,
      AIRCALL_API_ID: host.info.aircall.apiId,
      AIRCALL_API_TOKEN: host.info.aircall.apiToken,
      AIRCALL_WEBHOOK_TOKEN: host.info.aircall.webhookToken,
      INTERCOM_API_URL: host.info.intercom.url,
      INTERCOM_ACCESS_TOKEN: host.info.intercom.accessToken,
      INTERCOM_CLIENT_SECRET: host.info.intercom.clientSecret,
      INTERCOM_ADMIN_ID: host.info.intercom.adminId,
    }
    let processed = 0
    let resolveUrl: (url: string) => void = () => undefined
    const url = new Promise<string>((resolve) => (resolveUrl = resolve))
    const listen = spawnNode(cli.path, ['listen', '--port', '0', '--json'], {
      env,
      nodeArgs: process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : [],
      keepStderr: (line) => !line.startsWith('{'),
      onStderrLine: (line) => {
        if (!line.startsWith('{')) return
        if (line.includes('"type":"processed"')) processed++
        else if (line.includes('"type":"listening"')) resolveUrl((JSON.parse(line) as { url: string }).url)
      },
    })
    const listenerUrl = await Promise.race([
      url,
      listen.exited.then((code) => Promise.reject(new Error(`listen exited (${code}): ${listen.stderr()}`))),
    ])
    const callers = host.info.world.knownCallers.filter((phone) => phone.startsWith('+33'))
    const phases: ListenerPhase[] = []
    let firstId = 6_000_000
    const run = async (name: string, rate?: number): Promise<void> => {
      const spec: LoadSpec = {
        url: listenerUrl,
        durationS: options.durationS,
        connections: options.connections,
        rate,
        firstId,
        callers,
      }
      const load = spawnNode(benchScript('listener-load.ts'), [JSON.stringify(spec)], {
        env: { AIRCALL_WEBHOOK_TOKEN: env.AIRCALL_WEBHOOK_TOKEN, INTERCOM_CLIENT_SECRET: env.INTERCOM_CLIENT_SECRET },
      })
      const out = (await load.firstJson) as unknown as LoadOutput
      await load.exited
      firstId = out.lastId + 1
      phases.push({
        name,
        connections: options.connections,
        offeredPerSecond: rate ?? null,
        acceptedPerSecond: Math.round(out.perSecond),
        ok: out.ok,
        non2xx: out.non2xx,
        errors: out.errors,
        latencyMs: out.latencyMs,
        loadGeneratorCpuMs: out.cpuMs,
      })
    }
    // The target's condition first: a steady 2,000/s with the worker running and nothing queued before.
    await run('fixed-rate', 2000)
    await run('saturation')
    // The same rate again while the worker still drains the tens of thousands of events saturation queued.
    await run('fixed-rate after saturation', 2000)
    // Within what the listener sustains here, to show the acknowledgement latency when it keeps up.
    await run('fixed-rate', 200)
    const processedDuringRun = processed
    await listen.stop(60_000)
    const store = openStateStore(statePath)
    const counts = store.counts().events
    store.close()
    const events = counts.queued + counts.processing + counts.done + counts.dead
    const acknowledged = phases.reduce((sum, phase) => sum + phase.ok, 0)
    const fixed = phases[0]
    const saturation = phases[1]
    const pass =
      saturation !== undefined &&
      fixed !== undefined &&
      saturation.acceptedPerSecond >= 2000 &&
      fixed.latencyMs.p99 <= 50 &&
      fixed.non2xx === 0 &&
      events >= acknowledged
    return {
      cli: cli.built ? 'bin/run.js (built)' : 'bin/dev.js (tsx)',
      phases,
      stored: { events, acknowledged, processedDuringRun },
      workerConcurrency: 4,
      targets: { perSecond: 2000, p99Ms: 50 },
      pass,
    }
  } finally {
    await host.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
