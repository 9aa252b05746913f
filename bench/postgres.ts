/**
 * The PostgreSQL store under load (issue #18), against the same emulators and with the same load generator as the
 * SQLite benchmarks, each process on its own:
 *
 * - `replicas`: the listener's intake with 1, 2 and 4 `listen` replicas on one PostgreSQL store, and one process on
 *   SQLite, under listener.ts's load (a fixed rate, then saturation), one autocannon process per replica; every
 *   acknowledged event counted in the store; and the time from a `call.ended` webhook's acknowledgement to its note
 *   in the Intercom emulator.
 * - `efficiency-pg`: backfill efficiency (benchEfficiency's worker, limits and dilated clock) with the state in
 *   PostgreSQL, and the same on SQLite beside it.
 * - `budget`: two `listen` replicas and a `sync` on one PostgreSQL store against an Intercom emulator enforcing its
 *   budget, how much of it they use and how many 429s they meet; the control runs the same three processes on
 *   three databases, three budgets that know nothing of each other.
 *
 * One PostgreSQL server per run (bench/lib/postgres-db.ts), a new database per measured setup.
 */
import { aircallFixture } from '../src/listener/fixtures.js'
import { efficiencyFigures, runWorker, startEfficiencyHost } from './backfill.js'
import type { Dilation } from './lib/clock.js'
import { startHost, type Host } from './lib/host.js'
import { loadPhase, startListen, type ListenProcess, type LoadOutput } from './lib/listen-process.js'
import {
  machineBusySeconds,
  pidCpuSeconds,
  startBenchPostgres,
  trackTreeCpu,
  type BenchPostgres,
} from './lib/postgres-db.js'
import { cliEntry, spawnNode } from './lib/processes.js'

const round = (value: number, digits = 3): number => Math.round(value * 10 ** digits) / 10 ** digits
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
}

const getJson = async <T>(url: string): Promise<T> => {
  const response = await fetch(url)
  if (!response.ok) throw new Error(`${url}: ${response.status}`)
  return (await response.json()) as T
}

/** The server every selected PostgreSQL benchmark of one run shares. */
export interface PostgresInfo {
  version: string
  binaries: string
  settings: Record<string, string>
}

const infoOf = (pg: BenchPostgres): PostgresInfo => ({
  version: pg.version.split(' on ')[0] ?? pg.version,
  binaries: pg.binaries,
  settings: pg.settings,
})

export async function withBenchPostgres<T>(use: (pg: BenchPostgres) => Promise<T>): Promise<T> {
  const pg = await startBenchPostgres()
  try {
    return await use(pg)
  } finally {
    await pg.stop()
  }
}

// ---------------------------------------------------------------------------------------------------------------
// replicas

type StoreKind = 'sqlite' | 'postgres'

export interface ReplicaPhase {
  name: string
  connections: number
  offeredPerSecond: number | null
  acceptedPerSecond: number
  ok: number
  non2xx: number
  errors: number
  /** The worst load generator's figures (one per replica; their histograms are not merged). */
  latencyMs: { p50: number; p99: number; max: number }
  perReplica: Array<{ perSecond: number; p50: number; p99: number }>
  /**
   * Cores each group of processes kept busy over the phase (CPU seconds ÷ wall seconds; the machine has
   * `nproc` of them). The load generators' figure includes their start-up.
   */
  cores: {
    listeners: number
    postgres: number | null
    emulators: number | null
    loadGenerators: number
    /** Every process of the machine (this benchmark's and anything else that ran). */
    machine: number | null
  }
}

export interface ReplicaSetup {
  store: StoreKind
  replicas: number
  /** PostgreSQL: the database's synchronous_commit (the server default, on, unless set off for it). */
  synchronousCommit?: 'on' | 'off'
}

export interface ReplicaRun extends ReplicaSetup {
  label: string
  phases: ReplicaPhase[]
  /** Every event in the store after the run against every 2xx the load generators counted. */
  stored: { events: number; acknowledged: number; processedDuringRun: number }
  durable: boolean
}

