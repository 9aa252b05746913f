/**
 * Shared API budgets as a deployment meets them: two `listen` replicas and a `sync`, three processes of the built
 * CLI on one PostgreSQL store, against an Intercom emulator that enforces the app's budget in its ten-second
 * windows. Each process alone would spend the whole budget; together they stay under it.
 */
import { describe, expect, test } from 'vitest'
import { aircallFixture } from '../../src/listener/fixtures.js'
import { normalisePhone } from '../../src/phone/index.js'
import { freshDatabase } from '../helpers/postgres.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { queueSettled, useListenerCleanup } from '../listener/harness.js'

const tempDir = useTempDir()
const cleanup = useListenerCleanup()

/** 500 requests per ten-second window: well below what three processes on loopback could send. */
const PER_MINUTE = 3_000
const EVENTS = 600

describe('two listen replicas and a sync share the Intercom budget through the store', () => {
  test('0.5% or fewer of the requests are refused with 429', async () => {
    const database = await freshDatabase('shared_budget_cli')
    const harness = await cleanup.startHarness(
      tempDir(),
      {
        listener: { workerConcurrency: 16, metrics: true },
        intercom: { rateLimitPerMinute: PER_MINUTE, concurrency: 16 },
        matching: { defaultCountry: 'FR' },
      },
      { calls: 150, days: 1, intercom: { rateLimitPerMinute: PER_MINUTE } },
    )
    harness.env.AIRCALL_INTERCOM_STATE = database.passwordUrl
    const token = harness.sandbox.aircall.webhookToken
    const callers = harness.sandbox.world.truth.knownCallers
      .filter((phone) => normalisePhone(phone, 'FR').kind === 'valid')
      .slice(0, 25)

    const replicas = [cleanup.spawnListen(harness), cleanup.spawnListen(harness)]
    const urls = await Promise.all(replicas.map((replica) => replica.url))
    const intercomUrl = harness.sandbox.intercom.url
    const requestCounts = async (): Promise<{ total: number; rateLimited: number }> =>
      (await (await fetch(`${intercomUrl}/_emulator/requests`)).json()) as { total: number; rateLimited: number }
    const before = await requestCounts()

    const sync = runCli(['sync', '--lookback', '1d', '--json'], { env: harness.env, timeoutMs: 180_000 })
    const pending = Array.from({ length: EVENTS }, (_, i) => i)
    let sent = 0
    const sender = async (): Promise<void> => {
      for (let i = pending.shift(); i !== undefined; i = pending.shift()) {
        const fixture = aircallFixture('call.ended', token, {
          callId: 8_000_000 + i,
          rawDigits: callers[i % callers.length],
          timestamp: 1_795_000_000 + i,
        })
        const response = await fetch(`${urls[sent++ % urls.length]}/aircall`, {
          method: 'POST',
          body: JSON.stringify(fixture),
          headers: { 'content-type': 'application/json' },
        })
        await response.arrayBuffer()
        expect(response.status).toBe(200)
      }
    }
    await Promise.all(Array.from({ length: 8 }, sender))
    for (const url of urls) await queueSettled(url, 150_000)
    const synced = await sync
    expect(synced.code, synced.stdout + synced.stderr).toBe(0)

    const after = await requestCounts()
    const counts = { total: after.total - before.total, rateLimited: after.rateLimited - before.rateLimited }
    // Enough traffic that one process's own gate would have spent the whole budget of several windows.
    expect(counts.total).toBeGreaterThan(PER_MINUTE / 6)
    expect(counts.rateLimited / counts.total).toBeLessThanOrEqual(0.005)
    // Each replica drew on the shared budget, and never had to go on without it.
    for (const url of urls) {
      const metrics = await (await fetch(`${url}/metrics`)).text()
      const takes = /^aircall_intercom_shared_budget_takes_total\{api="intercom"\} (\d+)$/m.exec(metrics)?.[1]
      expect(Number(takes)).toBeGreaterThan(0)
      expect(metrics).toMatch(/^aircall_intercom_shared_budget_fallbacks_total\{api="intercom"\} 0$/m)
    }
    for (const replica of replicas) replica.child.kill('SIGTERM')
    for (const replica of replicas) expect(await replica.exited).toBe(0)
  }, 240_000)
})
