import { join } from 'node:path'

import { Runtime } from '../../src/app/runtime.js'
import { configSchema, type ConfigInput } from '../../src/config/schema.js'
import type { LoadedConfig } from '../../src/config/loader.js'
import { normaliseAircallCall, type CallRecord } from '../../src/domain/call-record.js'
import { toE164 } from '../../src/phone/index.js'
import { startSandbox, type SandboxHandle, type SandboxOptions } from '@aircall-intercom/emulators'

/**
 * The seed's truth picks "user over lead, then oldest", and it types French numbers in national format
 * ("06 12 34 56 78"), so the matching config says so; the Intercom workspace country is France too, which is what
 * lets Intercom's own duplicate validation accept merges of differently spelled numbers.
 */
export const MATCHING: NonNullable<ConfigInput['matching']> = {
  defaultCountry: 'FR',
  tieBreak: ['user-first', 'oldest-created'],
}

export async function startWorld(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const intercom: Record<string, unknown> = {
    rateLimitPerMinute: 0,
    formattedPhoneDefaultCountry: 'FR',
    contract: 'off',
    ...options.intercom,
  }
  return startSandbox({
    calls: 120,
    ...options,
    aircall: { rateLimitPerMinute: 0, ...options.aircall },
    intercom,
  })
}

export function worldConfig(world: SandboxHandle, matching: ConfigInput['matching'] = {}): ConfigInput {
  return {
    aircall: {
      apiUrl: world.aircall.url,
      apiId: world.aircall.apiId,
      apiToken: world.aircall.apiToken,
      rateLimitPerMinute: 120,
    },
    intercom: { apiUrl: world.intercom.url, accessToken: world.intercom.accessToken, adminId: world.intercom.adminId },
    matching: { ...MATCHING, ...matching },
  }
}

export function worldRuntime(world: SandboxHandle, dir: string, matching: ConfigInput['matching'] = {}): Runtime {
  const loaded: LoadedConfig = {
    config: configSchema.parse(worldConfig(world, matching)),
    file: null,
    expectedFile: join(dir, 'aircall-intercom.yml'),
    statePath: join(dir, 'state.sqlite'),
    secrets: [],
    sources: {},
  }
  return new Runtime(loaded)
}

/** The environment a user would export to point the CLI at the sandbox (what `sandbox` prints). */
export function worldEnv(world: SandboxHandle): Record<string, string> {
  return {
    AIRCALL_API_URL: world.aircall.url,
    AIRCALL_API_ID: world.aircall.apiId,
    AIRCALL_API_TOKEN: world.aircall.apiToken,
    INTERCOM_API_URL: world.intercom.url,
    INTERCOM_ACCESS_TOKEN: world.intercom.accessToken,
    INTERCOM_ADMIN_ID: world.intercom.adminId,
  }
}

/** Every call of the world as the API serves it (with the Aircall contact), one per caller E.164, latest first. */
export async function callsByCaller(runtime: Runtime, world: SandboxHandle): Promise<Map<string, CallRecord>> {
  const now = Math.floor(world.world.now / 1000)
  const byCaller = new Map<string, CallRecord>()
  for await (const raw of runtime.aircall.calls.list({ from: now - 31 * 86_400, to: now, fetchContact: true })) {
    const call = normaliseAircallCall(raw)
    const e164 = /\d/.test(call.rawDigits) ? call.rawDigits.replace(/[^\d+]/g, '') : call.rawDigits
    const known = byCaller.get(e164)
    if (!known || (call.contact?.emails.length ?? 0) > (known.contact?.emails.length ?? 0)) byCaller.set(e164, call)
  }
  return byCaller
}

type IntercomStateContact = { id: string; role: string; phone: string | null; merged_into: string | null }

export function intercomContacts(world: SandboxHandle): IntercomStateContact[] {
  return world.intercomEmulator.state().contacts as IntercomStateContact[]
}

export function createRequests(world: SandboxHandle): number {
  const byStatus = world.intercomEmulator.requestCounts().byRoute['POST /contacts'] ?? {}
  return Object.values(byStatus).reduce((sum, count) => sum + count, 0)
}

/**
 * Seed numbers that libphonenumber's small metadata (used by the seed) calls valid but the full metadata (used by
 * src/phone, which refuses to guess) rejects, e.g. unallocated French 07 ranges. The project reports them as
 * invalid numbers; the tests expect exactly that, and the set is empty once the seed validates with full metadata.
 */
export function strictlyInvalid(e164s: readonly string[]): Set<string> {
  return new Set(e164s.filter((e164) => toE164(e164) === null))
}

/** What a French team would write: national numbers are French, and duplicates keep the oldest user. */
export const CONFIG_YAML = [
  'aircall:',
  '  rateLimitPerMinute: 120',
  'matching:',
  '  defaultCountry: FR',
  '  tieBreak: [user-first, oldest-created]',
].join('\n')