export interface NoteLatency extends ReplicaSetup {
  label: string
  calls: number
  ratePerSecond: number
  acknowledged: number
  noted: number
  /** From each webhook's 2xx to the first poll of the emulator's state that showed its note. */
  ackToNoteMs: { p50: number; p90: number; p99: number; max: number }
  ackMs: { p50: number; p99: number }
  /** The slowest calls: their place in the sequence (0 is the first sent) and ack-to-note time. */
  slowest: Array<{ index: number; ms: number }>
  /** The state was polled this often; each poll took `meanMs` to answer (its resolution). */
  polls: { count: number; intervalMs: number; meanMs: number }
}

export interface ReplicasResult {
  cli: string
  postgres: PostgresInfo
  workerConcurrency: number
  runs: ReplicaRun[]
  notes: NoteLatency[]
  pass: boolean
}

export interface ReplicasOptions {
  durationS: number
  /** The fixed-rate phase's connections (all replicas together). */
  connections: number
  /** One saturation phase per entry, with this many connections in all. */
  saturationConnections: number[]
  fixedRate: number
  setups: ReplicaSetup[]
  /** Where the acknowledgement-to-note time is measured, each on a new store and emulators. */
  noteSetups: ReplicaSetup[]
  noteCalls: number
  noteRate: number
}

const WORKER_CONCURRENCY = 4
/** Each replica's load generator draws identities from its own range, so no two events are one. */
const ID_STRIDE = 10_000_000

const startReplicas = async (
  host: Host,
  config: Record<string, unknown>,
  stateUrl: string | undefined,
  count: number,
): Promise<ListenProcess[]> => {
  const replicas: ListenProcess[] = []
  // One at a time: the first migrates the store, the others find it migrated.
  for (let i = 0; i < count; i++) replicas.push(await startListen(host, config, stateUrl ? { stateUrl } : {}))
  return replicas
}

/** A setup's listen processes on a new store: a database of their own, or (SQLite) a file each. */
const startSetup = async (
  pg: BenchPostgres,
  host: Host,
  setup: ReplicaSetup,
  label: string,
): Promise<ListenProcess[]> => {
  const stateUrl =
    setup.store === 'postgres'
      ? await pg.freshDatabase(
          `${label}_${setup.replicas}`,
          setup.synchronousCommit ? { synchronousCommit: setup.synchronousCommit } : {},
        )
      : undefined
  return startReplicas(host, { listener: { workerConcurrency: WORKER_CONCURRENCY } }, stateUrl, setup.replicas)
}

const stopReplicas = async (replicas: ListenProcess[]): Promise<number> => {
  const counted = await Promise.all(replicas.map((replica) => replica.stop()))
  return Math.max(...counted.map((c) => c.events))
}

const callersOf = (host: Host): string[] => host.info.world.knownCallers.filter((phone) => phone.startsWith('+33'))

const setupLabel = (setup: ReplicaSetup): string =>
  setup.store === 'sqlite'
    ? `SQLite ×${setup.replicas}`
    : `PostgreSQL ×${setup.replicas}${setup.synchronousCommit === 'off' ? ' (synchronous_commit off)' : ''}`

