/**
 * Replicas of `listen` on one PostgreSQL store, as the built CLI runs them: webhooks sent round-robin to three
 * processes, one of them SIGKILLed twice during the burst and started again. Every acknowledged call is logged
 * exactly once: the intake's durable insert keyed by the event's identity, claims that skip each other's rows,
 * leases a dead replica leaves to lapse, and the ledger's claims across processes.
 */
import { describe, expect, test } from 'vitest'
import { aircallFixture } from '../../src/listener/fixtures.js'
import { normalisePhone } from '../../src/phone/index.js'
import { openPostgresStore } from '../../src/store/postgres/index.js'
import { freshDatabase, postgresServer } from '../helpers/postgres.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { intercomState, queueSettled, useListenerCleanup, waitFor, type ListenChild } from '../listener/harness.js'

const tempDir = useTempDir()
const cleanup = useListenerCleanup()

const EVENTS = 3000
const FIRST_CALL_ID = 7_000_000
const REPLICAS = 3

describe('listen replicas on one PostgreSQL store', () => {
  test(`${EVENTS} call.ended events round-robin to ${REPLICAS} replicas, one SIGKILLed twice: every acknowledged call logged once`, async () => {
    const database = await freshDatabase('replicas')
    const harness = await cleanup.startHarness(tempDir(), {
      // A dead replica's events are taken by the others once their lease lapses.
      listener: { workerConcurrency: 8, leaseSeconds: 5 },
      intercom: { concurrency: 16 },
    })
    harness.env.AIRCALL_INTERCOM_STATE = database.passwordUrl
    const token = harness.sandbox.aircall.webhookToken
    const callers = harness.sandbox.world.truth.knownCallers
      .filter((phone) => normalisePhone(phone, 'FR').kind === 'valid')
      .slice(0, 25)
    const bodies: string[] = []
    for (let i = 0; i < EVENTS; i++) {
      const fixture = aircallFixture('call.ended', token, {
        callId: FIRST_CALL_ID + i,
        rawDigits: callers[i % callers.length],
        timestamp: 1_795_000_000 + i,
      })
      bodies.push(JSON.stringify(fixture))
    }

    const replicas: ListenChild[] = []
    const urls: Array<string | undefined> = []
    for (let i = 0; i < REPLICAS; i++) {
      const replica = cleanup.spawnListen(harness)
      replicas.push(replica)
      urls.push(await replica.url)
    }
    // Replica 0 is killed at a third and at two thirds of the burst, and started again each time on a new port.
    const kills = [EVENTS / 3, (2 * EVENTS) / 3]
    const restarting: Array<Promise<void>> = []
    const acked = new Set<number>()
    let sent = 0
    const pending = bodies.map((_, i) => i)
    const sender = async (): Promise<void> => {
      for (let i = pending.shift(); i !== undefined; i = pending.shift()) {
        const replicaIndex = sent++ % REPLICAS
        const url = urls[replicaIndex]
        try {
          if (url === undefined) throw new Error('replica restarting')
          const response = await fetch(`${url}/aircall`, {
            method: 'POST',
            body: bodies[i],
            headers: { 'content-type': 'application/json' },
          })
          await response.arrayBuffer()
          if (response.ok) acked.add(i)
          else pending.push(i)
        } catch {
          // That replica is dead or restarting: the sender delivers the event again, as Aircall retries.
          pending.push(i)
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
        // Only a replica that is up is killed: one still starting would die before it listened.
        if (kills[0] !== undefined && acked.size >= kills[0] && urls[0] !== undefined) {
          kills.shift()
          const victim = replicas[0]!
          urls[0] = undefined
          victim.child.kill('SIGKILL')
          restarting.push(
            victim.exited.then(async () => {
              const next = cleanup.spawnListen(harness)
              replicas[0] = next
              urls[0] = await next.url
            }),
          )
        }
      }
    }
    await Promise.all(Array.from({ length: 24 }, sender))
    await Promise.all(restarting)
    expect(kills).toEqual([])
    expect(acked.size).toBe(EVENTS)

    for (const url of urls) await queueSettled(url!, 120_000)
    const byCall = new Map<string, number>()
    const notesPerConversation: number[] = []
    await waitFor(
      () => {
        byCall.clear()
        notesPerConversation.length = 0
        for (const conversation of intercomState(harness).conversations) {
          const callId = (conversation.custom_attributes as Record<string, unknown> | undefined)?.aircall_call_id
          if (typeof callId !== 'string') continue
          byCall.set(callId, (byCall.get(callId) ?? 0) + 1)
          const parts = (conversation.conversation_parts as { conversation_parts: Array<{ part_type: string }> })
            .conversation_parts
          notesPerConversation.push(parts.filter((part) => part.part_type === 'note').length)
        }
        return byCall.size >= EVENTS
      },
      'every call to be logged',
      60_000,
    )
    expect(byCall.size).toBe(EVENTS)
    expect([...byCall.values()].every((count) => count === 1)).toBe(true)
    expect(notesPerConversation.every((count) => count === 1)).toBe(true)

    const store = await openPostgresStore(database.passwordUrl)
    try {
      const counts = await store.counts()
      expect(counts.events).toEqual({ queued: 0, processing: 0, done: EVENTS, dead: 0 })
    } finally {
      await store.close()
    }
    for (const replica of replicas) replica.child.kill('SIGTERM')
    for (const replica of replicas) expect(await replica.exited).toBe(0)
    // The password is the driver's only: no replica printed it.
    for (const replica of replicas) expect(replica.stdout() + replica.stderr()).not.toContain(postgresServer().password)
  }, 240_000)
})
