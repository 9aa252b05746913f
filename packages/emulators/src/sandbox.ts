/**
 * One call starts both emulators on loopback, seeded from the same generated world, with fresh
 * printable credentials. Used by the `sandbox` and `demo` commands and by end-to-end tests.
 */
import { randomBytes } from 'node:crypto'
import { type AircallEmulator, startAircallEmulator } from './aircall/server.js'
import { type IntercomEmulator, startIntercomEmulator } from './intercom/server.js'
import { generateWorld } from './seed/world.js'
import type { SeedWorld } from './seed/types.js'
import type { AircallEmulatorOptions, Clock, IntercomEmulatorOptions } from './types.js'

export interface SandboxOptions {
  /** Calls in the generated world (default 500). */
  calls?: number
  /** World seed (default 1). */
  seed?: number
  /** Days of call history ending now (default 30). */
  days?: number
  aircallPort?: number
  intercomPort?: number
  /** Default 127.0.0.1. */
  host?: string
  /** Clock for both emulators and the world's "now" (default Date.now). */
  now?: Clock
  /** Extra Aircall emulator options (credentials are always generated here). */
  aircall?: Partial<Omit<AircallEmulatorOptions, 'apiId' | 'apiToken' | 'host' | 'port'>>
  intercom?: Partial<Omit<IntercomEmulatorOptions, 'accessToken' | 'clientSecret' | 'host' | 'port'>>
}

export interface SandboxHandle {
  aircall: { url: string; apiId: string; apiToken: string; webhookToken: string }
  intercom: { url: string; accessToken: string; clientSecret: string; adminId: string }
  world: SeedWorld
  aircallEmulator: AircallEmulator
  intercomEmulator: IntercomEmulator
  close(): Promise<void>
}

function secret(prefix: string, bytes: number): string {
  return `${prefix}${randomBytes(bytes).toString('hex')}`
}

export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const host = options.host ?? '127.0.0.1'
  const clock = options.now ?? Date.now
  // Whole seconds so the world's timestamps line up with what the emulators serve.
  const world = generateWorld({
    seed: options.seed ?? 1,
    calls: options.calls ?? 500,
    days: options.days ?? 30,
    now: Math.floor(clock() / 1000) * 1000,
  })
  const aircall = { apiId: secret('', 16), apiToken: secret('', 16), webhookToken: secret('', 16) }
  const intercom = { accessToken: secret('dG9rOm', 24), clientSecret: secret('', 20) }
  const adminId = world.truth.adminMatchingAircallUser.adminId

  const aircallEmulator = await startAircallEmulator({
    ...options.aircall,
    host,
    port: options.aircallPort ?? 0,
    apiId: aircall.apiId,
    apiToken: aircall.apiToken,
    webhookToken: aircall.webhookToken,
    now: clock,
    seed: options.seed ?? 1,
  })
  let intercomEmulator: IntercomEmulator
  try {
    intercomEmulator = await startIntercomEmulator({
      // The seeded workspace is French-first: Intercom derives formatted_phone from national numbers with it.
      formattedPhoneDefaultCountry: 'FR',
      ...options.intercom,
      host,
      port: options.intercomPort ?? 0,
      accessToken: intercom.accessToken,
      clientSecret: intercom.clientSecret,
      now: clock,
      seed: options.seed ?? 1,
    })
  } catch (err) {
    await aircallEmulator.close()
    throw err
  }
  aircallEmulator.seed(world.aircall)
  intercomEmulator.seed(world.intercom)

  return {
    aircall: { url: aircallEmulator.url, ...aircall },
    intercom: { url: intercomEmulator.url, ...intercom, adminId },
    world,
    aircallEmulator,
    intercomEmulator,
    close: async () => {
      await Promise.all([aircallEmulator.close(), intercomEmulator.close()])
    },
  }
}
