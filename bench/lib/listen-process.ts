/**
 * A `listen` of the built CLI in its own process against a bench host's emulators, and one autocannon phase
 * against it from another: what the listener benchmarks share.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { openStore, postgresLocation } from '../../src/store/location.js'
import { openStateStore } from '../../src/store/sqlite/index.js'
import type { LoadSpec } from '../listener-load.js'
import type { Host } from './host.js'
import { benchScript, type Child, cliEntry, spawnNode } from './processes.js'

export interface LoadOutput {
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

export interface ListenProcess {
  url: string
  child: Child
  /** The SQLite file, or the postgres:// URL it was given. */
  statePath: string
  env: Record<string, string>
  /** `processed` lines seen on its stderr so far. */
  processed: () => number
  /** Stops it and counts the events in its store. */
  stop: () => Promise<{ events: number }>
}

export interface ListenOptions {
  /** A postgres:// URL as AIRCALL_INTERCOM_STATE instead of a new SQLite file: replicas given one URL share it. */
  stateUrl?: string
}

export async function startListen(
  host: Host,
  config: Record<string, unknown>,
  options: ListenOptions = {},
): Promise<ListenProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-listen-'))
  const configPath = join(dir, 'aircall-intercom.yml')
  const statePath = options.stateUrl ?? join(dir, 'state.sqlite')
  writeFileSync(configPath, stringify(config))
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
  const child = spawnNode(cliEntry().path, ['listen', '--port', '0', '--json'], {
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
    child.exited.then((code) => Promise.reject(new Error(`listen exited (${code}): ${child.stderr()}`))),
  ])
  return {
    url: listenerUrl,
    child,
    statePath,
    env,
    processed: () => processed,
    stop: async () => {
      await child.stop(60_000)
      if (options.stateUrl) {
        rmSync(dir, { recursive: true, force: true })
        // The URL's store is every replica's: what it holds when this one stopped.
        const counts = await countEvents(options.stateUrl)
        return { events: counts.queued + counts.processing + counts.done + counts.dead }
      }
      const store = openStateStore(statePath)
      const counts = store.counts().events
      store.close()
      rmSync(dir, { recursive: true, force: true })
      return { events: counts.queued + counts.processing + counts.done + counts.dead }
    },
  }
}

const countEvents = async (url: string) => {
  const store = await openStore(postgresLocation(url))
  try {
    return (await store.counts()).events
  } finally {
    await store.close()
  }
}

/** One autocannon phase from its own process; `rate` unset means as fast as the answers come. */
export async function loadPhase(listen: ListenProcess, spec: Omit<LoadSpec, 'url'>): Promise<LoadOutput> {
  const load = spawnNode(benchScript('listener-load.ts'), [JSON.stringify({ ...spec, url: listen.url })], {
    env: {
      AIRCALL_WEBHOOK_TOKEN: listen.env.AIRCALL_WEBHOOK_TOKEN ?? '',
      INTERCOM_CLIENT_SECRET: listen.env.INTERCOM_CLIENT_SECRET ?? '',
    },
  })
  const out = (await load.firstJson) as unknown as LoadOutput
  await load.exited
  return out
}
