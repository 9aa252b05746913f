/**
 * "Exactly once, everywhere", as a user sees it through the built CLI against both emulators: two backfills at
 * once on one state file, a rerun from another folder with a new state file, a rerun on the same store, a CSV
 * export written again with new calls at the top, and history dead letters replayed with the missed-call rule on.
 * Every check counts what the Intercom emulator holds per call: one conversation and one note, nothing twice.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, test } from 'vitest'

import { aircallFixture } from '../../src/listener/fixtures.js'
import { normalisePhone } from '../../src/phone/index.js'
import { openStateStore } from '../../src/store/sqlite/index.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { type Harness, intercomState, useListenerCleanup } from '../listener/harness.js'
import { loggableCallIds } from '../reliability/helpers.js'

const tempDir = useTempDir()
const cleanup = useListenerCleanup()

interface Counts {
  read: number
  logged: number
  updated: number
  alreadyDone: number
  deadLetters: number
  skipped: Record<string, number>
}

interface BackfillDocument {
  ok: boolean
  exitCode: number
  result: {
    counts: Counts
    requests: { aircall: { requests: number }; intercom: { requests: number } }
    read: Array<{ since: string; until: string }>
    prePass: { requests: number; adopted: number }
    deadLetterIds: number[]
  }
}

interface EventsDocument {
  result: {
    events: Array<{ id: number; kind: string; origin: string; status: string; type: string; subject: string | null }>
    counts: Record<string, number>
  }
}

interface ReplayDocument {
  ok: boolean
  result: { requeued: number[]; processed: { done: number[]; dead: Array<{ id: number; error: string | null }> } }
}

/** Exactly one JSON document on stdout, as --json promises. */
const document = <T>(stdout: string): T => {
  const lines = stdout.trim().split('\n')
  expect(lines).toHaveLength(1)
  return JSON.parse(lines[0] ?? '') as T
}

interface StateConversation {
  custom_attributes?: Record<string, unknown> | null
  source?: { body?: string | null; delivered_as?: string | null } | null
  conversation_parts?: { conversation_parts?: Array<{ part_type?: string; body?: string | null }> } | null
}

interface Logged {
  /** Call id → conversations carrying it (by the call-id attribute or the marker of the first message). */
  conversations: Map<string, number>
  /** Call id → notes carrying its marker ("Call updated" notes aside). */
  notes: Map<string, number>
  /** Conversations carrying a call marker but not the call-id attribute. */
  unattributed: number
  total: number
}

const MARKER = /aircall-call-id:([0-9A-Za-z_-]+)/

/** What Intercom holds per call, read from the emulator: a duplicate shows whether or not it got its attribute. */
const logged = (h: Harness): Logged => {
  const conversations = new Map<string, number>()
  const notes = new Map<string, number>()
  let unattributed = 0
  const all = intercomState(h).conversations as StateConversation[]
  for (const conversation of all) {
    const attribute = conversation.custom_attributes?.aircall_call_id
    const marked = MARKER.exec(conversation.source?.body ?? '')?.[1]
    const callId = typeof attribute === 'string' ? attribute : marked
    if (callId === undefined) continue
    if (typeof attribute !== 'string') unattributed++
    conversations.set(callId, (conversations.get(callId) ?? 0) + 1)
    for (const part of conversation.conversation_parts?.conversation_parts ?? []) {
      const body = part.body ?? ''
      const noteId = part.part_type === 'note' ? MARKER.exec(body)?.[1] : undefined
      if (noteId !== undefined && !body.includes('Call updated')) notes.set(noteId, (notes.get(noteId) ?? 0) + 1)
    }
  }
  return { conversations, notes, unattributed, total: all.length }
}

/** Every expected call has exactly one conversation and one note, and nothing else carries a call id. */
const expectExactlyOnce = (h: Harness, expected: Set<string>): Logged => {
  const now = logged(h)
  const twice = [...now.conversations].filter(([, count]) => count > 1).map(([id]) => id)
  const missing = [...expected].filter((id) => !now.conversations.has(id))
  expect({ duplicates: twice, missing }).toEqual({ duplicates: [], missing: [] })
  expect(new Set(now.conversations.keys())).toEqual(expected)
  expect(new Set(now.notes.keys())).toEqual(expected)
  expect([...now.notes.values()].every((count) => count === 1)).toBe(true)
  expect(now.unattributed).toBe(0)
  return now
}

