import { hostname } from 'node:os'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, test } from 'vitest'

import { AircallClient } from '../../src/aircall/client.js'
import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import { openStateStore } from '../../src/store/sqlite/index.js'
import { loggedPerCall } from '../helpers/world-process.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { sandboxEnv } from './sandbox-env.js'

const tempDir = useTempDir()

interface SyncEnvelope {
  exitCode: number
  result: { firstRun: boolean; counts: { read: number; logged: number; updated: number; alreadyDone: number } }
}

describe('sync for cron', () => {
  let sandbox: SandboxHandle
  beforeAll(async () => {
    const intercom = { rateLimitPerMinute: 0, contract: 'off' as const, formattedPhoneDefaultCountry: 'FR' }
    sandbox = await startSandbox({ calls: 300, days: 10, seed: 5, aircall: { rateLimitPerMinute: 0 }, intercom })
  })
  afterAll(async () => {
    await sandbox.close()
  })

  test('an overlapping run exits 1 at once; a run logs the last 24 h; a rewritten call gets a short "updated" note', async () => {
    const cwd = tempDir()
    writeFileSync(join(cwd, 'aircall-intercom.yml'), JSON.stringify({ matching: { defaultCountry: 'FR' } }))
    const env = sandboxEnv(sandbox, { INTERCOM_ADMIN_ID: sandbox.intercom.adminId })

    const store = openStateStore(join(cwd, 'aircall-intercom.sqlite'))
    // A live holder (this test's own process): a dead one on this host would be taken over at once.
    const owner = JSON.stringify({ pid: process.pid, host: hostname(), startedAt: Date.now() })
    expect(store.locks.acquire('sync', owner, Date.now(), 60_000)).toBe(true)
    const locked = await runCli(['sync'], { cwd, env })
    expect(locked.code).toBe(1)
    expect(locked.stderr).toContain(`another sync is running (pid ${process.pid}`)
    store.locks.release('sync', owner)
    store.close()

    const dayAgo = Math.floor(Date.now() / 1000) - 86_400
    const recent = sandbox.world.aircall.calls.filter((call) => call.startedAt > dayAgo + 60)
    const first = await runCli(['sync', '--json'], { cwd, env })
    expect(first.code).toBe(0)
    const run = JSON.parse(first.stdout) as SyncEnvelope
    expect(run.result.firstRun).toBe(true)
    expect(run.result.counts.read).toBeGreaterThanOrEqual(recent.length)
    expect(run.result.counts.logged).toBeGreaterThan(0)

    const logged = await loggedPerCall(sandbox.intercom.url)
    const target = recent.find((call) => logged.conversations.get(String(call.id)) === 1)
    expect(target).toBeDefined()
    const aircall = new AircallClient({
      credentials: { apiId: sandbox.aircall.apiId, apiToken: sandbox.aircall.apiToken },
      baseUrl: sandbox.aircall.url,
    })
    await aircall.calls.addComment(target?.id ?? 0, 'Customer called back about the refund')

    const second = await runCli(['sync', '--lookback', '1d'], { cwd, env })
    expect(second.code).toBe(0)
    expect(second.stdout).toMatch(
      /^sync .* 1 updated, \d+ already done, \d+ skipped( \(\d+ from invalid numbers\))?, 0 dead letters in .*\n$/,
    )

    const state = (await (await fetch(`${sandbox.intercom.url}/_emulator/state`)).json()) as {
      conversations: Array<{
        source?: { body?: string }
        conversation_parts?: { conversation_parts?: Array<{ body?: string | null }> }
      }>
    }
    const conversation = state.conversations.find((c) => c.source?.body?.includes(`aircall-call-id:${target?.id}`))
    const bodies = (conversation?.conversation_parts?.conversation_parts ?? []).map((part) => part.body ?? '')
    expect(bodies.filter((body) => body.includes('Call updated'))).toHaveLength(1)
    expect(bodies.find((body) => body.includes('Call updated'))).toContain(
      'New agent note: Customer called back about the refund',
    )
    expect((await loggedPerCall(sandbox.intercom.url)).notes.get(String(target?.id))).toBe(1)

    const status = await runCli(['status'], { cwd, env })
    expect(status.stdout).toContain('Last sync:')
  }, 60_000)
})