async function replicaRun(pg: BenchPostgres, setup: ReplicaSetup, options: ReplicasOptions): Promise<ReplicaRun> {
  const { store, replicas: count } = setup
  const host = await startHost({ calls: 200, days: 30 })
  try {
    const replicas = await startSetup(pg, host, setup, 'replicas')
    const callers = callersOf(host)
    const pgCpu = store === 'postgres' ? trackTreeCpu(pg.postmasterPid()) : null
    const phases: ReplicaPhase[] = []
    let firstId = 6_000_000
    const run = async (name: string, totalConnections: number, rate?: number): Promise<void> => {
      const connections = Math.max(1, Math.floor(totalConnections / count))
      const cpu = () => ({
        listeners: replicas.reduce((sum, replica) => sum + (pidCpuSeconds(replica.child.process.pid) ?? 0), 0),
        postgres: pgCpu ? pgCpu.read() : null,
        emulators: pidCpuSeconds(host.child.process.pid),
        machine: machineBusySeconds(),
      })
      const before = cpu()
      const started = performance.now()
      const outs: LoadOutput[] = await Promise.all(
        replicas.map((replica, k) =>
          loadPhase(replica, {
            durationS: options.durationS,
            connections,
            rate: rate === undefined ? undefined : rate / count,
            firstId: firstId + k * ID_STRIDE,
            callers,
          }),
        ),
      )
      const wallS = (performance.now() - started) / 1000
      const after = cpu()
      firstId = Math.max(...outs.map((out) => out.lastId)) + 1
      const delta = (a: number | null, b: number | null): number | null =>
        a === null || b === null ? null : round((b - a) / wallS, 2)
      phases.push({
        name,
        connections: connections * count,
        offeredPerSecond: rate ?? null,
        acceptedPerSecond: Math.round(outs.reduce((sum, out) => sum + out.perSecond, 0)),
        ok: outs.reduce((sum, out) => sum + out.ok, 0),
        non2xx: outs.reduce((sum, out) => sum + out.non2xx, 0),
        errors: outs.reduce((sum, out) => sum + out.errors, 0),
        latencyMs: {
          p50: Math.max(...outs.map((out) => out.latencyMs.p50)),
          p99: Math.max(...outs.map((out) => out.latencyMs.p99)),
          max: Math.max(...outs.map((out) => out.latencyMs.max)),
        },
        perReplica: outs.map((out) => ({
          perSecond: Math.round(out.perSecond),
          p50: out.latencyMs.p50,
          p99: out.latencyMs.p99,
        })),
        cores: {
          listeners: delta(before.listeners, after.listeners) ?? 0,
          postgres: delta(before.postgres, after.postgres),
          emulators: delta(before.emulators, after.emulators),
          loadGenerators: round(outs.reduce((sum, out) => sum + out.cpuMs, 0) / 1000 / wallS, 2),
          machine: delta(before.machine, after.machine),
        },
      })
    }
    await run('fixed-rate', options.connections, options.fixedRate)
    for (const connections of options.saturationConnections) await run('saturation', connections)
    pgCpu?.stop()
    const processedDuringRun = replicas.reduce((sum, replica) => sum + replica.processed(), 0)
    const events = await stopReplicas(replicas)
    const acknowledged = phases.reduce((sum, phase) => sum + phase.ok, 0)
    return {
      ...setup,
      label: setupLabel(setup),
      phases,
      stored: { events, acknowledged, processedDuringRun },
      durable: events >= acknowledged,
    }
  } finally {
    await host.close()
  }
}

interface ConversationState {
  conversation_parts?: { conversation_parts?: Array<{ part_type?: string; body?: string | null }> }
}

const NOTE_MARKER = /aircall-call-id:(\d+)/

