/**
 * A slow event on one replica is not taken by another: the worker processing it renews its lease while it lives,
 * so a lease far shorter than the event (5 s against 9 s of Intercom latency) frees only a dead replica's events.
 */
import { describe, expect, test } from 'vitest'
import { aircallFixture } from '../../src/listener/fixtures.js'
import { normalisePhone } from '../../src/phone/index.js'
import { openPostgresStore } from '../../src/store/postgres/index.js'
import { freshDatabase } from '../helpers/postgres.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { intercomState, queueSettled, useListenerCleanup } from '../listener/harness.js'

const tempDir = useTempDir()
const cleanup = useListenerCleanup()

describe('listen replicas on one PostgreSQL store', () => {
  test('an event slower than its lease stays with the replica processing it: handled once, one note', async () => {
    const database = await freshDatabase('lease_renewal')
    const harness = await cleanup.startHarness(tempDir(), { listener: { leaseSeconds: 5 } })
    harness.env.AIRCALL_INTERCOM_STATE = database.passwordUrl
    const slow = await fetch(`${harness.sandbox.intercom.url}/_emulator/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ match: 'POST /conversations/', kind: 'latency', latencyMs: 9_000, nth: [1] }]),
    })
    expect(slow.status).toBe(200)
    const replicas = [cleanup.spawnListen(harness), cleanup.spawnListen(harness)]
    const [first, second] = await Promise.all(replicas.map((replica) => replica.url))
    const caller = harness.sandbox.world.truth.knownCallers.find(
      (phone) => normalisePhone(phone, 'FR').kind === 'valid',
    )
    const callId = 7_500_001
    const fixture = aircallFixture('call.ended', harness.sandbox.aircall.webhookToken, { callId, rawDigits: caller })
    const response = await fetch(`${first}/aircall`, {
      method: 'POST',
      body: JSON.stringify(fixture),
      headers: { 'content-type': 'application/json' },
    })
    expect(response.status).toBe(200)
    await queueSettled(first!, 40_000)
    await queueSettled(second!, 5_000)

    const store = await openPostgresStore(database.passwordUrl)
    try {
      const events = await store.queue.list()
      expect(events).toHaveLength(1)
      expect(events[0]).toMatchObject({ status: 'done', attempts: 1 })
    } finally {
      await store.close()
    }
    const faults = (await (await fetch(`${harness.sandbox.intercom.url}/_emulator/faults`)).json()) as Array<{
      hits: number
    }>
    expect(faults[0]?.hits).toBe(1)
    const conversations = intercomState(harness).conversations.filter(
      (conversation) =>
        (conversation.custom_attributes as Record<string, unknown> | undefined)?.aircall_call_id === String(callId),
    )
    expect(conversations).toHaveLength(1)
    const parts = (conversations[0]?.conversation_parts as { conversation_parts: Array<{ part_type: string }> })
      .conversation_parts
    expect(parts.filter((part) => part.part_type === 'note')).toHaveLength(1)
    // status names both replicas working on the store, from their presence locks.
    const status = await runCli(['status', '--json'], { env: harness.env })
    expect(status.code, status.stderr).toBe(0)
    const running = (JSON.parse(status.stdout) as { result: { running: Array<{ command: string; pid: number }> } })
      .result.running
    expect(running.map((process) => [process.command, process.pid]).sort()).toEqual(
      replicas.map((replica) => ['listen', replica.child.pid]).sort(),
    )
    expect((await runCli(['status'], { env: harness.env })).stdout).toContain('Listeners: 2 running (pid ')
    const doctor = await runCli(['doctor', '--json'], { env: harness.env })
    const checks = (JSON.parse(doctor.stdout) as { result: { checks: Array<{ id: string; detail: string }> } }).result
      .checks
    expect(checks.find((check) => check.id === 'store:processes')?.detail).toMatch(
      /^2 listener\(s\) running \(pid \d+ on .+, pid \d+ on .+\); no sync running$/,
    )
    const processed = replicas.map((replica) => replica.lines.filter((line) => line.type === 'processed').length)
    expect(processed.reduce((sum, n) => sum + n, 0)).toBe(1)
  }, 90_000)
})
