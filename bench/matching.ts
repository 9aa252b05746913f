/**
 * Benchmark 4: matching. (a) Callers resolved per second from a local index of 1,000,000 contacts, filled
 * through the store as `contacts refresh` would; (b) `contacts refresh` (the CLI) building the index of
 * 100,000 contacts from the Intercom emulator held to 10,000 requests/min, against the rate-budget minimum.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { configSchema } from '../src/config/schema.js'
import { normaliseAircallCall } from '../src/domain/call-record.js'
import { IntercomClient } from '../src/intercom/client.js'
import { aircallFixture } from '../src/listener/fixtures.js'
import { IntercomContactResolver } from '../src/matching/resolver.js'
import { asyncSqliteStore, openStateStore } from '../src/store/sqlite/index.js'
import type { IndexedContact } from '../src/store/state-store.js'
import { startHost } from './lib/host.js'
import { cliEntry, spawnNode, trackCpu } from './lib/processes.js'
import { INTERCOM_PER_MINUTE } from './backfill.js'

const BATCH = 10_000

const national = (i: number): string => String(10_000_000 + i).padStart(8, '0')

const entry = (i: number, now: number): IndexedContact => ({
  contactId: `b${i.toString(16).padStart(23, '0')}`,
  role: i % 3 === 0 ? 'user' : 'lead',
  name: `Bench Contact ${i}`,
  email: i % 2 === 0 ? `bench${i}@example.com` : null,
  phoneRaw: `+336${national(i)}`,
  phoneE164: `+336${national(i)}`,
  createdAt: 1_700_000_000 + i,
  updatedAt: 1_700_000_000 + i,
  lastSeenAt: null,
  origin: 'refresh',
  indexedAt: now,
})

export interface ResolveResult {
  indexSize: number
  fillSeconds: number
  lookups: number
  resolvedPerSecond: number
  matched: number
  /** Lookups of numbers the index does not hold would go to the API: none here, by construction. */
  apiCalls: number
}

/** A fixed, seeded sequence of callers spread over the whole index, in Aircall's national spelling. */
export async function benchResolve(options: { indexSize: number; lookups: number }): Promise<ResolveResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-match-'))
  try {
    const store = openStateStore(join(dir, 'state.sqlite'))
    const fillStart = performance.now()
    for (let from = 0; from < options.indexSize; from += BATCH) {
      const batch: IndexedContact[] = []
      for (let i = from; i < Math.min(options.indexSize, from + BATCH); i++) batch.push(entry(i, Date.now()))
      store.contacts.upsert(batch)
    }
    const fillSeconds = (performance.now() - fillStart) / 1000
    let apiCalls = 0
    const intercom = new IntercomClient({
      accessToken: 'unused',
      baseUrl: 'http://127.0.0.1:9',
      fetch: () => {
        apiCalls++
        return Promise.reject(new Error('the index benchmark must not reach the API'))
      },
    })
    const matching = configSchema.parse({ matching: { defaultCountry: 'FR' } }).matching
    const resolver = new IntercomContactResolver({ matching, store: asyncSqliteStore(store), intercom, now: Date.now })
    let seed = 12345
    const calls = Array.from({ length: options.lookups }, (_, n) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      const i = seed % options.indexSize
      const digits = `06 ${national(i).replace(/(\d\d)(?=\d)/g, '$1 ')}`
      return normaliseAircallCall(
        aircallFixture('call.ended', 'unused', { callId: n + 1, rawDigits: digits }).data as never,
      )
    })
    let matched = 0
    const start = performance.now()
    for (const call of calls) {
      const resolution = await resolver.resolve(call, { create: false })
      if (resolution.status === 'matched') matched++
    }
    const seconds = (performance.now() - start) / 1000
    const indexSize = store.counts().contacts
    store.close()
    return {
      indexSize,
      fillSeconds: Math.round(fillSeconds * 10) / 10,
      lookups: options.lookups,
      resolvedPerSecond: Math.round(options.lookups / seconds),
      matched,
      apiCalls,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface RefreshBenchResult {
  cli: string
  contacts: number
  indexed: number
  requests: number
  elapsedS: number
  minimumS: number
  /** CPU seconds of the CLI process (sampled from /proc every 200 ms): the toolkit's share of the elapsed time. */
  cliCpuS: number | null
  rateLimited: number
  exitCode: number | null
}

export async function benchRefresh(options: { contacts: number }): Promise<RefreshBenchResult> {
  const host = await startHost({
    calls: 10,
    extraContacts: options.contacts,
    intercom: { rateLimitPerMinute: INTERCOM_PER_MINUTE },
  })
  const dir = mkdtempSync(join(tmpdir(), 'bench-refresh-'))
  const cli = cliEntry()
  try {
    const configPath = join(dir, 'aircall-intercom.yml')
    writeFileSync(configPath, 'matching:\n  defaultCountry: FR\n')
    const child = spawnNode(cli.path, ['contacts', 'refresh', '--json'], {
      env: {
        AIRCALL_INTERCOM_CONFIG: configPath,
        AIRCALL_INTERCOM_STATE: join(dir, 'state.sqlite'),
        INTERCOM_API_URL: host.info.intercom.url,
        INTERCOM_ACCESS_TOKEN: host.info.intercom.accessToken,
      },
      nodeArgs: process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : [],
    })
    const cpu = trackCpu(child)
    const exitCode = await child.exited
    const document = JSON.parse(child.stdoutLines().join('\n')) as {
      result: { indexed: number; requests: number; elapsedMs: number; seen: number }
    }
    const counts = await host.intercomRequests()
    const { result } = document
    return {
      cli: cli.built ? 'bin/run.js (built)' : 'bin/dev.js (tsx)',
      contacts: host.info.world.contacts,
      indexed: result.indexed,
      requests: result.requests,
      elapsedS: Math.round(result.elapsedMs / 100) / 10,
      minimumS: Math.round((result.requests / INTERCOM_PER_MINUTE) * 600) / 10,
      cliCpuS: cpu(),
      rateLimited: counts.rateLimited,
      exitCode,
    }
  } finally {
    await host.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