async function noteLatency(pg: BenchPostgres, setup: ReplicaSetup, options: ReplicasOptions): Promise<NoteLatency> {
  const host = await startHost({ calls: 200, days: 30 })
  try {
    const replicas = await startSetup(pg, host, setup, 'notes')
    const callers = callersOf(host)
    const token = host.info.aircall.webhookToken
    const firstCall = 9_000_000
    const ackAt = new Map<string, number>()
    const ackMs: number[] = []
    const seenAt = new Map<string, number>()
    let sending = true
    let polls = 0
    let pollTotalMs = 0
    const POLL_MS = 100
    const poller = (async () => {
      const deadline = (): boolean => !sending && ackAt.size > 0 && seenAt.size >= ackAt.size
      let giveUpAt = Number.POSITIVE_INFINITY
      while (!deadline() && performance.now() < giveUpAt) {
        const started = performance.now()
        const conversations = await getJson<ConversationState[]>(
          `${host.info.intercom.url}/_emulator/state/conversations`,
        )
        polls++
        pollTotalMs += performance.now() - started
        for (const conversation of conversations) {
          for (const part of conversation.conversation_parts?.conversation_parts ?? []) {
            if (part.part_type !== 'note' || !part.body) continue
            const id = NOTE_MARKER.exec(part.body)?.[1]
            // The poll was asked at `started`: the note was there by the time the emulator rendered its state.
            if (id !== undefined && !seenAt.has(id)) seenAt.set(id, started)
          }
        }
        if (!sending && giveUpAt === Number.POSITIVE_INFINITY) giveUpAt = performance.now() + 60_000
        await sleep(POLL_MS - (performance.now() - started))
      }
    })()
    const sendOne = async (i: number): Promise<void> => {
      const callId = firstCall + i
      const body = JSON.stringify(
        aircallFixture('call.ended', token, { callId, rawDigits: callers[i % callers.length] }),
      )
      const replica = replicas[i % replicas.length]!
      const sent = performance.now()
      const response = await fetch(`${replica.url}/aircall`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      })
      await response.arrayBuffer()
      const at = performance.now()
      if (response.ok) {
        ackAt.set(String(callId), at)
        ackMs.push(at - sent)
      }
    }
    const sends: Array<Promise<void>> = []
    const start = performance.now()
    for (let i = 0; i < options.noteCalls; i++) {
      await sleep(start + (i * 1000) / options.noteRate - performance.now())
      sends.push(sendOne(i))
    }
    await Promise.all(sends)
    sending = false
    await poller
    await stopReplicas(replicas)
    const timed = [...ackAt].flatMap(([id, at]) => {
      const seen = seenAt.get(id)
      return seen === undefined ? [] : [{ index: Number(id) - firstCall, ms: Math.round(seen - at) }]
    })
    const latencies = timed.map((entry) => entry.ms)
    const ms = (value: number): number => Math.round(value)
    return {
      ...setup,
      label: setupLabel(setup),
      calls: options.noteCalls,
      ratePerSecond: options.noteRate,
      acknowledged: ackAt.size,
      noted: latencies.length,
      ackToNoteMs: {
        p50: ms(percentile(latencies, 50)),
        p90: ms(percentile(latencies, 90)),
        p99: ms(percentile(latencies, 99)),
        max: ms(Math.max(...latencies)),
      },
      ackMs: { p50: round(percentile(ackMs, 50), 1), p99: round(percentile(ackMs, 99), 1) },
      slowest: timed.sort((a, b) => b.ms - a.ms).slice(0, 5),
      polls: { count: polls, intervalMs: POLL_MS, meanMs: round(pollTotalMs / Math.max(1, polls), 1) },
    }
  } finally {
    await host.close()
  }
}

export async function benchReplicas(pg: BenchPostgres, options: ReplicasOptions): Promise<ReplicasResult> {
  const cli = cliEntry()
  const runs: ReplicaRun[] = []
  for (const setup of options.setups) runs.push(await replicaRun(pg, setup, options))
  const notes: NoteLatency[] = []
  for (const setup of options.noteSetups) notes.push(await noteLatency(pg, setup, options))
  const pass =
    runs.every((run) => run.durable && run.phases.every((phase) => phase.non2xx === 0 && phase.errors === 0)) &&
    notes.every((note) => note.acknowledged === note.calls && note.noted === note.calls)
  return {
    cli: cli.built ? 'bin/run.js (built)' : 'bin/dev.js (tsx)',
    postgres: infoOf(pg),
    workerConcurrency: WORKER_CONCURRENCY,
    runs,
    notes,
    pass,
  }
}

// ---------------------------------------------------------------------------------------------------------------
// efficiency-pg

