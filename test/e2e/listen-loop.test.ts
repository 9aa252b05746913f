import { afterEach, describe, expect, test } from 'vitest'
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

const TOPICS = [
  'conversation.user.created',
  'conversation.admin.assigned',
  'conversation.admin.noted',
  'conversation.admin.closed',
  'conversation_part.tag.created',
  'conversation.priority.updated',
  'contact.user.updated',
  'contact.lead.updated',
]

/** Both emulators idle and the listener's queue empty, twice in a row: nothing is left to bounce. */
const settle = async (h: Harness, listenerUrl: string): Promise<void> => {
  for (let round = 0; round < 2; round++) {
    await h.sandbox.aircallEmulator.webhooksIdle()
    await h.sandbox.intercomEmulator.webhooksIdle()
    await queueSettled(listenerUrl)
  }
}

describe('two-way loop through the emulators’ real webhooks', () => {
  test('our own writes come back as webhooks and stop there; a human assignment escalates once to Aircall', async () => {
    const probe = await startHarness(tempDir())
    const { world } = probe.sandbox
    await probe.close()
    const ownAdmin = world.truth.adminMatchingAircallUser.adminId
    const [agent, human] = world.intercom.admins.filter((admin) => admin.id !== ownAdmin)
    const aircallUser = world.aircall.users[0]!.id
    harness = await startHarness(tempDir(), {
      vip: {
        enabled: true,
        rules: [{ name: 'long call', minDurationSeconds: 1 }],
        defaultRoute: { type: 'admin', id: agent!.id },
      },
      escalation: { enabled: true, onAssigned: true, userOverrides: { [agent!.id]: aircallUser } },
    })
    const listener = await startInProcess(harness)
    stopListener = listener.stop
    const url = listener.handle.url
    await registerWebhooks(harness, url, { aircallEvents: ['call.ended'], intercomTopics: TOPICS })

    const caller = harness.sandbox.world.truth.knownCallers.find((phone) => phone.startsWith('+1'))!
    harness.sandbox.aircallEmulator.injectCall({
      phone: caller,
      outcome: 'answered',
      talkSeconds: 90,
      endedDelayMs: 50,
    })
    await waitFor(
      () => listener.events.some((e) => e.type === 'processed' && e.eventType === 'call.ended'),
      'call.ended',
    )
    await settle(harness, url)

    const processed = listener.events.filter((event) => event.type === 'processed')
    const ended = processed.find((event) => event.eventType === 'call.ended')!
    expect(ended.summary).toMatch(/log:logged.*vip:applied/)
    const echoes = processed.filter(
      (event) => event.type === 'processed' && event.summary.startsWith('loop-guard:echo'),
    )
    // The note and assignment we wrote came back as Intercom webhooks and were recognised as ours.
    expect(echoes.map((event) => event.eventType)).toEqual(
      expect.arrayContaining(['conversation.admin.noted', 'conversation.admin.assigned']),
    )
    const intercomEvents = processed.filter((event) => event.eventType !== 'call.ended')
    expect(intercomEvents.every((event) => !/escalation:(queued|already-imported)/.test(event.summary))).toBe(true)
    expect(harness.sandbox.aircallEmulator.state().dialerCampaigns).toBe(0)

    // The round is over: nothing more arrives and nothing more is written.
    const writes = harness.sandbox.intercomEmulator.requestCounts().total
    const seen = listener.events.length
    await settle(harness, url)
    expect(harness.sandbox.intercomEmulator.requestCounts().total).toBe(writes)
    expect(listener.events.length).toBe(seen)

    // A person assigns the conversation: that one escalates, once, and Aircall sends nothing back.
    const conversation = intercomState(harness).conversations.find(
      (c) => (c.custom_attributes as Record<string, unknown>).aircall_call_id !== undefined,
    )!
    harness.sandbox.intercomEmulator.assign(String(conversation.id), {
      adminId: human!.id,
      assigneeType: 'admin',
      assigneeId: agent!.id,
    })
    await waitFor(
      () => listener.events.some((e) => e.type === 'processed' && /escalation:queued/.test(e.summary)),
      'the escalation',
    )
    await settle(harness, url)
    expect(harness.sandbox.aircallEmulator.state().dialerCampaigns).toBe(1)
    const escalations = listener.events.filter((e) => e.type === 'processed' && /escalation:queued/.test(e.summary))
    expect(escalations).toHaveLength(1)
    expect(listener.events.filter((e) => e.type === 'dead-lettered')).toEqual([])
  }, 60_000)
})
