import { describe, expect, test } from 'vitest'

import type { DemoResult } from '../../src/app/demo.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

describe('demo', () => {
  test('runs from an empty directory with no config or credentials and prints a summary that adds up', async () => {
    const cwd = tempDir()
    const run = await runCli(['demo', '--json', '--calls', '400'], { cwd, timeoutMs: 60_000 })
    expect(run.code).toBe(0)
    const { ok, result } = JSON.parse(run.stdout) as { ok: boolean; result: DemoResult }
    expect(ok).toBe(true)
    const { counts } = result.backfill
    expect(result.world.calls).toBe(400)
    expect(counts.read).toBe(400)
    expect(counts.skipped.anonymous).toBe(result.world.anonymousCalls)
    expect(counts.skipped['invalid-number']).toBe(result.world.invalidCalls)
    expect(counts.logged + counts.skipped.anonymous + counts.skipped['invalid-number']).toBe(400)
    expect(counts.deadLetters).toBe(0)
    // Exactly the planted unknown callers get a contact: a known caller (by phone or only by email) never does.
    expect(counts.contactsCreated).toBe(result.world.unknownCallers)
    expect(counts.contactsMatched).toBe(result.world.knownCallers)
    expect(result.audit.callers).toBeGreaterThan(0)
    expect(result.status.counts?.ledger.pending).toBe(0)
    expect(result.emulators.aircall).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const text = await runCli(['demo', '--calls', '100'], { cwd, timeoutMs: 60_000 })
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('Demo company: 100 calls')
    expect(text.stdout).toContain('Emulators (stopped now): Aircall http://127.0.0.1:')
  }, 90_000)
})