/** `GET /v1/calls` requests the Aircall emulator answered since its counters were last reset. */
const aircallCallReads = (h: Harness): number =>
  Object.entries(h.sandbox.aircallEmulator.requestStats().byRoute)
    .filter(([route]) => route.startsWith('GET /v1/calls '))
    .reduce((sum, [, count]) => sum + count, 0)

const backfillArgs = ['backfill', '--since', '6d', '--json']

describe('exactly once, through the built CLI', () => {
  test('two `backfill --since 6d` started together on one state file log every call once', async () => {
    // Five days of calls, so every call of the world lies inside `--since 6d`.
    const h = await cleanup.startHarness(tempDir(), {}, { calls: 400, days: 5, seed: 21 })
    const expected = loggableCallIds(h)
    // Two paces, so either run may overtake the other on any call.
    const [a, b] = await Promise.all([
      runCli(backfillArgs, { env: h.env, timeoutMs: 50_000 }),
      runCli([...backfillArgs, '--concurrency', '16'], { env: h.env, timeoutMs: 50_000 }),
    ])
    expect([a.code, b.code], a.stdout + a.stderr + b.stdout + b.stderr).toEqual([0, 0])
    const runs = [document<BackfillDocument>(a.stdout), document<BackfillDocument>(b.stdout)]
    for (const run of runs) {
      expect(run.result.counts.read).toBe(h.sandbox.world.aircall.calls.length)
      expect(run.result.counts.deadLetters).toBe(0)
    }
    // Each call is reported logged by one of the two runs, and found done by the other.
    expect(runs[0]!.result.counts.logged + runs[1]!.result.counts.logged).toBe(expected.size)
    for (const run of runs) expect(run.result.counts.logged + run.result.counts.alreadyDone).toBe(expected.size)
    expectExactlyOnce(h, expected)
  }, 55_000)

  test('the same backfill run again from another folder with a new --state file logs nothing a second time', async () => {
    const h = await cleanup.startHarness(tempDir(), {}, { calls: 400, days: 5, seed: 22 })
    const expected = loggableCallIds(h)
    const first = await runCli(backfillArgs, { env: h.env, timeoutMs: 50_000 })
    expect(first.code).toBe(0)
    expect(document<BackfillDocument>(first.stdout).result.counts.logged).toBe(expected.size)
    const before = expectExactlyOnce(h, expected)

    const elsewhere = join(tempDir(), 'another-machine')
    mkdirSync(elsewhere)
    const fresh = await runCli([...backfillArgs, '--state', join(elsewhere, 'state.sqlite')], {
      cwd: elsewhere,
      env: h.env,
      timeoutMs: 50_000,
    })
    expect(fresh.code).toBe(0)
    const again = document<BackfillDocument>(fresh.stdout).result
    expect(again.counts.logged).toBe(0)
    expect(again.counts.updated).toBe(0)
    expect(again.counts.alreadyDone).toBe(expected.size)
    // The pre-pass found every call's conversation in Intercom, a page of 150 per request.
    expect(again.prePass.adopted).toBe(expected.size)
    expect(again.prePass.requests).toBeGreaterThan(0)
    expect(again.prePass.requests).toBeLessThan(expected.size / 10)
    const after = expectExactlyOnce(h, expected)
    expect(after.total).toBe(before.total)
    expect([...after.notes.values()].reduce((sum, n) => sum + n, 0)).toBe(expected.size)
  }, 55_000)

  test('`backfill --since 6d` run twice on one store: the second reads only what is new and logs nothing twice', async () => {
    const h = await cleanup.startHarness(tempDir(), {}, { calls: 1500, days: 5, seed: 23 })
    const expected = loggableCallIds(h)
    h.sandbox.aircallEmulator.resetRequestStats()
    const first = await runCli(backfillArgs, { env: h.env, timeoutMs: 50_000 })
    expect(first.code).toBe(0)
    const one = document<BackfillDocument>(first.stdout).result
    const firstReads = aircallCallReads(h)
    expect(one.counts.logged).toBe(expected.size)
    const before = expectExactlyOnce(h, expected)

    h.sandbox.aircallEmulator.resetRequestStats()
    const second = await runCli(backfillArgs, { env: h.env, timeoutMs: 50_000 })
    expect(second.code).toBe(0)
    const two = document<BackfillDocument>(second.stdout).result
    const secondReads = aircallCallReads(h)

    // What the CLI reports matches what Aircall served.
    expect(one.requests.aircall.requests).toBe(firstReads)
    expect(two.requests.aircall.requests).toBe(secondReads)
    expect(secondReads).toBeGreaterThan(0)
    expect(secondReads).toBeLessThanOrEqual(firstReads * 0.1)
    // Only the last hour (calls that may still change) and the moments since the first run are read again.
    expect(two.read).toHaveLength(1)
    const span = two.read[0]!
    expect(Date.parse(span.until) - Date.parse(span.since)).toBeLessThan(2 * 3_600_000)
    expect(two.counts.read).toBeLessThan(one.counts.read / 10)
    expect(two.counts.logged).toBe(0)
    expect(two.counts.updated).toBe(0)
    const after = expectExactlyOnce(h, expected)
    expect(after.total).toBe(before.total)
  }, 55_000)

  test('a CSV export written again with 5 new calls at the top: the second import logs exactly those 5', async () => {
    const h = await cleanup.startHarness(tempDir(), { matching: { defaultCountry: 'FR' } }, { calls: 20, seed: 24 })
    const { truth } = h.sandbox.world
    const callers = [...truth.knownCallers, ...truth.unknownCallers].filter(
      (phone) => normalisePhone(phone, 'FR').kind === 'valid',
    )
    expect(callers.length).toBeGreaterThan(5)
    const header =
      'Call ID,Date (UTC),Direction,From,To,Duration (s),Missed call reason,Tags,Comments,User,Number name,Recording'
    const stamp = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
    const row = (index: number): string => {
      const id = 930_000 + index
      // Newest first, as the dashboard exports: a higher index is a later call.
      const at = stamp(Date.now() - (40 - index) * 3 * 3_600_000)
      const caller = callers[index % callers.length]!
      return `${id},${at},inbound,${caller},+33 1 84 88 00 00,${60 + index},,,,Alice Martin,Paris support,`
    }
    const rows = (from: number, to: number): string[] => {
      const out: string[] = []
      for (let index = to; index >= from; index--) out.push(row(index))
      return out
    }
    const file = join(h.dir, 'calls-export.csv')
    writeFileSync(file, `${[header, ...rows(1, 20)].join('\n')}\n`)
    const first = await runCli(['backfill', '--csv', file, '--json'], { env: h.env, timeoutMs: 50_000 })
    expect(first.code).toBe(0)
    expect(document<BackfillDocument>(first.stdout).result.counts).toMatchObject({ read: 20, logged: 20 })
    const oldIds = new Set(Array.from({ length: 20 }, (_, i) => String(930_001 + i)))
    expectExactlyOnce(h, oldIds)

    // The same export downloaded again a little later: five new calls on top, the old rows pushed down.
    writeFileSync(file, `${[header, ...rows(21, 25), ...rows(1, 20)].join('\n')}\n`)
    const second = await runCli(['backfill', '--csv', file, '--json'], { env: h.env, timeoutMs: 50_000 })
    expect(second.code).toBe(0)
    const counts = document<BackfillDocument>(second.stdout).result.counts
    expect(counts).toMatchObject({ read: 25, logged: 5, updated: 0, alreadyDone: 20, deadLetters: 0 })
    expectExactlyOnce(h, new Set(Array.from({ length: 25 }, (_, i) => String(930_001 + i))))
  }, 55_000)

  test('history dead letters replayed with the missed-call rule on send nothing to customers', async () => {
    const template = { name: 'sorry', when: 'any' as const, body: 'Sorry we missed you, we will call you back.' }
    // A hundred days of calls: missed calls from last week and from more than 90 days ago.
    const h = await cleanup.startHarness(
      tempDir(),
      { matching: { defaultCountry: 'FR' }, missedCalls: { enabled: true, cooldownMinutes: 0, templates: [template] } },
      { calls: 60, days: 100, seed: 25 },
    )
    const { world } = h.sandbox
    const expected = loggableCallIds(h)
    const day = 86_400
    const nowS = Math.floor(Date.now() / 1000)
    const missed = world.aircall.calls.filter(
      (call) => call.direction === 'inbound' && call.missedCallReason !== null && expected.has(String(call.id)),
    )
    expect(missed.some((call) => call.startedAt < nowS - 90 * day)).toBe(true)
    expect(missed.some((call) => call.startedAt > nowS - 14 * day)).toBe(true)
    const adminInitiated = (): number =>
      (intercomState(h).conversations as StateConversation[]).filter(
        (conversation) => conversation.source?.delivered_as === 'admin_initiated',
      ).length
    /** Messages an admin sent a customer (the emulator also records the user message opening each conversation). */
    const adminMessages = (): Array<{ body: string }> =>
      (intercomState(h).messages as Array<{ type?: string; body: string }>).filter(
        (message) => message.type === 'admin_message',
      )
    const initiatedBefore = adminInitiated()
    expect(adminMessages()).toHaveLength(0)

    // Intercom refuses every contact lookup and creation: each call of the run goes to dead letters (exit 3).
    // The range's pre-pass (a conversation search) is not refused.
    h.sandbox.intercomEmulator.setFaults([{ match: 'POST /contacts', kind: 'status', status: 400 }])
    const run = await runCli(['backfill', '--since', '101d', '--json'], { env: h.env, timeoutMs: 50_000 })
    h.sandbox.intercomEmulator.clearFaults()
    expect(run.code).toBe(3)
    const failed = document<BackfillDocument>(run.stdout).result
    expect(failed.counts.logged).toBe(0)
    expect(failed.counts.deadLetters).toBe(expected.size)
    expect(logged(h).conversations.size).toBe(0)

    const listed = await runCli(['events', 'list', '--status', 'dead', '--limit', '500', '--json'], { env: h.env })
    expect(listed.code).toBe(0)
    const dead = document<EventsDocument>(listed.stdout).result.events
    expect(dead).toHaveLength(expected.size)
    expect(new Set(dead.map((event) => event.id))).toEqual(new Set(failed.deadLetterIds))
    for (const event of dead) {
      expect(event).toMatchObject({ kind: 'history-call', origin: 'history', status: 'dead', type: 'job.log-call' })
    }
    const deadCalls = new Set(dead.map((event) => /aircall:call:(\d+)/.exec(event.subject ?? '')?.[1]))
    for (const call of missed) expect(deadCalls.has(String(call.id))).toBe(true)

    const replay = await runCli(['events', 'replay', '--all-dead', '--process', '--json'], {
      env: h.env,
      timeoutMs: 50_000,
    })
    expect(replay.code).toBe(0)
    const replayed = document<ReplayDocument>(replay.stdout).result
    expect(replayed.processed.dead).toEqual([])
    expect(new Set(replayed.processed.done)).toEqual(new Set(failed.deadLetterIds))
    expectExactlyOnce(h, expected)
    // Not one "Sorry we missed you": no message, no admin-initiated conversation, no request to send one.
    expect(adminMessages()).toHaveLength(0)
    expect(adminInitiated()).toBe(initiatedBefore)
    expect(h.sandbox.intercomEmulator.requestCounts().byRoute['POST /messages']).toBeUndefined()

    // The rule is live all the same: a missed call arriving by webhook now, replayed, is answered once.
    const caller = world.truth.knownCallers.find((phone) => normalisePhone(phone, 'FR').kind === 'valid')!
    const store = openStateStore(h.statePath)
    const live = store.queue.enqueue({
      source: 'aircall',
      identity: 'aircall:call.ended:990001:live',
      type: 'call.ended',
      subject: 'aircall:call:990001',
      payload: JSON.stringify(aircallFixture('call.ended.missed', '***', { callId: 990_001, rawDigits: caller })),
      receivedAt: Date.now(),
    }).id
    store.queue.claim(1, Date.now(), 60_000)
    store.queue.deadLetter(live, 'ServerError: Intercom answered 503 on POST /messages')
    store.close()
    const control = await runCli(['events', 'replay', String(live), '--process', '--json'], { env: h.env })
    expect(control.code).toBe(0)
    expect(document<ReplayDocument>(control.stdout).result.processed.done).toEqual([live])
    const messages = adminMessages()
    expect(messages).toHaveLength(1)
    expect(messages[0]?.body).toContain('Sorry we missed you')
  }, 55_000)
})
