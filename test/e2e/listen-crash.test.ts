import { describe, expect, test } from 'vitest'
import { aircallFixture } from '../../src/listener/fixtures.js'
import { normalisePhone } from '../../src/phone/index.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { intercomState, queueSettled, waitFor, useListenerCleanup } from '../listener/harness.js'

const tempDir = useTempDir()
const cleanup = useListenerCleanup()

const EVENTS = 2000
const FIRST_CALL_ID = 5_000_000

/** Posts every body with bounded concurrency; resolves with the call ids the listener acknowledged (2xx). */
const burst = async (
  url: string,
  bodies: Map<number, string>,
  concurrency: number,
  onAck?: (acked: number) => void,
) => {
  const acked = new Set<number>()
  const queue = [...bodies.keys()]
  const sender = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        const response = await fetch(`${url}/aircall`, {
          method: 'POST',
          body: bodies.get(id),
          headers: { 'content-type': 'application/json' },
        })
        await response.arrayBuffer()
        if (response.ok) {
          acked.add(id)
          onAck?.(acked.size)
        }
      } catch {
        // The listener died mid-request: not acknowledged, so the sender will deliver it again.
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, sender))
  return acked
}

describe('listen survives SIGKILL during a burst', () => {
  test(`${EVENTS} call.ended events, killed mid-burst and restarted: every acknowledged call logged exactly once`, async () => {
    const harness = await cleanup.startHarness(tempDir(), {
      listener: { workerConcurrency: 16 },
      intercom: { concurrency: 32 },
    })
    const token = harness.sandbox.aircall.webhookToken
    // Callers the resolver can read with the fixture line's country (FR), so every call is logged.
    const callers = harness.sandbox.world.truth.knownCallers
      .filter((phone) => normalisePhone(phone, 'FR').kind === 'valid')
      .slice(0, 25)
    const bodies = new Map<number, string>()
    for (let i = 0; i < EVENTS; i++) {
      const callId = FIRST_CALL_ID + i
      const fixture = aircallFixture('call.ended', token, {
        callId,
        rawDigits: callers[i % callers.length],
        timestamp: 1_795_000_000 + i,
      })
      bodies.set(callId, JSON.stringify(fixture))
    }

    const first = cleanup.spawnListen(harness)
    const firstUrl = await first.url
    let killed = false
    const acked = await burst(firstUrl, bodies, 24, (count) => {
      if (count >= EVENTS / 3 && !killed) {
        killed = true
        first.child.kill('SIGKILL')
      }
    })
    await first.exited
    expect(killed).toBe(true)
    expect(acked.size).toBeLessThan(EVENTS)

    // The senders redeliver what was not acknowledged, as Aircall retries; acknowledged ones may come again too.
    const second = cleanup.spawnListen(harness)
    const secondUrl = await second.url
    expect(second.lines[0]).toMatchObject({ type: 'listening' })
    const unacked = new Map([...bodies].filter(([id]) => !acked.has(id)))
    const redelivered = [...acked].slice(0, 50)
    for (const id of redelivered) unacked.set(id, bodies.get(id)!)
    const ackedLater = await burst(secondUrl, unacked, 24)
    expect(ackedLater.size).toBe(unacked.size)
    await queueSettled(secondUrl, 90_000)
    await waitFor(() => second.lines.some((line) => line.type === 'processed'), 'processing after the restart')

    const byCall = new Map<string, number>()
    const notesPerConversation: number[] = []
    for (const conversation of intercomState(harness).conversations) {
      const callId = (conversation.custom_attributes as Record<string, unknown> | undefined)?.aircall_call_id
      if (typeof callId !== 'string') continue
      byCall.set(callId, (byCall.get(callId) ?? 0) + 1)
      const parts = (conversation.conversation_parts as { conversation_parts: Array<{ part_type: string }> })
        .conversation_parts
      notesPerConversation.push(parts.filter((part) => part.part_type === 'note').length)
    }
    // Every call the listener ever acknowledged has exactly one conversation with exactly one note.
    expect(byCall.size).toBe(EVENTS)
    expect([...byCall.values()].every((count) => count === 1)).toBe(true)
    expect(notesPerConversation.every((count) => count === 1)).toBe(true)

    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)
    const summary = JSON.parse(second.stdout()) as { result: { deadLettered: number; duplicates: number } }
    expect(summary.result.deadLettered).toBe(0)
    expect(summary.result.duplicates).toBeGreaterThanOrEqual(redelivered.length)
  }, 180_000)
})
