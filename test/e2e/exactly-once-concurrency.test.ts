/**
 * Exactly once, everywhere: the built CLI's processes meeting each other and their own crashes on one store.
 *
 * 1. `sync` (cron) and `listen` log the same calls at the same time, under Intercom search latency.
 * 2. A contact create killed after Intercom wrote it (its answer held back by the emulator), under 30 s and
 *    120 s of search lag, for `backfill`, `listen` and `audit unmatched --create`: the next run settles the create
 *    by searching until the lag has passed, never by creating again.
 * 3. A missed-call message whose send failed once (503), or whose answer was lost (client timeout after Intercom
 *    sent it), goes out exactly once after the worker's retry or `events replay --process`.
 *
 * The lag cases wait the lag out, so every case runs concurrently with its own emulators, store and children.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'vitest'
import type { ConfigInput } from '../../src/config/schema.js'
import type { SandboxOptions } from '@aircall-intercom/emulators'
import type { FaultRule } from '@aircall-intercom/emulators/types.js'
import { aircallFixture } from '../../src/listener/fixtures.js'
import { openStateStore } from '../../src/store/sqlite/index.js'
import { CLI, REPO_ROOT, runCli } from '../helpers/run-cli.js'
import {
  intercomState,
  queueSettled,
  registerWebhooks,
  spawnListen,
  startHarness,
  waitFor,
  type Harness,
  type ListenChild,
} from '../listener/harness.js'
import { perCall } from '../reliability/helpers.js'

interface CliChild {
  child: ChildProcessWithoutNullStreams
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
  /** True once the process has exited. */
  done: () => boolean
}

interface Scope {
  harness: Harness
  listen: (extraArgs?: string[]) => ListenChild
  cli: (args: string[]) => CliChild
}

/**
 * One harness (both emulators, a config, a store) in its own directory, with every child it starts SIGKILLed
 * and awaited afterwards, whatever the outcome: concurrent tests share no temp-dir or cleanup hook.
 */
const withScope = async (
  config: ConfigInput,
  sandboxOptions: SandboxOptions,
  body: (scope: Scope) => Promise<void>,
): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), 'aircall-intercom-once-'))
  const running: Array<{ child: ChildProcessWithoutNullStreams; exited: Promise<unknown> }> = []
  let harness: Harness | undefined
  try {
    harness = await startHarness(dir, config, sandboxOptions)
    const h = harness
    await body({
      harness: h,
      listen: (extraArgs = []) => {
        const listener = spawnListen(h, extraArgs)
        running.push(listener)
        return listener
      },
      cli: (args) => {
        const child = spawn(process.execPath, [CLI, ...args], {
          cwd: REPO_ROOT,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...h.env },
          stdio: ['pipe', 'pipe', 'pipe'],
        })
        child.stdin.end()
        let stdout = ''
        let stderr = ''
        let finished = false
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
        const exited = new Promise<number | null>((resolve) =>
          child.on('close', (code) => {
            finished = true
            resolve(code)
          }),
        )
        running.push({ child, exited })
        return { child, stdout: () => stdout, stderr: () => stderr, exited, done: () => finished }
      },
    })
  } finally {
    for (const { child, exited } of running) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    }
    await harness?.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const contactsWithPhone = (h: Harness, e164: string): number =>
  intercomState(h).contacts.filter((contact) => contact.phone === e164).length

const contactIdsWithPhone = (h: Harness, e164: string): string[] =>
  intercomState(h)
    .contacts.filter((contact) => contact.phone === e164)
    .map((contact) => String(contact.id))

/** Conversations carrying the call id, with their note parts and contacts. */
const conversationsOfCall = (h: Harness, callId: number): Array<{ notes: number; contactIds: string[] }> =>
  intercomState(h)
    .conversations.filter(
      (conversation) =>
        (conversation.custom_attributes as Record<string, unknown> | undefined)?.aircall_call_id === String(callId),
    )
    .map((conversation) => {
      const parts = (conversation.conversation_parts as { conversation_parts: Array<{ part_type: string }> })
        .conversation_parts
      const contacts = (conversation.contacts as { contacts: Array<{ id: string }> } | undefined)?.contacts ?? []
      return {
        notes: parts.filter((part) => part.part_type === 'note').length,
        contactIds: contacts.map((contact) => String(contact.id)),
      }
    })

