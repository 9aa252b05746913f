import { describe, expect, test } from 'vitest'
import { aircallFixture } from '../../src/listener/fixtures.js'
import { normalisePhone } from '../../src/phone/index.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { queueSettled, type Harness, useListenerCleanup } from '../listener/harness.js'
import { AIRCALL_FAULTS, harnessSecrets, loggableCallIds, perCall, SOAK_FAULTS } from './helpers.js'

const tempDir = useTempDir()
const cleanup = useListenerCleanup()

const expectExactlyOnce = (h: Harness, expected: Set<string>): void => {
  const { conversations, notes } = perCall(h)
  expect(new Set(conversations.keys())).toEqual(expected)
  expect([...conversations.values()].every((count) => count === 1)).toBe(true)
  expect(notes.every((count) => count === 1)).toBe(true)
}

describe('fault soak', () => {
  test('backfill under 5xx, resets, latency past the timeout and 429s: every call once, failures replayable', async () => {
    const harness = await cleanup.startHarness(tempDir(), { intercom: { timeoutMs: 250 } }, { calls: 120, seed: 7 })
    harness.sandbox.intercomEmulator.setFaults(SOAK_FAULTS)
    harness.sandbox.aircallEmulator.setFaults(AIRCALL_FAULTS)
    const run = await runCli(['backfill', '--since', '40d', '--concurrency', '8', '--json'], {
      env: harness.env,
      timeoutMs: 120_000,
    })
    expect([0, 3]).toContain(run.code)
    const first = JSON.parse(run.stdout) as { result: { counts: { deadLetters: number }; deadLetterIds: number[] } }
    expect(first.result.deadLetterIds).toHaveLength(first.result.counts.deadLetters)
    const injected = harness.sandbox.intercomEmulator.faults().reduce((sum, fault) => sum + fault.hits, 0)
    expect(injected).toBeGreaterThan(20)

    harness.sandbox.intercomEmulator.clearFaults()
    harness.sandbox.aircallEmulator.clearFaults()
    const replay = await runCli(['events', 'replay', '--all-dead', '--process', '--json'], { env: harness.env })
    expect(replay.code).toBe(0)
    expectExactlyOnce(harness, loggableCallIds(harness))

    // A rerun after the faults changes nothing: everything is already done.
    const again = await runCli(['backfill', '--since', '40d', '--restart', '--json'], { env: harness.env })
    expect(again.code).toBe(0)
    expectExactlyOnce(harness, loggableCallIds(harness))
    for (const output of [run, replay, again]) {
      for (const secret of harnessSecrets(harness)) expect(output.stdout + output.stderr).not.toContain(secret)
    }
  }, 150_000)

  test('listener under the same faults: every acknowledged call once after replaying dead letters', async () => {
    const harness = await cleanup.startHarness(
      tempDir(),
      { intercom: { timeoutMs: 250 }, listener: { workerConcurrency: 8, maxAttempts: 2 } },
      { calls: 20, seed: 8 },
    )
    const token = harness.sandbox.aircall.webhookToken
    const callers = harness.sandbox.world.truth.knownCallers.filter((p) => normalisePhone(p, 'FR').kind === 'valid')
    harness.sandbox.intercomEmulator.setFaults(SOAK_FAULTS)
    const listen = cleanup.spawnListen(harness)
    const url = await listen.url
    const ids = Array.from({ length: 150 }, (_, i) => 7_000_000 + i)
    for (const callId of ids) {
      const body = JSON.stringify(
        aircallFixture('call.ended', token, {
          callId,
          rawDigits: callers[callId % callers.length],
          timestamp: 1_795_100_000 + callId,
        }),
      )
      const response = await fetch(`${url}/aircall`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      })
      expect(response.status).toBe(200)
    }
    await queueSettled(url, 90_000)
    listen.child.kill('SIGTERM')
    expect(await listen.exited).toBe(0)

    harness.sandbox.intercomEmulator.clearFaults()
    const replay = await runCli(['events', 'replay', '--all-dead', '--process', '--json'], { env: harness.env })
    expect(replay.code).toBe(0)
    expectExactlyOnce(harness, new Set(ids.map(String)))
    for (const secret of harnessSecrets(harness))
      expect(listen.stderr() + replay.stdout + replay.stderr).not.toContain(secret)
  }, 150_000)
})
