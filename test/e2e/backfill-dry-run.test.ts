import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, test } from 'vitest'

import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { sandboxEnv } from './sandbox-env.js'

const tempDir = useTempDir()

interface Counts {
  read: number
  logged: number
  updated: number
  alreadyDone: number
  wouldLog: number
  contactsMatched: number
  contactsCreated: number
  skipped: Record<string, number>
}

interface PlanRow {
  callId: string
  caller: string
  contact: string
  conversation: string
  note: string
  tagAttributes: string
}

interface Envelope {
  ok: boolean
  result: { dryRun: boolean; counts: Counts; plan?: { rows: PlanRow[] } }
}

interface IntercomRequests {
  total: number
  byRoute: Record<string, Record<string, number>>
}

const intercomRequests = async (sandbox: SandboxHandle): Promise<IntercomRequests> =>
  (await (await fetch(`${sandbox.intercom.url}/_emulator/requests`)).json()) as IntercomRequests

const routeCount = (requests: IntercomRequests, route: string): number =>
  Object.values(requests.byRoute[route] ?? {}).reduce((sum, n) => sum + n, 0)

/** Requests between two snapshots, per route ("POST /contacts/search" → count). */
const delta = (before: IntercomRequests, after: IntercomRequests): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const route of Object.keys(after.byRoute)) {
    const n = routeCount(after, route) - routeCount(before, route)
    if (n > 0) out[route] = n
  }
  return out
}

describe('backfill --dry-run: the plan a real run then carries out, with nothing written', () => {
  let sandbox: SandboxHandle
  beforeAll(async () => {
    const intercom = { rateLimitPerMinute: 0, contract: 'off' as const, formattedPhoneDefaultCountry: 'FR' }
    sandbox = await startSandbox({ calls: 200, days: 10, seed: 11, aircall: { rateLimitPerMinute: 0 }, intercom })
  })
  afterAll(async () => {
    await sandbox.close()
  })

  test('the dry run plans exactly what the real run then does, searches each number once and writes nothing', async () => {
    const cwd = tempDir()
    writeFileSync(join(cwd, 'aircall-intercom.yml'), JSON.stringify({ matching: { defaultCountry: 'FR' } }))
    const env = sandboxEnv(sandbox, { INTERCOM_ADMIN_ID: sandbox.intercom.adminId })
    const before = await intercomRequests(sandbox)

    const dry = await runCli(['backfill', '--since', '10d', '--dry-run', '--json'], { cwd, env })
    expect(dry.code, dry.stderr).toBe(0)
    const planned = JSON.parse(dry.stdout) as Envelope
    const after = await intercomRequests(sandbox)

    // Nothing written anywhere: no state file, no Intercom write (only reads and searches).
    expect(readdirSync(cwd).sort()).toEqual(['aircall-intercom.yml'])
    expect(existsSync(join(cwd, 'aircall-intercom.sqlite'))).toBe(false)
    const routes = delta(before, after)
    const writes = Object.keys(routes).filter((route) => !route.startsWith('GET ') && !route.endsWith('/search'))
    expect(writes).toEqual([])

    // One contact search per distinct caller number at most, however often it called.
    const numbers = new Set(
      sandbox.world.aircall.calls.map((call) => call.rawDigits).filter((digits) => digits !== 'anonymous'),
    )
    expect(routes['POST /contacts/search'] ?? 0).toBeLessThanOrEqual(numbers.size)

    const plan = planned.result.plan
    expect(plan).toBeDefined()
    expect(plan?.rows.length).toBe(planned.result.counts.wouldLog)
    const newContacts = new Set(plan?.rows.filter((row) => row.contact === 'new contact').map((row) => row.caller))

    const real = await runCli(['backfill', '--since', '10d', '--json'], { cwd, env })
    expect(real.code, real.stderr).toBe(0)
    const done = (JSON.parse(real.stdout) as Envelope).result.counts
    expect(planned.result.counts.wouldLog).toBe(done.logged + done.updated)
    expect(planned.result.counts.contactsCreated).toBe(done.contactsCreated)
    expect(newContacts.size).toBe(done.contactsCreated)
    expect(done.contactsCreated).toBeGreaterThan(0)
    expect(planned.result.counts.contactsMatched).toBe(done.contactsMatched)
    expect(planned.result.counts.skipped).toEqual(done.skipped)

    // With the state now complete, a dry run opens it read-only and plans nothing.
    const again = await runCli(['backfill', '--since', '10d', '--dry-run', '--restart', '--json'], { cwd, env })
    const rerun = JSON.parse(again.stdout) as Envelope
    expect(rerun.result.counts.wouldLog).toBe(0)
    expect(rerun.result.counts.alreadyDone).toBe(done.logged + done.updated + done.alreadyDone)
  }, 120_000)

  test('--format csv prints the plan as CSV; the table is the default', async () => {
    // Its own world: the first test's real run left every call of the shared one logged.
    const fresh = await startSandbox({ calls: 30, days: 3, seed: 12, aircall: { rateLimitPerMinute: 0 } })
    try {
      await planAsCsv(fresh)
    } finally {
      await fresh.close()
    }
  }, 120_000)
})

/** A dry run as CSV lists every call it would log; without --format the plan is a table. */
async function planAsCsv(sandbox: SandboxHandle): Promise<void> {
  const cwd = tempDir()
  writeFileSync(join(cwd, 'aircall-intercom.yml'), JSON.stringify({ matching: { defaultCountry: 'FR' } }))
  const env = sandboxEnv(sandbox, { INTERCOM_ADMIN_ID: sandbox.intercom.adminId })
  const csv = await runCli(['backfill', '--since', '3d', '--dry-run', '--format', 'csv'], { cwd, env })
  expect(csv.code, csv.stderr).toBe(0)
  const lines = csv.stdout.trim().split('\n')
  expect(lines[0]).toBe('call_id,caller,contact,conversation,note,tag_attributes,started_at,contact_name,match')
  expect(lines.length).toBeGreaterThan(1)
  const table = await runCli(['backfill', '--since', '3d', '--dry-run'], { cwd, env })
  expect(table.stdout).toContain('Dry run (nothing written)')
  expect(table.stdout).toMatch(/call id.*caller.*contact.*conversation/i)
  expect(existsSync(join(cwd, 'aircall-intercom.sqlite'))).toBe(false)
}
