/**
 * The emulator host as seen from a benchmark: what to start (HostSpec), what it answers (HostInfo), and a
 * handle over the child process with the `/_emulator` counters the benchmarks read.
 */
import type {
  AircallEmulatorOptions,
  IntercomEmulatorOptions,
  IntercomSeed,
} from '@aircall-intercom/emulators/types.js'
import type { Dilation } from './clock.js'
import { benchScript, spawnNode, type Child } from './processes.js'

export interface HostSpec {
  calls: number
  seed?: number
  days?: number
  dilation?: Dilation
  aircall?: Partial<Omit<AircallEmulatorOptions, 'apiId' | 'apiToken' | 'now'>>
  intercom?: Partial<Omit<IntercomEmulatorOptions, 'accessToken' | 'clientSecret' | 'now'>>
  /** Extra Intercom contacts with distinct valid phones, for the index benchmarks. */
  extraContacts?: number
}

export interface HostInfo {
  aircall: { url: string; apiId: string; apiToken: string; webhookToken: string }
  intercom: { url: string; accessToken: string; clientSecret: string; adminId: string }
  world: { calls: number; contacts: number; knownCallers: string[] }
}

/** Deterministic contacts with distinct French mobile numbers, written in Intercom's mixed styles. */
export const extraContacts = (count: number, now: number): IntercomSeed['contacts'] =>
  Array.from({ length: count }, (_, i) => {
    const national = String(10_000_000 + i).padStart(8, '0')
    const createdAt = Math.floor(now / 1000) - 86_400 * 400 + i
    return {
      id: `b${i.toString(16).padStart(23, '0')}`,
      role: i % 3 === 0 ? 'user' : 'lead',
      name: `Bench Contact ${i}`,
      email: i % 2 === 0 ? `bench${i}@example.com` : null,
      phone: i % 2 === 0 ? `+336${national}` : `06 ${national.replace(/(\d\d)(?=\d)/g, '$1 ')}`,
      externalId: null,
      createdAt,
      updatedAt: createdAt,
      lastSeenAt: null,
    }
  })

export interface Host {
  info: HostInfo
  child: Child
  /** `GET /_emulator/requests` of each emulator. */
  aircallRequests(): Promise<{ total: number; rateLimited: number; byStatus?: Record<string, number> }>
  intercomRequests(): Promise<{ total: number; rateLimited: number }>
  /** Conversations the Intercom emulator holds (its whole state is read: call once per run). */
  intercomConversationCount(): Promise<number>
  close(): Promise<void>
}

const getJson = async <T>(url: string): Promise<T> => {
  const response = await fetch(url)
  if (!response.ok) throw new Error(`${url}: ${response.status}`)
  return (await response.json()) as T
}

export const startHost = async (spec: HostSpec): Promise<Host> => {
  const child = spawnNode(benchScript('emulator-host.ts'), [JSON.stringify(spec)], {
    nodeArgs: process.env.BENCH_PROFILE_HOST ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE_HOST] : [],
  })
  const info = (await child.firstJson) as unknown as HostInfo
  return {
    info,
    child,
    aircallRequests: () => getJson(`${info.aircall.url}/_emulator/requests`),
    intercomRequests: () => getJson(`${info.intercom.url}/_emulator/requests`),
    intercomConversationCount: async () =>
      (await getJson<{ conversations: unknown[] }>(`${info.intercom.url}/_emulator/state`)).conversations.length,
    close: async () => {
      await child.stop()
    },
  }
}
