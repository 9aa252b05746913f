/**
 * The database drops every connection of the store (a failover, a restart, an operator's pg_terminate_backend)
 * while a `listen` replica takes a burst of webhooks: the replica stays up, what it could not commit it answers
 * 503 (the sender delivers it again), and every acknowledged call is logged once.
 */
import pg from 'pg'
import { describe, expect, test } from 'vitest'
import { aircallFixture } from '../../src/listener/fixtures.js'
import { normalisePhone } from '../../src/phone/index.js'
import { freshDatabase } from '../helpers/postgres.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { intercomState, queueSettled, useListenerCleanup, waitFor } from '../listener/harness.js'

const tempDir = useTempDir()
const cleanup = useListenerCleanup()

const EVENTS = 600
const FIRST_CALL_ID = 7_700_000

describe('a listen replica when the database drops its connections', () => {
  test(`${EVENTS} call.ended events, every connection terminated three times: the replica stays up, each acknowledged call logged once`, async () => {
    const database = await freshDatabase('connection_loss')
    const harness = await cleanup.startHarness(tempDir(), { listener: { workerConcurrency: 8, leaseSeconds: 5 } })
    harness.env.AIRCALL_INTERCOM_STATE = database.passwordUrl
    const token = harness.sandbox.aircall.webhookToken
    const callers = harness.sandbox.world.truth.knownCallers
      .filter((phone) => normalisePhone(phone, 'FR').kind === 'valid')
      .slice(0, 25)
    const replica = cleanup.spawnListen(harness)
    const url = await replica.url
    const admin = new pg.Client({ connectionString: database.url })
    await admin.connect()
    const terminate = async (): Promise<number> => {
      const { rowCount } = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      )
      return rowCount ?? 0
    }
    const cuts = [EVENTS / 4, EVENTS / 2, (3 * EVENTS) / 4]
    const terminated: number[] = []
    const acked = new Set<number>()
    const refusals: number[] = []
    const pending = Array.from({ length: EVENTS }, (_, i) => i)
    const sender = async (): Promise<void> => {
      for (let i = pending.shift(); i !== undefined; i = pending.shift()) {
        const fixture = aircallFixture('call.ended', token, {
          callId: FIRST_CALL_ID + i,
          rawDigits: callers[i % callers.length],
          timestamp: 1_795_000_000 + i,
        })
        const response = await fetch(`${url}/aircall`, {
          method: 'POST',
          body: JSON.stringify(fixture),
          headers: { 'content-type': 'application/json' },
        })
        await response.arrayBuffer()
        if (response.ok) acked.add(i)
        else {
          refusals.push(response.status)
          pending.push(i)
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
        if (cuts[0] !== undefined && acked.size >= cuts[0]) {
          cuts.shift()
          terminated.push(await terminate())
        }
      }
    }
    try {
      await Promise.all(Array.from({ length: 8 }, sender))
      expect(terminated).toHaveLength(3)
      expect(terminated.every((count) => count > 0)).toBe(true)
      expect(acked.size).toBe(EVENTS)
      expect(replica.child.exitCode).toBeNull()
      await queueSettled(url, 120_000)
      const byCall = new Map<string, number>()
      await waitFor(
        () => {
          byCall.clear()
          for (const conversation of intercomState(harness).conversations) {
            const callId = (conversation.custom_attributes as Record<string, unknown> | undefined)?.aircall_call_id
            if (typeof callId === 'string') byCall.set(callId, (byCall.get(callId) ?? 0) + 1)
          }
          return byCall.size >= EVENTS
        },
        'every call to be logged',
        60_000,
      )
      expect([...byCall.values()].every((count) => count === 1)).toBe(true)
      // What could not be committed was answered 503, the answer Aircall delivers again.
      expect(refusals.filter((status) => status !== 503)).toEqual([])
    } finally {
      await admin.end()
    }
    replica.child.kill('SIGTERM')
    expect(await replica.exited).toBe(0)
  }, 180_000)
})
