import { spawn } from 'node:child_process'
import { describe, expect, test } from 'vitest'
import { aircallFixture } from '../../src/listener/fixtures.js'
import { normalisePhone } from '../../src/phone/index.js'
import { CLI, REPO_ROOT, runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { intercomState, queueSettled, waitFor, type Harness, useListenerCleanup } from '../listener/harness.js'
import { AIRCALL_FAULTS, loggableCallIds, perCall, SOAK_FAULTS } from './helpers.js'

const tempDir = useTempDir()
const cleanup = useListenerCleanup()

/** A small seeded generator, so a failing kill schedule can be replayed exactly. */
const seeded = (seed: number) => {
  let state = seed >>> 0
  return (min: number, max: number): number => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    return min + (state % (max - min + 1))
  }
}

const conversationCount = (h: Harness): number => intercomState(h).conversations.length

const expectExactlyOnce = (h: Harness, expected: Set<string>): void => {
  const { conversations, notes } = perCall(h)
  expect(new Set(conversations.keys())).toEqual(expected)
  expect([...conversations.values()].every((count) => count === 1)).toBe(true)
  expect(notes.every((count) => count === 1)).toBe(true)
}

describe('SIGKILL at seeded points, under faults', () => {
  test('backfill killed three times mid-run, then resumed: every call once', async () => {
    const harness = await cleanup.startHarness(tempDir(), { intercom: { timeoutMs: 250 } }, { calls: 150, seed: 11 })
    const h = harness
    h.sandbox.intercomEmulator.setFaults(SOAK_FAULTS)
    h.sandbox.aircallEmulator.setFaults(AIRCALL_FAULTS)
    const next = seeded(2026)
    let killed = 0
    for (let round = 0; round < 3; round++) {
      const target = conversationCount(h) + next(5, 30)
      const child = spawn(process.execPath, [CLI, 'backfill', '--since', '40d', '--concurrency', '8', '--json'], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...h.env },
        stdio: 'ignore',
      })
      const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
      let done = false
      void exited.then(() => (done = true))
      await waitFor(() => done || conversationCount(h) >= target, 'progress before the kill', 60_000)
      if (!done) {
        child.kill('SIGKILL')
        killed++
      }
      await exited
    }
    expect(killed).toBeGreaterThan(0)

    h.sandbox.intercomEmulator.clearFaults()
    h.sandbox.aircallEmulator.clearFaults()
    const resume = await runCli(['backfill', '--since', '40d', '--json'], { env: h.env, timeoutMs: 90_000 })
    expect([0, 3]).toContain(resume.code)
    const replay = await runCli(['events', 'replay', '--all-dead', '--process', '--json'], { env: h.env })
    expect(replay.code).toBe(0)
    expectExactlyOnce(h, loggableCallIds(h))
  }, 170_000)

  test('listener killed three times mid-burst under faults, restarted, redelivered: every call once', async () => {
    const harness = await cleanup.startHarness(
      tempDir(),
      { intercom: { timeoutMs: 250 }, listener: { workerConcurrency: 8, maxAttempts: 3 } },
      { calls: 20, seed: 12 },
    )
    const h = harness
    h.sandbox.intercomEmulator.setFaults(SOAK_FAULTS)
    const token = h.sandbox.aircall.webhookToken
    const callers = h.sandbox.world.truth.knownCallers.filter((p) => normalisePhone(p, 'FR').kind === 'valid')
    const bodies = new Map<number, string>()
    for (let i = 0; i < 200; i++) {
      const callId = 8_000_000 + i
      bodies.set(
        callId,
        JSON.stringify(
          aircallFixture('call.ended', token, {
            callId,
            rawDigits: callers[i % callers.length],
            timestamp: 1_795_200_000 + i,
          }),
        ),
      )
    }
    const post = async (url: string, id: number): Promise<boolean> => {
      try {
        const response = await fetch(`${url}/aircall`, {
          method: 'POST',
          body: bodies.get(id),
          headers: { 'content-type': 'application/json' },
        })
        await response.arrayBuffer()
        return response.ok
      } catch {
        return false
      }
    }
    // Three lives, each SIGKILLed at a seeded number of acknowledgements while its worker is mid-queue. Each new
    // life first gets what the last one did not acknowledge, as a sender retrying would, then new calls.
    const next = seeded(7)
    const acked = new Set<number>()
    for (let life = 0; life < 3; life++) {
      const listener = cleanup.spawnListen(h)
      const url = await listener.url
      const killAt = acked.size + next(25, 60)
      for (const id of bodies.keys()) {
        if (acked.has(id)) continue
        if (acked.size === killAt) break
        if (await post(url, id)) acked.add(id)
      }
      listener.child.kill('SIGKILL')
      await listener.exited
      expect(acked.size).toBe(killAt)
    }

    const last = cleanup.spawnListen(h)
    const lastUrl = await last.url
    // The sender retries what was not acknowledged, and a few acknowledged ones again (at-least-once delivery).
    for (const id of bodies.keys()) {
      if (!acked.has(id) || id % 10 === 0) expect(await post(lastUrl, id)).toBe(true)
    }
    await queueSettled(lastUrl, 90_000)
    last.child.kill('SIGTERM')
    expect(await last.exited).toBe(0)
    h.sandbox.intercomEmulator.clearFaults()
    const replay = await runCli(['events', 'replay', '--all-dead', '--process', '--json'], { env: h.env })
    expect(replay.code).toBe(0)
    expectExactlyOnce(h, new Set([...bodies.keys()].map(String)))
  }, 150_000)
})
