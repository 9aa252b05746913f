/**
 * What the operator console and /metrics cost the listener at saturation: the same `listen` with metrics off and
 * nobody looking, and with metrics on while a console page, its live stats and a Prometheus scrape poll it, in
 * alternating rounds of one run (each round a fresh listener and store), so drift in the host falls on both.
 */
import { readFileSync } from 'node:fs'
import { startHost } from './lib/host.js'
import { loadPhase, startListen } from './lib/listen-process.js'

export interface ConsoleOverheadRound {
  plainPerSecond: number
  observedPerSecond: number
  /** CPU the listener process used per acknowledged event in the phase (all its threads). */
  plainCpuMsPerEvent: number
  observedCpuMsPerEvent: number
}

export interface ConsoleOverheadResult {
  rounds: ConsoleOverheadRound[]
  /** Medians over the rounds. */
  plainPerSecond: number
  observedPerSecond: number
  /** The median of each round's observed ÷ plain events/s: 1 costs nothing, 0.95 is the target's floor. */
  ratio: number
  /** The ratio of the medians, for comparison (less robust to drift between rounds). */
  ratioOfMedians: number
  /** The median of each round's observed ÷ plain CPU per event: what the console and metrics cost directly. */
  cpuPerEventRatio: number
  polls: { page: number; stats: number; metrics: number; failed: number }
  pollEveryMs: { page: number; stats: number; metrics: number }
  target: { minRatio: number }
  pass: boolean
}

/** user + system CPU of a process, in ms, from /proc (Linux): the listener is another process. */
const processCpuMs = (pid: number | undefined): number => {
  if (pid === undefined) return 0
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  // utime and stime are fields 14 and 15 of stat, 11 and 12 once the pid and name are cut off.
  return ((Number(fields[11]) || 0) + (Number(fields[12]) || 0)) * 10
}

interface PhaseResult {
  perSecond: number
  cpuMsPerEvent: number
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

/** Harsher than a person: the console's own script polls its stats every 2 s, Prometheus scrapes every 15 s. */
const POLL_EVERY_MS = { page: 5_000, stats: 2_000, metrics: 1_000 }

export async function benchConsoleOverhead(options: {
  rounds: number
  durationS: number
  connections: number
}): Promise<ConsoleOverheadResult> {
  const host = await startHost({ calls: 200, days: 30 })
  const polls = { page: 0, stats: 0, metrics: 0, failed: 0 }
  const rounds: ConsoleOverheadRound[] = []
  const callers = host.info.world.knownCallers.filter((phone) => phone.startsWith('+33'))
  let firstId = 8_000_000
  const phase = async (observed: boolean): Promise<PhaseResult> => {
    const listen = await startListen(host, { listener: { workerConcurrency: 4, metrics: observed } })
    const timers: NodeJS.Timeout[] = []
    try {
      if (observed) {
        const poll = (kind: keyof typeof POLL_EVERY_MS, path: string): void => {
          timers.push(
            setInterval(() => {
              fetch(`${listen.url}${path}`)
                .then(async (response) => {
                  await response.arrayBuffer()
                  if (response.ok) polls[kind]++
                  else polls.failed++
                })
                .catch(() => polls.failed++)
            }, POLL_EVERY_MS[kind]),
          )
        }
        poll('page', '/console')
        poll('stats', '/console/api/stats')
        poll('metrics', '/metrics')
      }
      const cpuBefore = processCpuMs(listen.child.process.pid)
      const out = await loadPhase(listen, {
        durationS: options.durationS,
        connections: options.connections,
        firstId,
        callers,
      })
      const cpuMs = processCpuMs(listen.child.process.pid) - cpuBefore
      firstId = out.lastId + 1
      return { perSecond: out.perSecond, cpuMsPerEvent: out.ok > 0 ? cpuMs / out.ok : 0 }
    } finally {
      for (const timer of timers) clearInterval(timer)
      await listen.stop()
    }
  }
  try {
    for (let round = 0; round < options.rounds; round++) {
      // Which goes first alternates, so neither always meets the host right after the other's drain.
      let plain: PhaseResult
      let observed: PhaseResult
      if (round % 2 === 0) {
        plain = await phase(false)
        observed = await phase(true)
      } else {
        observed = await phase(true)
        plain = await phase(false)
      }
      rounds.push({
        plainPerSecond: Math.round(plain.perSecond),
        observedPerSecond: Math.round(observed.perSecond),
        plainCpuMsPerEvent: Math.round(plain.cpuMsPerEvent * 1000) / 1000,
        observedCpuMsPerEvent: Math.round(observed.cpuMsPerEvent * 1000) / 1000,
      })
    }
  } finally {
    await host.close()
  }
  const plainPerSecond = Math.round(median(rounds.map((round) => round.plainPerSecond)))
  const observedPerSecond = Math.round(median(rounds.map((round) => round.observedPerSecond)))
  const round3 = (value: number): number => Math.round(value * 1000) / 1000
  const ratio = round3(median(rounds.map((round) => round.observedPerSecond / round.plainPerSecond)))
  const cpuPerEventRatio = round3(
    median(rounds.map((round) => round.observedCpuMsPerEvent / Math.max(0.001, round.plainCpuMsPerEvent))),
  )
  return {
    rounds,
    plainPerSecond,
    observedPerSecond,
    ratio,
    ratioOfMedians: plainPerSecond > 0 ? round3(observedPerSecond / plainPerSecond) : 0,
    cpuPerEventRatio,
    polls,
    pollEveryMs: POLL_EVERY_MS,
    target: { minRatio: 0.95 },
    pass: ratio >= 0.95 && polls.failed === 0 && polls.metrics > 0 && polls.page > 0,
  }
}
