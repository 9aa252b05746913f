/**
 * Benchmark 3: the listener's intake under load. The CLI's `listen` runs in its own process with its worker
 * logging calls into the Intercom emulator (a third process); autocannon posts from a fourth. Measures the
 * events acknowledged per second, the acknowledgement latency, and that every acknowledged event is in the
 * store afterwards (durable means committed before the 2xx).
 */
import { startHost } from './lib/host.js'
import { loadPhase, type LoadOutput, startListen } from './lib/listen-process.js'
import { cliEntry } from './lib/processes.js'

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
  const cli = cliEntry()
  try {
    const listen = await startListen(host, { listener: { workerConcurrency: 4 } })
    const callers = host.info.world.knownCallers.filter((phone) => phone.startsWith('+33'))
    const phases: ListenerPhase[] = []
    let firstId = 6_000_000
    const run = async (name: string, rate?: number): Promise<void> => {
      const out: LoadOutput = await loadPhase(listen, {
        durationS: options.durationS,
        connections: options.connections,
        rate,
        firstId,
        callers,
      })
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
    const processedDuringRun = listen.processed()
    const { events } = await listen.stop()
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
  }
}
