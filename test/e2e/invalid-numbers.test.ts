import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, test } from 'vitest'

import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { sandboxEnv } from './sandbox-env.js'

const tempDir = useTempDir()

interface InvalidNumberCall {
  callId: string
  number: string
  startedAt: string
  loggedOn: string | null
}

interface BackfillDocument {
  result: {
    counts: {
      logged: number
      alreadyDone: number
      skipped: Record<string, number>
      invalidNumbers: InvalidNumberCall[]
    }
  }
}

interface AuditDocument {
  result: { unmatched: Array<{ dialled: string; reason: string; calls: number }> }
}

type StateContact = { id: string; external_id: string | null; name: string | null; role: string }
type StateConversation = { id: string; contacts: { contacts: Array<{ id: string }> } }

const CATCH_ALL = 'aircall-intercom:invalid-numbers'

describe('calls from invalid numbers (built CLI)', () => {
  let sandbox: SandboxHandle
  let env: Record<string, string>
  beforeAll(async () => {
    sandbox = await startSandbox({ calls: 150, days: 5, seed: 31, aircall: { rateLimitPerMinute: 0 } })
    env = sandboxEnv(sandbox, { INTERCOM_ADMIN_ID: sandbox.intercom.adminId })
  })
  afterAll(async () => {
    await sandbox.close()
  })

  const invalidCallIds = (): string[] => sandbox.world.truth.invalidCallIds.map(String).sort()

  test('are skipped by default, and both the backfill summary and audit unmatched list them', async () => {
    expect(invalidCallIds().length).toBeGreaterThan(0)
    const cwd = tempDir()
    const dry = await runCli(['backfill', '--since', '6d', '--dry-run'], { cwd, env })
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toContain(`${invalidCallIds().length} call(s) from invalid numbers were skipped`)
    for (const callId of invalidCallIds().slice(0, 5)) expect(dry.stdout).toContain(`call ${callId} `)

    const run = await runCli(['backfill', '--since', '6d', '--json'], { cwd, env })
    expect(run.code, run.stderr).toBe(0)
    const { counts } = (JSON.parse(run.stdout) as BackfillDocument).result
    expect(counts.skipped['invalid-number']).toBe(invalidCallIds().length)
    expect(counts.invalidNumbers.map((call) => call.callId).sort()).toEqual(invalidCallIds())
    expect(counts.invalidNumbers.every((call) => call.loggedOn === null && call.number.length > 0)).toBe(true)

    const audit = await runCli(['audit', 'unmatched', '--since', '6d', '--json'], { cwd, env })
    expect(audit.code, audit.stderr).toBe(0)
    const invalid = (JSON.parse(audit.stdout) as AuditDocument).result.unmatched.filter(
      (caller) => caller.reason === 'invalid-number',
    )
    expect(new Set(invalid.map((caller) => caller.dialled))).toEqual(
      new Set(counts.invalidNumbers.map((call) => call.number)),
    )
    expect(invalid.reduce((sum, caller) => sum + caller.calls, 0)).toBe(invalidCallIds().length)
    const text = await runCli(['audit', 'unmatched', '--since', '6d'], { cwd, env })
    expect(text.stdout).toContain(`(${invalidCallIds().length} call(s))`)
  }, 120_000)

  test('with log-raw are logged on one catch-all contact, created once even from a second state file', async () => {
    const config = JSON.stringify({ matching: { invalidNumbers: 'log-raw' } })
    const first = tempDir()
    writeFileSync(join(first, 'aircall-intercom.yml'), config)
    const run = await runCli(['backfill', '--since', '6d', '--json'], { cwd: first, env })
    expect(run.code, run.stderr).toBe(0)
    const { counts } = (JSON.parse(run.stdout) as BackfillDocument).result
    expect(counts.skipped['invalid-number']).toBe(0)
    expect(counts.invalidNumbers.map((call) => call.callId).sort()).toEqual(invalidCallIds())

    const state = sandbox.intercomEmulator.state()
    const catchAll = (state.contacts as StateContact[]).filter((contact) => contact.external_id === CATCH_ALL)
    expect(catchAll).toHaveLength(1)
    const catchAllId = catchAll[0]!.id
    expect(catchAll[0]!.role).toBe('user')
    expect(new Set(counts.invalidNumbers.map((call) => call.loggedOn))).toEqual(new Set([catchAllId]))
    const onCatchAll = (state.conversations as StateConversation[]).filter((conversation) =>
      conversation.contacts.contacts.some((contact) => contact.id === catchAllId),
    )
    expect(onCatchAll).toHaveLength(invalidCallIds().length)
    // The note carries the number as Aircall sent it: the catch-all contact says nothing of who called.
    const numbersNoted = new Set(
      counts.invalidNumbers.filter((call) => JSON.stringify(onCatchAll).includes(call.number)).map((c) => c.number),
    )
    expect(numbersNoted).toEqual(new Set(counts.invalidNumbers.map((call) => call.number)))

    // A new state file finds the same contact by its external_id and the calls already logged on it.
    const second = tempDir()
    writeFileSync(join(second, 'aircall-intercom.yml'), config)
    const again = await runCli(['backfill', '--since', '6d', '--json'], { cwd: second, env })
    expect(again.code, again.stderr).toBe(0)
    const after = sandbox.intercomEmulator.state()
    expect((after.contacts as StateContact[]).filter((contact) => contact.external_id === CATCH_ALL)).toHaveLength(1)
    expect((JSON.parse(again.stdout) as BackfillDocument).result.counts.logged).toBe(0)
  }, 120_000)
})