export interface StoreEfficiency {
  store: StoreKind
  calls: { read: number; logged: number; deadLetters: number }
  elapsed: { realS: number; compressedMin: number }
  requests: { aircall: number; intercom: number; rateLimited: number; rateLimitedShare: number }
  intercomRequestsPerCall: number
  loggedPerMinute: number
  ceilingPerMinute: number
  efficiency: number
  efficiencyWindowAligned: number
  /** The backfill process's CPU per call read, and PostgreSQL's (its backends) per call. */
  cpuMsPerCall: { backfill: number; postgres: number | null }
}

export interface EfficiencyPgResult {
  factor: number
  calls: number
  postgres: PostgresInfo
  runs: StoreEfficiency[]
  /** PostgreSQL's efficiency over SQLite's, same world, same limits. */
  ratio: number | null
  targets: { efficiency: number; rateLimitedShare: number }
  pass: boolean
}

async function efficiencyRun(
  pg: BenchPostgres,
  store: StoreKind,
  options: { calls: number; factor: number; concurrency: number },
): Promise<StoreEfficiency> {
  const dilation: Dilation = { t0: Date.now(), factor: options.factor }
  const host = await startEfficiencyHost(options.calls, dilation)
  try {
    const statePath = store === 'postgres' ? await pg.freshDatabase('efficiency') : undefined
    const pgCpu = store === 'postgres' ? trackTreeCpu(pg.postmasterPid()) : null
    const pgBefore = pgCpu ? pgCpu.read() : null
    const out = await runWorker(host, {
      ...(statePath === undefined ? {} : { statePath }),
      since: '31d',
      concurrency: options.concurrency,
      dilation,
      aircallConcurrency: 2,
      intercomConcurrency: 16,
      rssEvery: 1_000_000,
    })
    const pgAfter = pgCpu ? pgCpu.read() : null
    pgCpu?.stop()
    const [aircall, intercom] = await Promise.all([host.aircallRequests(), host.intercomRequests()])
    const { counts } = out.result
    const logged = counts.logged + counts.updated
    const { compressedMin, perCall, ceiling, loggedPerMinute, efficiency, aligned } = efficiencyFigures(
      logged,
      out.result.elapsedMs,
      intercom.total,
    )
    const rateLimited = aircall.rateLimited + intercom.rateLimited
    const total = aircall.total + intercom.total
    return {
      store,
      calls: { read: counts.read, logged, deadLetters: counts.deadLetters },
      elapsed: { realS: round(out.realElapsedMs / 1000, 1), compressedMin: round(compressedMin, 2) },
      requests: {
        aircall: aircall.total,
        intercom: intercom.total,
        rateLimited,
        rateLimitedShare: round(rateLimited / Math.max(1, total), 4),
      },
      intercomRequestsPerCall: round(perCall),
      loggedPerMinute: Math.round(loggedPerMinute),
      ceilingPerMinute: Math.round(ceiling),
      efficiency: round(efficiency),
      efficiencyWindowAligned: round(aligned),
      cpuMsPerCall: {
        backfill: round(out.cpuMs.backfill / Math.max(1, counts.read)),
        postgres:
          pgBefore === null || pgAfter === null
            ? null
            : round(((pgAfter - pgBefore) * 1000) / Math.max(1, counts.read)),
      },
    }
  } finally {
    await host.close()
  }
}

export async function benchEfficiencyPg(
  pg: BenchPostgres,
  options: { calls: number; factor: number; concurrency: number; withSqlite: boolean },
): Promise<EfficiencyPgResult> {
  const runs = [await efficiencyRun(pg, 'postgres', options)]
  if (options.withSqlite) runs.push(await efficiencyRun(pg, 'sqlite', options))
  const [onPg, onSqlite] = runs
  const pass =
    onPg !== undefined &&
    Math.min(onPg.efficiency, onPg.efficiencyWindowAligned) >= 0.95 &&
    onPg.requests.rateLimitedShare < 0.01 &&
    onPg.calls.deadLetters === 0
  return {
    factor: options.factor,
    calls: options.calls,
    postgres: infoOf(pg),
    runs,
    ratio: onPg && onSqlite ? round(onPg.efficiency / onSqlite.efficiency) : null,
    targets: { efficiency: 0.95, rateLimitedShare: 0.01 },
    pass,
  }
}