const requestsTo = (h: Harness, route: string): number =>
  Object.values(h.sandbox.intercomEmulator.requestCounts().byRoute[route] ?? {}).reduce((sum, n) => sum + n, 0)

/** Numbers no world contact or caller has (the world's numbers come from its own seeded pool). */
const newNumber = (h: Harness, n: number): string => {
  const e164 = `+3369900${String(1000 + n).padStart(4, '0')}`
  const { truth } = h.sandbox.world
  if (e164 in truth.callsPerCaller || truth.knownCallers.includes(e164) || contactsWithPhone(h, e164) > 0) {
    throw new Error(`${e164} is already in the world`)
  }
  return e164
}

// ── 1. sync and listen on the same calls ─────────────────────────────────────────────────────────────────────

interface Delivery {
  body: string
  contentType: string
}

/** Stands in for the listener's public URL: acknowledges Aircall's deliveries and keeps them to forward later. */
const startWebhookHold = async (): Promise<{ url: string; held: Delivery[]; close: () => Promise<void> }> => {
  const held: Delivery[] = []
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      held.push({
        body: Buffer.concat(chunks).toString('utf8'),
        contentType: req.headers['content-type'] ?? 'application/json',
      })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const SEARCH_LATENCY: FaultRule[] = [
  { match: 'POST /conversations/search', kind: 'latency', latencyMs: 250 },
  { match: 'POST /contacts/search', kind: 'latency', latencyMs: 250 },
]

// ── 2. a contact create killed after Intercom wrote it ──────────────────────────────────────────────────────

/** The create lands at once; its answer is held back until the client hangs up (here: is SIGKILLed). */
const HELD_CREATE: FaultRule = {
  match: 'POST /contacts$',
  kind: 'latency',
  latencyMs: 600_000,
  phase: 'after',
  limit: 1,
}

const lagConfig = (lagSeconds: number): { config: ConfigInput; sandbox: SandboxOptions } => ({
  // A bit more than the emulator's lag, as an operator would set it for their workspace.
  config: { matching: { searchLagSeconds: lagSeconds + 10 } },
  sandbox: { calls: 20, seed: 31, intercom: { searchLagMs: lagSeconds * 1000 } },
})

/** An ended inbound call from `e164` in the Aircall emulator, and an exclusive `--since` that only it is after. */
const injectEndedCall = async (
  h: Harness,
  e164: string,
  expectOk: (ok: boolean, what: string) => void,
): Promise<{ callId: number; since: string }> => {
  const emulator = h.sandbox.aircallEmulator
  const { callId } = emulator.injectCall({
    phone: e164,
    outcome: 'answered',
    endedDelayMs: 10,
    finaliseDelayMs: 3_600_000,
  })
  await waitFor(() => emulator.getCall(callId)?.status === 'done', 'the injected call to end')
  const startedAt = emulator.getCall(callId)?.startedAt ?? 0
  const sinceSeconds = startedAt - 1
  expectOk(
    h.sandbox.world.aircall.calls.every((call) => call.startedAt <= sinceSeconds),
    'every world call starts before the range',
  )
  return { callId, since: new Date(sinceSeconds * 1000).toISOString() }
}

const createStepAttempts = (h: Harness, e164: string): number => {
  const store = openStateStore(h.statePath, { readonly: true })
  try {
    return store.ledger.get(`contact:${e164}:create`)?.attempts ?? 0
  } finally {
    store.close()
  }
}

const LAGS = [120, 30] as const

// ── 3. the missed-call message ──────────────────────────────────────────────────────────────────────────────

const MISSED_CALLS: ConfigInput = {
  missedCalls: {
    enabled: true,
    cooldownMinutes: 10,
    templates: [{ name: 'default', body: '<p>Sorry we missed your call, {{ contact.name }}.</p>' }],
  },
}

const SEND_FAULTS: Array<{ name: string; rule: FaultRule; config: ConfigInput; retrySays: string }> = [
  {
    name: 'the send answered 503 once',
    rule: { match: 'POST /messages', kind: 'status', status: 503, limit: 1 },
    config: {},
    // Nothing went out: the retry's search finds no message, so it sends.
    retrySays: 'missed-call:sent(default)',
  },
  {
    name: "the send's answer was lost (client timeout after Intercom sent it)",
    rule: { match: 'POST /messages', kind: 'latency', latencyMs: 120_000, phase: 'after', limit: 1 },
    config: { intercom: { timeoutMs: 1_500 } },
    // It went out: the retry's search (`created_at >`) finds its conversation and sends nothing.
    retrySays: 'missed-call:sent(reconciled)',
  },
]

/** Intercom refuses `>=` on dates with a 400: a reconcile search asking for it could never settle a send. */
const refusedSearches = (h: Harness): number =>
  Object.entries(h.sandbox.intercomEmulator.requestCounts().byRoute['POST /conversations/search'] ?? {})
    .filter(([status]) => status.startsWith('4'))
    .reduce((sum, [, n]) => sum + n, 0)

describe.concurrent('exactly once across processes and crashes (built CLI, emulators)', () => {
  // The lag cases first: they are the long ones, and the file's wall time is the longest of them.
  for (const lag of LAGS) {
    test(
      `backfill SIGKILLed after Intercom wrote the contact, ${lag} s of search lag: a second backfill makes no second contact`,
      async ({ expect }) => {
        const { config, sandbox } = lagConfig(lag)
        await withScope(config, sandbox, async ({ harness: h, cli }) => {
          const e164 = newNumber(h, lag)
          const { callId, since } = await injectEndedCall(h, e164, (ok, what) => expect(ok, what).toBe(true))
          h.sandbox.intercomEmulator.setFaults([HELD_CREATE])

          const first = cli(['backfill', '--since', since, '--json'])
          await waitFor(() => first.done() || contactsWithPhone(h, e164) > 0, 'the contact create to land', 60_000)
          expect(first.done(), first.stderr()).toBe(false)
          first.child.kill('SIGKILL')
          await first.exited
          expect(contactsWithPhone(h, e164)).toBe(1)
          expect(conversationsOfCall(h, callId)).toEqual([])

          const second = await runCli(['backfill', '--since', since, '--json'], {
            env: h.env,
            timeoutMs: (lag + 60) * 1000,
          })
          expect(second.code, second.stderr).toBe(0)
          expect(contactsWithPhone(h, e164)).toBe(1)
          expect(requestsTo(h, 'POST /contacts')).toBe(1)
          const [contactId] = contactIdsWithPhone(h, e164)
          expect(conversationsOfCall(h, callId)).toEqual([{ notes: 1, contactIds: [contactId] }])
        })
      },
      (lag + 90) * 1000,
    )

    test(
      `listen SIGKILLed after Intercom wrote the contact, ${lag} s of search lag: the restarted listener re-processes the event into the same contact`,
      async ({ expect }) => {
        const { config, sandbox } = lagConfig(lag)
        await withScope(config, sandbox, async ({ harness: h, listen }) => {
          const e164 = newNumber(h, 10 + lag)
          const callId = 9_100_000 + lag
          const body = JSON.stringify(
            aircallFixture('call.ended', h.sandbox.aircall.webhookToken, {
              callId,
              rawDigits: e164,
              timestamp: Math.floor(Date.now() / 1000),
            }),
          )
          h.sandbox.intercomEmulator.setFaults([HELD_CREATE])

          const first = listen()
          const firstUrl = await first.url
          const posted = await fetch(`${firstUrl}/aircall`, {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/json' },
          })
          await posted.arrayBuffer()
          expect(posted.status).toBe(200)
          await waitFor(() => contactsWithPhone(h, e164) > 0, 'the contact create to land', 60_000)
          first.child.kill('SIGKILL')
          await first.exited
          expect(contactsWithPhone(h, e164)).toBe(1)
          expect(conversationsOfCall(h, callId)).toEqual([])

          // No redelivery: the event was acknowledged, so the store holds it and the restart processes it again.
          const second = listen()
          const secondUrl = await second.url
          const processed = await waitFor(
            () =>
              second.lines.find(
                (line) =>
                  (line.type === 'processed' || line.type === 'dead-lettered') && line.eventType === 'call.ended',
              ),
            'the restarted listener to process the call',
            (lag + 60) * 1000,
          )
          expect(processed.type, JSON.stringify(processed)).toBe('processed')
          await queueSettled(secondUrl)
          second.child.kill('SIGTERM')
          expect(await second.exited).toBe(0)

          expect(contactsWithPhone(h, e164)).toBe(1)
          expect(requestsTo(h, 'POST /contacts')).toBe(1)
          const [contactId] = contactIdsWithPhone(h, e164)
          expect(conversationsOfCall(h, callId)).toEqual([{ notes: 1, contactIds: [contactId] }])
        })
      },
      (lag + 90) * 1000,
    )

    test(
      `audit unmatched --create SIGKILLed three times (once after Intercom wrote the contact), ${lag} s of search lag: one contact, and the call is logged to it once`,
      async ({ expect }) => {
        const { config, sandbox } = lagConfig(lag)
        await withScope(config, sandbox, async ({ harness: h, cli }) => {
          const e164 = newNumber(h, 20 + lag)
          const { callId, since } = await injectEndedCall(h, e164, (ok, what) => expect(ok, what).toBe(true))
          h.sandbox.intercomEmulator.setFaults([HELD_CREATE])
          const audit = ['audit', 'unmatched', '--since', since, '--create', '--json']

          const first = cli(audit)
          await waitFor(() => first.done() || contactsWithPhone(h, e164) > 0, 'the contact create to land', 60_000)
          expect(first.done(), first.stderr()).toBe(false)
          first.child.kill('SIGKILL')
          await first.exited
          expect(contactsWithPhone(h, e164)).toBe(1)

          // Two more runs, each killed while it waits for the search to show the contact: it has claimed the create
          // (the step's attempts went up) and searched since.
          for (let kill = 2; kill <= 3; kill++) {
            const before = createStepAttempts(h, e164)
            const run = cli(audit)
            let searchesAtClaim: number | null = null
            await waitFor(
              () => {
                if (run.done()) return true
                if (searchesAtClaim === null) {
                  if (createStepAttempts(h, e164) > before) searchesAtClaim = requestsTo(h, 'POST /contacts/search')
                  return false
                }
                return requestsTo(h, 'POST /contacts/search') > searchesAtClaim
              },
              `audit run ${kill} to wait for the lagging search`,
              60_000,
            )
            expect(run.done(), `run ${kill} finished instead of waiting: ${run.stdout()}`).toBe(false)
            run.child.kill('SIGKILL')
            await run.exited
            expect(contactsWithPhone(h, e164)).toBe(1)
          }

          const last = await runCli(audit, { env: h.env, timeoutMs: (lag + 60) * 1000 })
          expect(last.code, last.stderr).toBe(0)
          const result = (
            JSON.parse(last.stdout) as {
              result: { created: number; unmatched: Array<{ e164: string | null; created?: { status?: string } }> }
            }
          ).result
          expect(result.created).toBe(0)
          // Still unmatched by the audit's first look (the search lags), then settled by the create's search; or,
          // once the lag has passed, matched by that first look.
          const caller = result.unmatched.find((entry) => entry.e164 === e164)
          if (caller) expect(caller.created).toMatchObject({ status: 'matched' })
          expect(contactsWithPhone(h, e164)).toBe(1)
          expect(requestsTo(h, 'POST /contacts')).toBe(1)

          const backfill = await runCli(['backfill', '--since', since, '--json'], { env: h.env, timeoutMs: 60_000 })
          expect(backfill.code, backfill.stderr).toBe(0)
          expect(contactsWithPhone(h, e164)).toBe(1)
          const [contactId] = contactIdsWithPhone(h, e164)
          expect(conversationsOfCall(h, callId)).toEqual([{ notes: 1, contactIds: [contactId] }])
        })
      },
      (lag + 120) * 1000,
    )
  }

  test('sync (cron) while listen handles call.ended for the same 20 calls, 250 ms of search latency: one conversation and one note per call', async ({
    expect,
  }) => {
    await withScope({}, { calls: 40, seed: 41 }, async ({ harness: h, listen, cli }) => {
      const { aircallEmulator, intercomEmulator, world } = h.sandbox
      const hold = await startWebhookHold()
      try {
        const listener = listen()
        const listenerUrl = await listener.url
        await registerWebhooks(h, hold.url, { aircallEvents: ['call.ended'] })

        // 10 known callers (found by phone), and 5 new numbers calling twice each (created once, by whichever
        // process claims the create first).
        const known = world.truth.knownCallers.filter((e164) => world.truth.matchedBy[e164] === 'phone').slice(0, 10)
        expect(known).toHaveLength(10)
        const fresh = [1, 2, 3, 4, 5].map((n) => newNumber(h, n))
        const callers = [...known, ...fresh, ...fresh]
        const contactsBefore = new Map(known.map((e164) => [e164, contactsWithPhone(h, e164)]))
        const callIds = callers.map(
          (phone) =>
            aircallEmulator.injectCall({ phone, outcome: 'answered', endedDelayMs: 10, finaliseDelayMs: 3_600_000 })
              .callId,
        )
        await waitFor(() => hold.held.length === callIds.length, 'Aircall to deliver every call.ended', 30_000)
        expect(callIds.every((id) => aircallEmulator.getCall(id)?.status === 'done')).toBe(true)

        intercomEmulator.setFaults(SEARCH_LATENCY)
        const listings = (): number =>
          Object.entries(aircallEmulator.requestStats().byRoute)
            .filter(([route]) => route.startsWith('GET /v1/calls'))
            .reduce((sum, [, n]) => sum + n, 0)
        const listedBefore = listings()
        const sync = cli(['sync', '--json'])
        // The webhooks reach the listener as sync starts reading the same calls from Aircall.
        await waitFor(() => sync.done() || listings() > listedBefore, 'sync to read the calls', 30_000)
        // Newest first, one after the other: the listener's queue runs from the last call back while sync runs
        // through the range, so the two meet on the same calls midway.
        for (const delivery of [...hold.held].reverse()) {
          const response = await fetch(`${listenerUrl}/aircall`, {
            method: 'POST',
            body: delivery.body,
            headers: { 'content-type': delivery.contentType },
          })
          await response.arrayBuffer()
          expect(response.status).toBe(200)
        }

        expect(await sync.exited, sync.stderr()).toBe(0)
        const synced = JSON.parse(sync.stdout()) as {
          result: { counts: { read: number; logged: number; alreadyDone: number; deadLetters: number } }
        }
        expect(synced.result.counts.read).toBeGreaterThanOrEqual(callIds.length)
        expect(synced.result.counts.deadLetters).toBe(0)
        await waitFor(
          () =>
            listener.lines.filter(
              (line) => (line.type === 'processed' || line.type === 'dead-lettered') && line.eventType === 'call.ended',
            ).length === callIds.length,
          'the listener to process every call.ended',
          90_000,
        )
        await queueSettled(listenerUrl)
        listener.child.kill('SIGTERM')
        expect(await listener.exited).toBe(0)
        const summary = JSON.parse(listener.stdout()) as { result: { deadLettered: number } }
        expect(summary.result.deadLettered).toBe(0)

        for (const callId of callIds) {
          const conversations = conversationsOfCall(h, callId)
          expect(conversations, `call ${callId}`).toHaveLength(1)
          expect(conversations[0]?.notes, `call ${callId}`).toBe(1)
        }
        // And every other call sync logged from the last 24 hours, once.
        const { conversations, notes } = perCall(h)
        expect([...conversations.values()].every((count) => count === 1)).toBe(true)
        expect(notes.every((count) => count === 1)).toBe(true)
        for (const e164 of fresh) expect(contactsWithPhone(h, e164), e164).toBe(1)
        for (const e164 of known) expect(contactsWithPhone(h, e164), e164).toBe(contactsBefore.get(e164))
      } finally {
        await hold.close()
      }
    })
  }, 150_000)

  for (const fault of SEND_FAULTS) {
    test(`missed-call message, ${fault.name}: sent once after the worker's own retry`, async ({ expect }) => {
      await withScope({ ...MISSED_CALLS, ...fault.config }, { calls: 20, seed: 51 }, async ({ harness: h, listen }) => {
        const caller = h.sandbox.world.truth.knownCallers.find(
          (e164) => h.sandbox.world.truth.matchedBy[e164] === 'phone',
        )
        expect(caller).toBeDefined()
        const contactId = h.sandbox.world.truth.callerToContact[caller ?? ''] ?? ''
        const messagesTo = (): number =>
          intercomState(h).messages.filter((message) => message.to.some((to) => to.id === contactId)).length
        h.sandbox.intercomEmulator.setFaults([fault.rule])

        const listener = listen()
        const url = await listener.url
        await registerWebhooks(h, url, { aircallEvents: ['call.hungup', 'call.ended'] })
        h.sandbox.aircallEmulator.injectCall({ phone: caller, outcome: 'missed', endedDelayMs: 400 })
        const ended = await waitFor(
          () => listener.lines.find((line) => line.type === 'processed' && line.eventType === 'call.ended'),
          'call.ended to be processed',
          60_000,
        )
        await queueSettled(url)
        const retried = listener.lines.filter((line) => line.type === 'retrying' && line.eventType === 'call.hungup')
        expect(retried, JSON.stringify(listener.lines)).toHaveLength(1)
        expect(h.sandbox.intercomEmulator.faults()[0]?.hits).toBe(1)
        const hungup = listener.lines.filter((line) => line.type === 'processed' && line.eventType === 'call.hungup')
        expect(hungup).toHaveLength(1)
        expect(String(hungup[0]?.summary)).toContain(fault.retrySays)
        expect(String(ended.summary)).toContain('missed-call:already-sent')
        expect(refusedSearches(h)).toBe(0)
        listener.child.kill('SIGTERM')
        expect(await listener.exited).toBe(0)
        expect(messagesTo()).toBe(1)
      })
    }, 90_000)

    test(`missed-call message, ${fault.name}: dead-lettered, then sent once by events replay --process`, async ({
      expect,
    }) => {
      await withScope(
        { ...MISSED_CALLS, ...fault.config, listener: { maxAttempts: 1 } },
        { calls: 20, seed: 52 },
        async ({ harness: h, listen }) => {
          const caller = h.sandbox.world.truth.knownCallers.find(
            (e164) => h.sandbox.world.truth.matchedBy[e164] === 'phone',
          )
          expect(caller).toBeDefined()
          const contactId = h.sandbox.world.truth.callerToContact[caller ?? ''] ?? ''
          const messagesTo = (): number =>
            intercomState(h).messages.filter((message) => message.to.some((to) => to.id === contactId)).length
          h.sandbox.intercomEmulator.setFaults([fault.rule])

          const listener = listen()
          const url = await listener.url
          // call.hungup only: nothing else touches the call before the replay.
          await registerWebhooks(h, url, { aircallEvents: ['call.hungup'] })
          h.sandbox.aircallEmulator.injectCall({ phone: caller, outcome: 'missed', endedDelayMs: 400 })
          await waitFor(
            () => listener.lines.find((line) => line.type === 'dead-lettered' && line.eventType === 'call.hungup'),
            'call.hungup to be dead-lettered',
            60_000,
          )
          await queueSettled(url)
          listener.child.kill('SIGTERM')
          expect(await listener.exited).toBe(0)
          expect(h.sandbox.intercomEmulator.faults()[0]?.hits).toBe(1)
          const sentBeforeReplay = messagesTo()

          const replay = await runCli(['events', 'replay', '--all-dead', '--process', '--json'], { env: h.env })
          expect(replay.code, replay.stderr).toBe(0)
          const processed = (
            JSON.parse(replay.stdout) as {
              result: { requeued: number[]; processed: { done: number[]; dead: number[] } }
            }
          ).result
          expect(processed.requeued).toHaveLength(1)
          expect(processed.processed).toEqual({ done: processed.requeued, dead: [] })
          expect(messagesTo()).toBe(1)
          expect(refusedSearches(h)).toBe(0)
          // The lost answer: Intercom had sent it before the replay, which found it instead of sending again.
          if (fault.rule.kind === 'latency') expect(sentBeforeReplay).toBe(1)
          else expect(sentBeforeReplay).toBe(0)

          const dead = await runCli(['events', 'list', '--status', 'dead', '--json'], { env: h.env })
          expect((JSON.parse(dead.stdout) as { result: { events: unknown[] } }).result.events).toEqual([])
        },
      )
    }, 90_000)
  }
})
