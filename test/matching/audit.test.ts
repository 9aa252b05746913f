import { parse } from 'csv-parse/sync'
import { afterEach, describe, expect, test } from 'vitest'

import type { Runtime } from '../../src/app/runtime.js'
import { renderAuditRows } from '../../src/cli/render-audit.js'
import type { SandboxHandle } from '@aircall-intercom/emulators'
import { parseAuditRange } from '../../src/matching/audit.js'
import { auditUnmatchedCallers } from '../../src/app/matching-service.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { createRequests, startWorld, strictlyInvalid, worldRuntime } from './seeded-world.js'

const tempDir = useTempDir()
let world: SandboxHandle | undefined
let runtime: Runtime | undefined
afterEach(async () => {
  await runtime?.close()
  await world?.close()
  world = undefined
  runtime = undefined
})

const DAY_MS = 86_400_000

describe('audit unmatched', () => {
  test('lists exactly the planted unknown and invalid callers, counts anonymous calls, and --create creates the unknown', async () => {
    world = await startWorld({ calls: 160 })
    runtime = worldRuntime(world, tempDir())
    const { truth } = world.world
    const since = new Date(world.world.now - 31 * DAY_MS).toISOString()

    const result = await auditUnmatchedCallers(runtime, { since, create: false })
    const refusedKnown = strictlyInvalid(truth.knownCallers)
    const refusedUnknown = strictlyInvalid(truth.unknownCallers)
    const byReason = (reason: string): string[] =>
      result.unmatched
        .filter((caller) => caller.reason === reason)
        .map((caller) => caller.e164 ?? caller.dialled)
        .sort()

    expect(byReason('no-contact')).toEqual(truth.unknownCallers.filter((e) => !refusedUnknown.has(e)).sort())
    const invalid = byReason('invalid-number')
    for (const raw of truth.invalidCallers) expect(invalid).toContain(raw)
    expect(invalid).toHaveLength(truth.invalidCallers.length + refusedKnown.size + refusedUnknown.size)
    expect(result.anonymousCalls).toBe(truth.anonymousCallIds.length)
    expect(result.callsScanned).toBe(160)
    expect(createRequests(world)).toBe(0)

    const noContact = result.unmatched.find((caller) => caller.reason === 'no-contact')!
    expect(noContact.calls).toBe(truth.callsPerCaller[noContact.e164!])
    expect(noContact.tried).toContain(noContact.e164)
    expect(noContact.tried.length).toBeGreaterThan(3)

    const rows = parse(renderAuditRows(result, 'csv'), { columns: true }) as Array<Record<string, string>>
    expect(rows).toHaveLength(result.unmatched.length)
    expect(rows[0]).toMatchObject({ dialled: result.unmatched[0]!.dialled, reason: result.unmatched[0]!.reason })
    expect(rows.map((row) => Number(row.calls))).toEqual(result.unmatched.map((caller) => caller.calls))

    const created = await auditUnmatchedCallers(runtime, { since, create: true })
    const unknown = truth.unknownCallers.length - refusedUnknown.size
    expect(created.created).toBe(unknown)
    expect(createRequests(world)).toBe(unknown)
    for (const caller of created.unmatched) {
      if (caller.reason === 'no-contact') expect(caller.created).toMatchObject({ status: 'created' })
      else expect(caller.created).toBeUndefined()
    }

    const after = await auditUnmatchedCallers(runtime, { since, create: false })
    expect(after.byReason['no-contact']).toBe(0)
  })

  test('dates: ISO dates and datetimes, an --until date covers its whole day, bad input names the flag', () => {
    const now = Date.UTC(2026, 5, 15, 12)
    expect(parseAuditRange({ since: '2026-05-01', until: '2026-05-31' }, now)).toEqual({
      since: Date.UTC(2026, 4, 1) / 1000,
      until: Date.UTC(2026, 5, 1) / 1000,
    })
    expect(parseAuditRange({ since: '2026-05-01T10:00:00+02:00' }, now).since).toBe(Date.UTC(2026, 4, 1, 8) / 1000)
    expect(parseAuditRange({}, now)).toEqual({ since: (now - 30 * DAY_MS) / 1000, until: now / 1000 })
    expect(() => parseAuditRange({ since: '2026-02-30' }, now)).toThrow(/--since "2026-02-30" is not a date/)
    expect(() => parseAuditRange({ until: 'yesterday' }, now)).toThrow(/--until "yesterday"/)
    expect(() => parseAuditRange({ since: '2026-06-01', until: '2026-05-01' }, now)).toThrow(/must be before/)
  })
})