// ---------------------------------------------------------------------------------------------------------------
// budget

export interface BudgetWindow {
  /** The window's start (UNIX ms; the emulator's windows are aligned on multiples of 10 s). */
  start: number
  /** How late its start or end sample was taken (each is meant 100 ms before the boundary). */
  sampleLateMs: number
  accepted: number
  rateLimited: number
  /** Events queued at the window's start and end (every store's queue together). */
  queued: [number, number]
  loaded: boolean
}

export interface BudgetMode {
  mode: 'shared' | 'separate'
  databases: number
  events: number
  windows: BudgetWindow[]
  loadedWindows: number
  /** Requests the emulator answered (not 429) in the loaded windows ÷ what their budgets allowed. */
  used: number
  requests: { total: number; rateLimited: number; rateLimitedShare: number }
  /** In the loaded windows only. */
  loadedRequests: { accepted: number; rateLimited: number; rateLimitedShare: number }
  processed: number[]
  sync: { exitCode: number | null; logged: number | null; read: number | null }
}

export interface BudgetResult {
  perMinute: number
  perWindow: number
  postgres: PostgresInfo
  modes: BudgetMode[]
  targets: { used: number; rateLimitedShare: number }
  pass: boolean
}

const WINDOW_MS = 10_000
/** Sampled this long before each window's end: under load the budget is spent by then and nothing moves. */
const SAMPLE_LEAD_MS = 100

