/**
 * `npm run bench`: every benchmark against the emulators on loopback, one JSON document on stdout and a short
 * table on stderr. `--only NAME[,NAME]` (efficiency, efficiency-ai, overhead, listener, console, matching, and on
 * PostgreSQL replicas, efficiency-pg, budget), `--quick` for a smoke run,
 * `--full` to lift the time caps (the 100,000-call overhead run then goes to the end), `--calls N[,N]` for the
 * overhead run's call counts, `--rounds N` for how many times each transport runs at each of them.
 */
import { parseArgs } from 'node:util'
import { UNDICI_CPU_RATIO_LIMIT, benchEfficiency, benchEfficiencyWithAi, benchOverhead } from './backfill.js'
import { benchConsoleOverhead } from './console-overhead.js'
import { benchListener } from './listener.js'
import { machine } from './lib/machine.js'
import { benchRefresh, benchResolve } from './matching.js'
import { benchBudget, benchEfficiencyPg, benchReplicas, type ReplicaSetup, withBenchPostgres } from './postgres.js'

const NAMES = [
  'efficiency',
  'efficiency-ai',
  'overhead',
  'listener',
  'console',
  'matching',
  'replicas',
  'efficiency-pg',
  'budget',
] as const
/** The benchmarks that share one PostgreSQL server (bench/lib/postgres-db.ts), started only when one is selected. */
const POSTGRES_NAMES: readonly Name[] = ['replicas', 'efficiency-pg', 'budget']
type Name = (typeof NAMES)[number]

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    factor: { type: 'string' },
    calls: { type: 'string' },
    rounds: { type: 'string' },
  },
})

