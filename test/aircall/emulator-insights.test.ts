import { afterEach, describe, expect, it } from 'vitest'

import { summarySchema, transcriptionSchema } from '../../src/aircall/ai-schemas.js'
import { AircallClient } from '../../src/aircall/client.js'
import { aircallMessageSchema, mediaOf } from '../../src/aircall/message-schemas.js'
import { safeParseAircallEvent } from '../../src/aircall/webhook-events.js'
import { type AircallEmulator, startAircallEmulator } from '@aircall-intercom/emulators/aircall/server.js'
import { generateWorld } from '@aircall-intercom/emulators/seed/world.js'
import { insightAttributeValue, insightTextLines } from '../../src/pipeline/call-insights.js'
import { type Receiver, startReceiver } from '../../packages/emulators/test/aircall/helpers.js'

const NOW = Date.UTC(2026, 8, 28, 12, 0, 0)
let emulator: AircallEmulator | undefined
let receiver: Receiver | undefined
afterEach(async () => {
  await emulator?.close()
  await receiver?.close()
  emulator = undefined
  receiver = undefined
})

type Body = Record<string, unknown>

/** The emulator on a frozen clock that only moves when told, seeded from a world, with a webhook receiver. */
async function start(): Promise<{
  emulator: AircallEmulator
  client: AircallClient
  world: ReturnType<typeof generateWorld>
}> {
  emulator = await startAircallEmulator({
    apiId: 'id1',
    apiToken: 'tok1',
    rateLimitPerMinute: 0,
    lifecycleTimers: 'clock',
    now: () => NOW,
  })
  const world = generateWorld({ seed: 4, calls: 200, days: 10, now: NOW })
  emulator.seed(world.aircall)
  const client = new AircallClient({ credentials: { apiId: 'id1', apiToken: 'tok1' }, baseUrl: emulator.url })
  receiver = await startReceiver()
  await client.webhooks.create({ url: receiver.url, events: [] })
  return { emulator, client, world }
}

async function emitted(emu: AircallEmulator): Promise<Body[]> {
  await emu.webhooksIdle()
  const seq = (id: string): number => Number(/^evt-(\d+)/.exec(id)?.[1])
  return emu
    .webhookDeliveries()
    .filter((d) => d.attempt === 1)
    .sort((a, b) => seq(a.deliveryId) - seq(b.deliveryId))
    .map((d) => JSON.parse(d.body) as Body)
}

describe('the toolkit reads what the Aircall emulator serves and sends about AI, voicemail and messages', () => {
  it('calls.getInsight returns the seeded summary and transcript; a line without the plan reads as none', async () => {
    const { client, world } = await start()
    const callId = world.truth.aiCallIds[0]!
    const summary = await client.calls.getInsight(callId, 'summary')
    expect(summarySchema.parse(summary).call_id).toBe(String(callId))
    const transcript = transcriptionSchema.parse(await client.calls.getInsight(callId, 'transcription'))
    expect(transcript.content.utterances.length).toBeGreaterThan(2)
    const noPlan = world.aircall.calls.find((c) => c.numberId === 105 && c.answeredAt !== null)!
    expect(await client.calls.getInsight(noPlan.id, 'summary')).toBeNull()
  })

  it('every AI, voicemail and message webhook parses with the toolkit’s own readers', async () => {
    const { emulator: emu, world } = await start()
    emu.injectCall({ phone: '+33612345678', numberId: 102 })
    emu.injectCall({ phone: '+33612345679', numberId: 101, outcome: 'voicemail' })
    emu.receiveMessage({
      numberId: 101,
      from: world.truth.messageThreads[1]!.phone,
      body: 'Photo attached',
      channel: 'whatsapp',
      media: [{ fileName: 'a.jpg', fileType: 'image/jpeg' }],
    })
    const sent = await fetch(`${emu.url}/v1/numbers/101/messages/native/send`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('id1:tok1').toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ to: '+33612345678', body: 'We are on it' }),
    })
    expect(sent.status).toBe(200)
    emu.advanceClock(10 * 60_000)
    const events = await emitted(emu)
    const names = events.map((e) => e.event)
    for (const name of [
      'transcription.created',
      'summary.created',
      'sentiment.created',
      'topics.created',
      'custom_summary.result_created',
      'call.voicemail_left',
      'call.comm_assets_generated',
      'message.received',
      'message.sent',
      'message.status_updated',
    ])
      expect(names).toContain(name)
    for (const event of events) expect(safeParseAircallEvent(event).ok, String(event.event)).toBe(true)
    const data = (name: string): Body => events.find((e) => e.event === name)!.data as Body
    expect(transcriptionSchema.parse(data('transcription.created')).content.utterances.length).toBeGreaterThan(0)
    expect(summarySchema.parse(data('summary.created')).content).toEqual(expect.any(String))
    expect(insightAttributeValue('sentiment.created', data('sentiment.created'))).toMatch(
      /^(positive|neutral|negative)$/,
    )
    expect(insightAttributeValue('topics.created', data('topics.created'))).toEqual(expect.any(String))
    expect(insightTextLines('custom_summary.result_created', data('custom_summary.result_created'))).toHaveLength(3)
    const actions = events.find((e) => e.event === 'action_item.created')
    if (actions) expect(insightTextLines('action_item.created', actions.data as Body).length).toBeGreaterThan(0)
    const voicemailTranscript = events.filter((e) => e.event === 'transcription.created').map((e) => e.data as Body)
    expect(voicemailTranscript.map((d) => d.type).sort()).toEqual(['call', 'voicemail'])

    const received = aircallMessageSchema.parse(data('message.received'))
    expect(received).toMatchObject({ channel: 'whatsapp', direction: 'inbound', number: { id: '101' } })
    expect(mediaOf(received)).toEqual([{ name: 'a.jpg', url: expect.stringContaining('/_media/messages/') }])
    expect(aircallMessageSchema.parse(data('message.status_updated'))).toMatchObject({
      status: 'delivered',
      channel: null,
    })
  })
})
