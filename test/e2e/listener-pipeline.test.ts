import { afterEach, describe, expect, test } from 'vitest'
import type { ListenEvent } from '../../src/app/listen.js'
import { aircallFixture } from '../../src/listener/fixtures.js'
import { normalisePhone } from '../../src/phone/index.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import {
  intercomState,
  queueSettled,
  registerWebhooks,
  startHarness,
  startInProcess,
  waitFor,
  type Harness,
} from '../listener/harness.js'

const tempDir = useTempDir()
let harness: Harness | undefined
let stopListener: (() => Promise<void>) | undefined
afterEach(async () => {
  await stopListener?.()
  await harness?.close()
  harness = undefined
  stopListener = undefined
})

type Processed = Extract<ListenEvent, { type: 'processed' }>
const processed = (events: ListenEvent[]): Processed[] =>
  events.filter((event): event is Processed => event.type === 'processed')

const postAircall = async (url: string, body: Record<string, unknown>): Promise<number> =>
  (
    await fetch(`${url}/aircall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  ).status

/** Webhook timestamps of these tests: recent, since a webhook older than a day is handled as history. */
const T0 = Math.floor(Date.now() / 1000) - 600

describe('live rules through the listen service and the emulators', () => {
  test('duplicates are stored once, a late call.hungup is superseded, anonymous missed callers are counted', async () => {
    harness = await startHarness(tempDir(), {
      missedCalls: { enabled: true, templates: [{ name: 'all', body: 'Sorry we missed you' }] },
    })
    const listener = await startInProcess(harness)
    stopListener = listener.stop
    const { url } = listener.handle
    const token = harness.sandbox.aircall.webhookToken
    const caller = harness.sandbox.world.truth.knownCallers.find(
      (phone) => normalisePhone(phone, 'FR').kind === 'valid',
    )!

    const ended = aircallFixture('call.ended', token, { callId: 11, rawDigits: caller, timestamp: T0 + 100 })
    const hungup = aircallFixture('call.hungup', token, { callId: 11, rawDigits: caller, timestamp: T0 + 70 })
    expect(await postAircall(url, ended)).toBe(200)
    expect(await postAircall(url, ended)).toBe(200)
    await queueSettled(url)
    expect(await postAircall(url, hungup)).toBe(200)
    const anonymous = aircallFixture('call.ended.missed', token, { callId: 12, rawDigits: 'anonymous' })
    expect(await postAircall(url, anonymous)).toBe(200)
    await queueSettled(url)

    const summaries = processed(listener.events).map((event) => [event.eventType, event.summary])
    expect(summaries).toEqual([
      ['call.ended', expect.stringMatching(/^log:logged/)],
      ['call.hungup', 'call-state:superseded(call.hungup after a later event)'],
      ['call.ended', 'log:skipped(anonymous) missed-call:skipped(anonymous)'],
    ])
    const summary = listener.handle.summary()
    expect(summary).toMatchObject({ accepted: 3, duplicates: 1 })
    expect(summary.outcomes['missed-call:skipped:anonymous']).toBe(1)
    const conversations = intercomState(harness).conversations.filter(
      (c) => (c.custom_attributes as Record<string, unknown>).aircall_call_id === '11',
    )
    expect(conversations).toHaveLength(1)
  })

  test('a day-old missed call is logged as history: no message, counted as stale in status', async () => {
    harness = await startHarness(tempDir(), {
      missedCalls: { enabled: true, cooldownMinutes: 0, templates: [{ name: 'all', body: 'Sorry we missed you' }] },
    })
    const listener = await startInProcess(harness)
    stopListener = listener.stop
    const { url } = listener.handle
    const token = harness.sandbox.aircall.webhookToken
    const caller = harness.sandbox.world.truth.knownCallers.find(
      (phone) => normalisePhone(phone, 'FR').kind === 'valid',
    )!
    const yearOld = T0 - 365 * 86_400
    const missed = (callId: number, timestamp: number) =>
      aircallFixture('call.ended.missed', token, { callId, rawDigits: caller, timestamp })
    expect(await postAircall(url, missed(31, yearOld))).toBe(200)
    expect(await postAircall(url, missed(32, T0))).toBe(200)
    await queueSettled(url)

    const [old, fresh] = processed(listener.events)
    expect(old?.summary).toMatch(/^freshness:stale\(\d+ h old: handled as history\) log:logged/)
    expect(old?.summary).not.toContain('missed-call')
    expect(fresh?.summary).toMatch(/missed-call:sent/)
    const admin = intercomState(harness).messages.filter((m) => (m as { type?: string }).type === 'admin_message')
    expect(admin).toHaveLength(1)
    const logged = intercomState(harness).conversations.filter((c) =>
      ['31', '32'].includes(String((c.custom_attributes as Record<string, unknown>).aircall_call_id)),
    )
    expect(logged).toHaveLength(2)
    await stopListener()
    stopListener = undefined
    const status = await runCli(['status', '--json'], { env: harness.env })
    expect(JSON.parse(status.stdout).result.staleEvents).toBe(1)
  })

  test('a resolving tag closes the call’s conversation after a summary note; a 503 is retried, not dead-lettered', async () => {
    harness = await startHarness(tempDir(), {
      resolve: { enabled: true, tag: 'resolved' },
      tags: { map: [{ tag: 'resolved', attribute: 'resolved_by_phone', type: 'boolean' }] },
    })
    // The first POST /conversations… is the live call's lookup by marker (a search); the second is the create.
    harness.sandbox.intercomEmulator.setFaults([
      { match: 'POST /conversations', kind: 'status', status: 503, nth: [2] },
    ])
    const listener = await startInProcess(harness)
    stopListener = listener.stop
    const { url } = listener.handle
    const token = harness.sandbox.aircall.webhookToken
    const caller = harness.sandbox.world.truth.knownCallers.find(
      (phone) => normalisePhone(phone, 'FR').kind === 'valid',
    )!

    await postAircall(url, aircallFixture('call.ended', token, { callId: 21, rawDigits: caller, timestamp: T0 + 200 }))
    await waitFor(() => processed(listener.events).length === 1, 'the call to be logged after its retry')
    expect(listener.events.some((event) => event.type === 'retrying' && event.error.includes('503'))).toBe(true)
    const tagged = aircallFixture('call.tagged', token, {
      callId: 21,
      rawDigits: caller,
      tags: ['Resolved'],
      timestamp: T0 + 260,
    })
    await postAircall(url, tagged)
    await postAircall(url, { ...tagged, timestamp: T0 + 261 })
    await queueSettled(url)

    const [first, second] = processed(listener.events).slice(1)
    expect(first?.summary).toMatch(/resolve:resolved/)
    expect(second?.summary).toMatch(/resolve:already-resolved/)
    const conversation = intercomState(harness).conversations.find(
      (c) => (c.custom_attributes as Record<string, unknown>).aircall_call_id === '21',
    )!
    expect(conversation.state).toBe('closed')
    const parts = (
      conversation.conversation_parts as { conversation_parts: Array<{ part_type: string; body: string | null }> }
    ).conversation_parts
    expect(parts.filter((part) => part.part_type === 'note' && part.body?.includes('Call summary'))).toHaveLength(1)
    expect(parts.filter((part) => part.part_type === 'close')).toHaveLength(1)
    expect(listener.handle.summary().deadLettered).toBe(0)
    // call.tagged also applied the tag → attribute mapping to the contact.
    const contactId = harness.sandbox.world.truth.callerToContact[caller]
    const contact = intercomState(harness).contacts.find((c) => c.id === contactId)
    expect((contact?.custom_attributes as Record<string, unknown>).resolved_by_phone).toBe(true)
  })

  test('insight card once per ringing call; an assignee with no Aircall user is dead-lettered with the fix', async () => {
    harness = await startHarness(tempDir(), {
      insightCards: { enabled: true },
      escalation: { enabled: true, onAssigned: true },
    })
    const listener = await startInProcess(harness)
    stopListener = listener.stop
    const { url } = listener.handle
    await registerWebhooks(harness, url, {
      aircallEvents: ['call.created', 'call.ringing_on_agent'],
      intercomTopics: ['conversation.admin.assigned'],
    })
    const { world } = harness.sandbox
    const caller = world.truth.knownCallers.find((phone) => phone.startsWith('+1'))!
    const handle = harness.sandbox.aircallEmulator.injectCall({
      phone: caller,
      outcome: 'answered',
      talkDelayMs: 5_000,
    })
    await waitFor(() => processed(listener.events).length === 2, 'call.created and call.ringing_on_agent')
    const cards = harness.sandbox.aircallEmulator.insightCards()
    expect(cards).toHaveLength(1)
    expect(cards[0]?.callId).toBe(handle.callId)
    expect(JSON.stringify(cards[0]?.contents)).toContain('Open conversations')

    const own = harness.sandbox.intercom.adminId
    const stranger = world.intercom.admins.find(
      (admin) => admin.id !== own && !world.aircall.users.some((user) => user.email === admin.email),
    )!
    const conversation = intercomState(harness).conversations[0]!
    harness.sandbox.intercomEmulator.assign(String(conversation.id), {
      adminId: own === stranger.id ? world.intercom.admins[0]!.id : stranger.id,
      assigneeType: 'admin',
      assigneeId: stranger.id,
    })
    const dead = await waitFor(
      () => listener.events.find((event) => event.type === 'dead-lettered'),
      'the unmapped assignee to be dead-lettered',
    )
    expect(dead).toMatchObject({ type: 'dead-lettered', attempts: 1 })
    expect((dead as { error: string }).error).toContain('escalation.userOverrides')
  })
})
