import { afterEach, describe, expect, test } from 'vitest'
import { aircallFixture } from '../../src/listener/fixtures.js'
import { normalisePhone } from '../../src/phone/index.js'
import { openStateStore } from '../../src/store/sqlite/index.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { intercomState, spawnListen, startHarness, waitFor, type Harness } from '../listener/harness.js'

const tempDir = useTempDir()
let harness: Harness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

interface Envelope<T> {
  ok: boolean
  exitCode: number
  result: T
}
const json = <T>(stdout: string): Envelope<T> => JSON.parse(stdout) as Envelope<T>

describe('events list / show / replay / purge (built CLI)', () => {
  test('a dead-lettered call is listed, shown, replayed with --process into Intercom, then purged', async () => {
    harness = await startHarness(tempDir())
    const { env } = harness
    const caller = harness.sandbox.world.truth.knownCallers.find(
      (phone) => normalisePhone(phone, 'FR').kind === 'valid',
    )!
    const store = openStateStore(harness.statePath)
    const enqueueInto = (into: typeof store, callId: number) =>
      into.queue.enqueue({
        source: 'aircall',
        identity: `aircall:call.ended:${callId}:1795000000`,
        type: 'call.ended',
        subject: `aircall:call:${callId}`,
        payload: JSON.stringify(
          aircallFixture('call.ended', '***', { callId, rawDigits: caller, timestamp: 1_795_000_000 }),
        ),
        receivedAt: Date.now(),
      })
    const dead = enqueueInto(store, 901).id
    const done = enqueueInto(store, 902).id
    store.queue.claim(2, Date.now(), 60_000)
    store.queue.deadLetter(dead, 'ServerError: Intercom answered 503 on POST /conversations')
    store.queue.complete([done])
    store.close()

    const listed = await runCli(['events', 'list', '--status', 'dead', '--json'], { env })
    expect(listed.code).toBe(0)
    expect(
      json<{ events: Array<{ id: number; status: string }>; counts: Record<string, number> }>(listed.stdout).result,
    ).toMatchObject({ events: [{ id: dead, status: 'dead' }], counts: { dead: 1, done: 1 } })

    const shown = await runCli(['events', 'show', String(dead)], { env })
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain('last error:  ServerError: Intercom answered 503')
    expect(shown.stdout).toContain('"id": 901')
    const missing = await runCli(['events', 'show', '4242', '--json'], { env })
    expect(missing.code).toBe(1)

    // An unknown id is an error, as with `events show`, and nothing is requeued.
    const typo = await runCli(['events', 'replay', String(dead), '4242', '--process', '--json'], { env })
    expect(typo.code).toBe(1)
    expect(typo.stdout).toContain('no event #4242')
    const stillDead = await runCli(['events', 'list', '--status', 'dead', '--json'], { env })
    expect(json<{ events: unknown[] }>(stillDead.stdout).result.events).toHaveLength(1)

    const replayed = await runCli(['events', 'replay', String(dead), '--process', '--json'], { env })
    expect(replayed.code).toBe(0)
    expect(json(replayed.stdout).result).toEqual({
      requeued: [dead],
      skipped: [],
      processed: { done: [dead], dead: [] },
      listenerRunning: false,
    })
    const logged = intercomState(harness).conversations.filter(
      (conversation) => (conversation.custom_attributes as Record<string, unknown>).aircall_call_id === '901',
    )
    expect(logged).toHaveLength(1)

    const refused = await runCli(['events', 'purge', '--status', 'done'], { env })
    expect(refused.code).toBe(2)
    const recent = await runCli(['events', 'purge', '--status', 'done', '--older-than', '7d', '--yes', '--json'], {
      env,
    })
    expect(json<{ purged: number }>(recent.stdout).result.purged).toBe(0)
    const purged = await runCli(['events', 'purge', '--status', 'done', '--status', 'dead', '--yes', '--json'], { env })
    expect(json(purged.stdout)).toMatchObject({ ok: true, result: { purged: 2, statuses: ['done', 'dead'] } })
    const empty = await runCli(['events', 'list', '--json'], { env })
    expect(json<{ events: unknown[] }>(empty.stdout).result.events).toEqual([])

    // A redelivery of a purged event is still a duplicate: it is neither stored nor processed again.
    const after = openStateStore(harness.statePath)
    expect(enqueueInto(after, 901)).toEqual({ id: 0, duplicate: true })
    expect(after.queue.list()).toEqual([])
    after.close()
  }, 90_000)

  test('replay --process while a listener runs requeues, says the listener processes them, and it does', async () => {
    harness = await startHarness(tempDir())
    const { env } = harness
    const caller = harness.sandbox.world.truth.knownCallers.find(
      (phone) => normalisePhone(phone, 'FR').kind === 'valid',
    )!
    const store = openStateStore(harness.statePath)
    const { id } = store.queue.enqueue({
      source: 'aircall',
      identity: 'aircall:call.ended:911',
      type: 'call.ended',
      subject: 'aircall:call:911',
      payload: JSON.stringify(aircallFixture('call.ended', '***', { callId: 911, rawDigits: caller })),
      receivedAt: Date.now(),
    })
    store.queue.claim(1, Date.now(), 60_000)
    store.queue.deadLetter(id, 'ServerError: 503')
    store.close()

    const listener = spawnListen(harness)
    try {
      await listener.url
      const replay = await runCli(['events', 'replay', '--all-dead', '--process', '--json'], { env })
      expect(replay.code).toBe(0)
      expect(json(replay.stdout).result).toMatchObject({ requeued: [id], processed: null, listenerRunning: true })
      await waitFor(
        () =>
          intercomState(harness!).conversations.some(
            (c) => (c.custom_attributes as Record<string, unknown>).aircall_call_id === '911',
          ),
        'the running listener to log the replayed call',
      )
    } finally {
      listener.child.kill('SIGTERM')
      await listener.exited
    }
  }, 90_000)
})