async function budgetMode(
  pg: BenchPostgres,
  mode: 'shared' | 'separate',
  options: { perMinute: number; windows: number; events: number; worldCalls: number },
): Promise<BudgetMode> {
  const host = await startHost({
    calls: options.worldCalls,
    days: 1,
    intercom: { rateLimitPerMinute: options.perMinute },
  })
  try {
    const urls =
      mode === 'shared'
        ? [await pg.freshDatabase('budget_shared')]
        : await Promise.all(['a', 'b', 'sync'].map((name) => pg.freshDatabase(`budget_separate_${name}`)))
    const config = {
      listener: { workerConcurrency: 16 },
      intercom: { rateLimitPerMinute: options.perMinute, concurrency: 16 },
      matching: { defaultCountry: 'FR' },
    }
    const replicas = [
      await startListen(host, config, { stateUrl: urls[0]! }),
      await startListen(host, config, { stateUrl: urls[1 % urls.length]! }),
    ]
    const syncUrl = urls[2 % urls.length]!
    const syncEnv = { ...replicas[0]!.env, AIRCALL_INTERCOM_STATE: syncUrl }
    const queued = async (): Promise<number> => {
      const stores = mode === 'shared' ? [replicas[0]!] : replicas
      const counts = await Promise.all(
        stores.map((replica) => getJson<{ queued: number; processing: number }>(`${replica.url}/healthz`)),
      )
      return counts.reduce((sum, c) => sum + c.queued, 0)
    }
    const samples: Array<{ boundary: number; lateMs: number; total: number; rateLimited: number; queued: number }> = []
    const sample = async (boundary: number): Promise<void> => {
      const lateMs = Date.now() - (boundary - SAMPLE_LEAD_MS)
      const [requests, waiting] = await Promise.all([host.intercomRequests(), queued()])
      samples.push({ boundary, lateMs, total: requests.total, rateLimited: requests.rateLimited, queued: waiting })
    }
    const before = await host.intercomRequests()

    const sync = spawnNode(cliEntry().path, ['sync', '--lookback', '1d', '--json'], { env: syncEnv })
    const token = host.info.aircall.webhookToken
    const callers = callersOf(host)
    let next = 0
    let sent = 0
    const sender = async (): Promise<void> => {
      for (let i = next++; i < options.events; i = next++) {
        const body = JSON.stringify(
          aircallFixture('call.ended', token, { callId: 8_000_000 + i, rawDigits: callers[i % callers.length] }),
        )
        const response = await fetch(`${replicas[sent++ % replicas.length]!.url}/aircall`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json' },
        })
        await response.arrayBuffer()
        if (!response.ok) throw new Error(`the listener answered ${response.status}`)
      }
    }
    const burst = Promise.all(Array.from({ length: 16 }, sender))
    // Sampled just before each window ends, for `windows` windows after the first one that starts after the burst
    // began (the first sample is that window's start).
    let boundary = Math.ceil((Date.now() + SAMPLE_LEAD_MS + 50) / WINDOW_MS) * WINDOW_MS
    for (let i = 0; i <= options.windows; i++) {
      await sleep(boundary - SAMPLE_LEAD_MS - Date.now())
      await sample(boundary)
      boundary += WINDOW_MS
    }
    await burst
    // Still running when the measured windows end: stopped like Ctrl-C (it prints its result, interrupted).
    const syncCode = await sync.stop(30_000)
    let syncCounts: { logged: number; read: number } | null = null
    try {
      const doc = JSON.parse(sync.stdoutLines().join('\n')) as {
        result?: { counts?: { logged: number; updated: number; read: number } }
      }
      const counts = doc.result?.counts
      if (counts) syncCounts = { logged: counts.logged + counts.updated, read: counts.read }
    } catch {
      // Stopped before it finished: no result document.
    }
    const processed = replicas.map((replica) => replica.processed())
    await Promise.all(replicas.map((replica) => replica.stop()))
    const after = await host.intercomRequests()

    const windows: BudgetWindow[] = []
    for (let i = 1; i < samples.length; i++) {
      const [a, b] = [samples[i - 1]!, samples[i]!]
      const rateLimited = b.rateLimited - a.rateLimited
      windows.push({
        start: a.boundary,
        sampleLateMs: Math.max(a.lateMs, b.lateMs),
        accepted: b.total - a.total - rateLimited,
        rateLimited,
        queued: [a.queued, b.queued],
        loaded: a.queued > 0 && b.queued > 0,
      })
    }
    const perWindow = Math.floor(options.perMinute / 6)
    const loaded = windows.filter((window) => window.loaded)
    const accepted = loaded.reduce((sum, window) => sum + window.accepted, 0)
    const loadedLimited = loaded.reduce((sum, window) => sum + window.rateLimited, 0)
    const total = after.total - before.total
    const rateLimited = after.rateLimited - before.rateLimited
    return {
      mode,
      databases: urls.length,
      events: options.events,
      windows,
      loadedWindows: loaded.length,
      used: round(accepted / Math.max(1, perWindow * loaded.length)),
      requests: { total, rateLimited, rateLimitedShare: round(rateLimited / Math.max(1, total), 4) },
      loadedRequests: {
        accepted,
        rateLimited: loadedLimited,
        rateLimitedShare: round(loadedLimited / Math.max(1, accepted + loadedLimited), 4),
      },
      processed,
      sync: { exitCode: syncCode, logged: syncCounts?.logged ?? null, read: syncCounts?.read ?? null },
    }
  } finally {
    await host.close()
  }
}

export async function benchBudget(
  pg: BenchPostgres,
  options: { perMinute: number; windows: number; events: number; worldCalls: number },
): Promise<BudgetResult> {
  const modes = [await budgetMode(pg, 'shared', options), await budgetMode(pg, 'separate', options)]
  const shared = modes[0]!
  return {
    perMinute: options.perMinute,
    perWindow: Math.floor(options.perMinute / 6),
    postgres: infoOf(pg),
    modes,
    targets: { used: 0.9, rateLimitedShare: 0.01 },
    pass: shared.loadedWindows > 0 && shared.used >= 0.9 && shared.requests.rateLimitedShare < 0.01,
  }
}