const only = values.only ? values.only.split(',').map((name) => name.trim()) : [...NAMES]
const unknown = only.filter((name) => !(NAMES as readonly string[]).includes(name))
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark: ${unknown.join(', ')} (choose from ${NAMES.join(', ')})\n`)
  process.exit(2)
}
const quick = values.quick ?? false
const selected = (name: Name): boolean => only.includes(name)
const log = (text: string): void => {
  process.stderr.write(`${text}\n`)
}

interface Row {
  benchmark: string
  figure: string
  target: string
  pass: boolean
}

const main = async (): Promise<void> => {
  const started = Date.now()
  const results: Record<string, unknown> = {}
  const rows: Row[] = []
  const done = (row: Row): void => {
    rows.push(row)
    log(`  ${row.pass ? 'PASS' : 'FAIL'} ${row.benchmark}: ${row.figure}`)
  }
  if (selected('efficiency')) {
    log('efficiency: backfill at Aircall 120/min + Intercom 10,000/min, time compressed…')
    const factor = Number(values.factor ?? 2)
    const r = await benchEfficiency({ calls: quick ? 1500 : 6000, factor, concurrency: 8 })
    results.efficiency = r
    done({
      benchmark: 'backfill efficiency',
      figure: `${r.efficiency} of ceiling, ${r.efficiencyWindowAligned} window-aligned (${r.loggedPerMinute}/${r.ceilingPerMinute.value} calls/min, ${r.intercomRequestsPerCall} req/call, pre-pass ${(r.prePass.shareOfIntercomRequests * 100).toFixed(2)}% of requests, 429s ${(r.requests.rateLimitedShare * 100).toFixed(2)}%); fresh state file rerun: ${r.freshStateRerun.logged} logged, ${r.freshStateRerun.conversationsCreated} conversations created, ${r.freshStateRerun.intercomRequestsPerCall} req/call`,
      target: '≥ 0.90, 429s < 1%',
      pass: r.pass,
    })
  }
  if (selected('efficiency-ai')) {
    log('efficiency-ai: backfill --with-ai at the same limits, time compressed ×10…')
    const r = await benchEfficiencyWithAi({ calls: quick ? 300 : 800, factor: 10, concurrency: 8 })
    results.efficiencyWithAi = r
    done({
      benchmark: 'backfill --with-ai efficiency',
      figure: `${r.efficiency} of ceiling (${r.loggedPerMinute}/${r.ceilingPerMinute.value} calls/min, ${r.ceilingPerMinute.binding}-bound at ${r.aircallRequestsPerCall} Aircall req/call; ${r.insights.noted} AI notes, ${r.insights.none} none, ${r.calls.unanswered} unanswered not read; 429s ${(r.requests.rateLimitedShare * 100).toFixed(2)}%)`,
      target: '≥ 0.90, 429s < 1%',
      pass: r.pass,
    })
  }
  if (selected('overhead')) {
    log('overhead: backfill CPU and memory per call, limits off, node:http and undici in alternating rounds…')
    const counts = values.calls ? values.calls.split(',').map(Number) : quick ? [2000] : [10_000, 100_000]
    const rounds = Number(values.rounds ?? 2)
    const r = await benchOverhead(counts, 16, values.full ? undefined : quick ? 60 : 150, rounds)
    results.overhead = r
    for (const point of r.points) {
      // The CPU target is for the largest run (100,000 calls) of the shipped transport; smaller ones carry
      // start-up and warm-up.
      const cpuJudged = point.calls === counts.at(-1) && point.transport === r.shipped
      const steady = point.steadyCpuMsPerCall === null ? '' : `, ${point.steadyCpuMsPerCall} once warm`
      done({
        benchmark: `overhead ${point.calls.toLocaleString('en')} calls ${point.transport} #${point.round + 1}${point.capped ? ` (capped at ${point.read})` : ''}`,
        figure: `${point.cpuMsPerCall.backfill} ms CPU/call${steady}${point.httpFloor ? ` (HTTP alone ${point.httpFloor.cpuMsPerCall})` : ''}, peak RSS ${point.maxRssMb} MB`,
        target: cpuJudged ? '≤ 1 ms, ≤ 250 MB' : '≤ 250 MB',
        pass: (!cpuJudged || point.cpuMsPerCall.backfill <= 1) && point.maxRssMb <= 250,
      })
    }
    for (const c of r.comparison) {
      const node = c['node-http']
      const figures = (f: typeof node): string =>
        `${f.cpuUsPerCall} µs/call${f.steadyCpuUsPerCall === null ? '' : ` (${f.steadyCpuUsPerCall} warm)`}, floor ${f.httpFloorUsPerRequest ?? '?'} µs/request`
      // Consistent when the shipped transport is the one the rule picks from these figures.
      const undiciWins = c.ratio.cpuPerCall <= UNDICI_CPU_RATIO_LIMIT
      done({
        benchmark: `transport ${c.calls.toLocaleString('en')} calls, undici/node-http (${node.runs}+${c.undici.runs} runs)`,
        figure: `×${c.ratio.cpuPerCall} CPU/call (of medians ×${c.ratio.cpuPerCallOfMedians}, warm ×${c.ratio.steadyCpuPerCall ?? '?'}, floor ×${c.ratio.httpFloor ?? '?'}); node-http ${figures(node)}; undici ${figures(c.undici)}; shipped ${r.shipped}`,
        target: `undici if ≤ ×${UNDICI_CPU_RATIO_LIMIT}`,
        pass: c.calls !== counts.at(-1) || undiciWins === (r.shipped === 'undici'),
      })
    }
  }
  if (selected('listener')) {
    log('listener: autocannon against `listen` with its worker running…')
    const r = await benchListener({ durationS: quick ? 3 : 10, connections: 16 })
    results.listener = r
    for (const phase of r.phases) {
      done({
        benchmark: `listener ${phase.name}${phase.offeredPerSecond ? ` ${phase.offeredPerSecond}/s` : ''}`,
        figure: `${phase.acceptedPerSecond} events/s, p50 ${phase.latencyMs.p50} ms, p99 ${phase.latencyMs.p99} ms, non-2xx ${phase.non2xx}`,
        target: '≥ 2,000/s, p99 ≤ 50 ms',
        pass:
          phase.name === 'saturation'
            ? phase.acceptedPerSecond >= 2000
            : phase.latencyMs.p99 <= 50 && phase.non2xx === 0,
      })
    }
  }
  if (selected('console')) {
    log('console: listener saturation with metrics and the console polled, against the same listener unobserved…')
    const r = await benchConsoleOverhead({ rounds: quick ? 2 : 7, durationS: quick ? 3 : 6, connections: 16 })
    results.console = r
    done({
      benchmark: 'console and metrics overhead (listener saturation)',
      figure: `${r.observedPerSecond} events/s observed vs ${r.plainPerSecond} unobserved (ratio ${r.ratio} (of medians ${r.ratioOfMedians}), CPU per event ×${r.cpuPerEventRatio}; ${r.polls.page} pages, ${r.polls.stats} stats, ${r.polls.metrics} scrapes, ${r.polls.failed} failed)`,
      target: 'ratio ≥ 0.95',
      pass: r.pass,
    })
  }
  if (selected('matching')) {
    log('matching: index lookups and contacts refresh…')
    const resolve = await benchResolve({ indexSize: quick ? 100_000 : 1_000_000, lookups: quick ? 10_000 : 50_000 })
    const refresh = await benchRefresh({ contacts: quick ? 10_000 : 100_000 })
    results.matching = { resolve, refresh }
    done({
      benchmark: `resolve from ${resolve.indexSize.toLocaleString('en')}-contact index`,
      figure: `${resolve.resolvedPerSecond.toLocaleString('en')} callers/s (fill ${resolve.fillSeconds} s)`,
      target: '≥ 40,000/s, every caller matched, no API call',
      pass: resolve.resolvedPerSecond >= 40_000 && resolve.matched === resolve.lookups && resolve.apiCalls === 0,
    })
    done({
      benchmark: `contacts refresh ${refresh.contacts.toLocaleString('en')}`,
      figure: `${refresh.elapsedS} s, ${refresh.requests} requests (budget minimum ${refresh.minimumS} s; CLI CPU ${refresh.cliCpuS ?? '?'} s)`,
      target: 'measured',
      pass: refresh.exitCode === 0 && refresh.indexed === refresh.contacts,
    })
  }
  if (POSTGRES_NAMES.some(selected)) {
    await withBenchPostgres(async (pg) => {
      log(`PostgreSQL ${pg.version.split(' on ')[0]} (${pg.binaries}), ${JSON.stringify(pg.settings)}`)
      const timed = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
        const at = Date.now()
        const result = await run()
        log(`  (${name}: ${Math.round((Date.now() - at) / 1000)} s)`)
        return result
      }
      if (selected('replicas')) {
        log('replicas: listen replicas on one PostgreSQL store against one process on SQLite…')
        const setups: ReplicaSetup[] = [
          { store: 'sqlite', replicas: 1 },
          { store: 'postgres', replicas: 1 },
          ...(quick ? [] : [{ store: 'postgres', replicas: 1, synchronousCommit: 'off' } as const]),
          { store: 'postgres', replicas: 2 },
          { store: 'postgres', replicas: 4 },
        ]
        const r = await timed('replicas', () =>
          benchReplicas(pg, {
            durationS: quick ? 3 : 10,
            connections: 16,
            saturationConnections: quick ? [16] : [16, 64],
            fixedRate: 1000,
            setups,
            noteSetups: [
              { store: 'sqlite', replicas: 1 },
              { store: 'postgres', replicas: 1 },
              { store: 'postgres', replicas: 2 },
            ],
            noteCalls: quick ? 100 : 300,
            noteRate: 20,
          }),
        )
        results.replicas = r
        for (const run of r.runs) {
          for (const phase of run.phases) {
            const c = phase.cores
            done({
              benchmark: `replicas ${run.label} ${phase.name} ${phase.offeredPerSecond ? `${phase.offeredPerSecond}/s ` : ''}(${phase.connections} conn.)`,
              figure: `${phase.acceptedPerSecond} events/s, p50 ${phase.latencyMs.p50} ms, p99 ${phase.latencyMs.p99} ms, non-2xx ${phase.non2xx}; cores: listen ${c.listeners}, postgres ${c.postgres ?? '-'}, load ${c.loadGenerators}, emulators ${c.emulators ?? '?'}, machine ${c.machine ?? '?'}`,
              target: 'measured, no failure',
              pass: phase.non2xx === 0 && phase.errors === 0,
            })
          }
          done({
            benchmark: `replicas ${run.label} durability`,
            figure: `${run.stored.events.toLocaleString('en')} events stored, ${run.stored.acknowledged.toLocaleString('en')} acknowledged`,
            target: 'every acknowledged event stored',
            pass: run.durable,
          })
        }
        for (const note of r.notes) {
          done({
            benchmark: `ack → note in Intercom, ${note.label} (${note.calls} call.ended at ${note.ratePerSecond}/s)`,
            figure: `p50 ${note.ackToNoteMs.p50} ms, p99 ${note.ackToNoteMs.p99} ms (max ${note.ackToNoteMs.max}); ${note.noted}/${note.acknowledged} noted; ack p99 ${note.ackMs.p99} ms; state polled every ${note.polls.intervalMs} ms (${note.polls.meanMs} ms each)`,
            target: 'measured, every note',
            pass: note.acknowledged === note.calls && note.noted === note.calls,
          })
        }
      }
      if (selected('efficiency-pg')) {
        log(
          'efficiency-pg: backfill at Aircall 120/min + Intercom 10,000/min with the state in PostgreSQL, then SQLite…',
        )
        const r = await timed('efficiency-pg', () =>
          benchEfficiencyPg(pg, {
            calls: quick ? 1500 : 6000,
            // Real time by default: a dilated clock shrinks the APIs' windows but not the database's commit
            // latency, so at ×2 every commit weighs twice what it does in production.
            factor: Number(values.factor ?? 1),
            concurrency: 8,
            withSqlite: true,
          }),
        )
        results.efficiencyPg = r
        for (const run of r.runs) {
          done({
            benchmark: `backfill efficiency on ${run.store === 'postgres' ? 'PostgreSQL' : 'SQLite'}`,
            figure: `${run.efficiency} of ceiling, ${run.efficiencyWindowAligned} window-aligned (${run.loggedPerMinute}/${run.ceilingPerMinute} calls/min, ${run.intercomRequestsPerCall} req/call, 429s ${(run.requests.rateLimitedShare * 100).toFixed(2)}%, ${run.calls.deadLetters} dead; CPU/call ${run.cpuMsPerCall.backfill} ms${run.cpuMsPerCall.postgres === null ? '' : ` + postgres ${run.cpuMsPerCall.postgres} ms`})${run.store === 'sqlite' && r.ratio !== null ? `; PostgreSQL/SQLite ×${r.ratio}` : ''}`,
            target: run.store === 'postgres' ? '≥ 0.95, 429s < 1%' : 'measured (the ratio)',
            pass: run.store === 'postgres' ? r.pass : run.calls.deadLetters === 0,
          })
        }
      }
      if (selected('budget')) {
        log('budget: two listen replicas and a sync on one PostgreSQL store against Intercom at 6,000/min…')
        const windows = quick ? 3 : 6
        const r = await timed('budget', () =>
          benchBudget(pg, { perMinute: 6000, windows, events: 1000 + windows * 500, worldCalls: 300 }),
        )
        results.budget = r
        for (const mode of r.modes) {
          done({
            benchmark: `shared budget, 2 listen + sync, ${mode.mode === 'shared' ? 'one store' : `${mode.databases} stores (no sharing)`}`,
            figure: `${mode.used} of the budget used over ${mode.loadedWindows} loaded windows (${mode.loadedRequests.accepted.toLocaleString('en')} of ${(r.perWindow * mode.loadedWindows).toLocaleString('en')}); 429s ${(mode.requests.rateLimitedShare * 100).toFixed(2)}% (${mode.requests.rateLimited} of ${mode.requests.total.toLocaleString('en')}); sync ${mode.sync.logged ?? '?'} logged (exit ${mode.sync.exitCode})`,
            target: mode.mode === 'shared' ? '≥ 0.90, 429s < 1%' : 'control',
            pass: mode.mode === 'shared' ? r.pass : mode.loadedWindows > 0,
          })
        }
      }
    })
  }
  const document = {
    date: new Date().toISOString(),
    machine: machine(),
    command: `npm run bench --${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
    quick,
    elapsedS: Math.round((Date.now() - started) / 1000),
    results,
  }
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`)
  const width = Math.max(...rows.map((row) => row.benchmark.length))
  log('')
  for (const row of rows)
    log(`${row.pass ? 'PASS' : 'FAIL'}  ${row.benchmark.padEnd(width)}  ${row.figure}  [target ${row.target}]`)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
