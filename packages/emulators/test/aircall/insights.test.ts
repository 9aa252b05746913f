import { afterEach, describe, expect, test } from 'vitest'
import type { AircallSeed } from '../../src/aircall/model.js'
import { generateWorld } from '../../src/seed/world.js'
import { type Harness, minimalSeed, type Receiver, startHarness, startReceiver, T0 } from './helpers.js'

let h: Harness | undefined
let rx: Receiver | undefined
afterEach(async () => {
  await h?.emu.close()
  await rx?.close()
  h = undefined
  rx = undefined
})

const S0 = T0 / 1000
type Body = Record<string, unknown>
const AI_PATHS = ['transcription', 'summary', 'sentiments', 'topics', 'action_items', 'custom_summary_result']

/** A seed with a second line (20) that has no AI plan and a third (30) with a custom summary template. */
function twoPlanSeed(): AircallSeed {
  const seed = minimalSeed()
  const paris = seed.numbers[0]!
  seed.numbers.push(
    { ...paris, id: 20, name: 'No AI', digits: '+33 1 76 36 06 96', aiPlan: 'none' },
    { ...paris, id: 30, name: 'Templated', digits: '+33 1 76 36 06 97', summaryTemplate: ['Reason', 'Outcome'] },
  )
  return seed
}

/** Every event the emulator emitted so far, in emission order, with its parsed envelope. */
async function emitted(harness: Harness): Promise<Body[]> {
  await harness.emu.webhooksIdle()
  const seq = (id: string): number => Number(/^evt-(\d+)/.exec(id)?.[1])
  return harness.emu
    .webhookDeliveries()
    .filter((d) => d.attempt === 1)
    .sort((a, b) => seq(a.deliveryId) - seq(b.deliveryId))
    .map((d) => JSON.parse(d.body) as Body)
}

async function clockHarness(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const harness = await startHarness({ lifecycleTimers: 'clock', ...options })
  harness.emu.seed(twoPlanSeed())
  rx = await startReceiver()
  const created = await harness.json('/v1/webhooks', { method: 'POST', body: JSON.stringify({ url: rx.url }) })
  expect(created.status).toBe(201)
  return harness
}

describe('AI endpoints', () => {
  test('seeded world: content for a subset of answered calls, 404 for the rest, 403 on the line without the plan', async () => {
    h = await startHarness({ rateLimitPerMinute: 0 })
    const world = generateWorld({ seed: 3, calls: 300, days: 10, now: T0 })
    h.emu.seed(world.aircall)
    const calls = world.aircall.calls
    const withActions = calls.find((c) => c.insights?.actionItems && c.numberId !== 102)!
    const [status, body] = await Promise.all(AI_PATHS.map((p) => h!.json(`/v1/calls/${withActions.id}/${p}`))).then(
      (answers) => [answers.map((a) => a.status), answers.map((a) => a.body as Body)] as const,
    )
    expect(status).toEqual([200, 200, 200, 200, 200, 404])
    const common = {
      call_uuid: withActions.sid,
      number_id: withActions.numberId,
      type: 'call',
      ai_generated: true,
      call_created_at: new Date(withActions.startedAt * 1000).toISOString(),
    }
    expect(body[0]).toEqual({
      transcription: expect.objectContaining({
        ...common,
        id: expect.any(Number),
        call_id: withActions.id,
        content: { language: 'en', utterances: expect.any(Array) },
      }),
    })
    const utterances = (body[0]!.transcription as { content: { utterances: Body[] } }).content.utterances
    expect(utterances[0]).toEqual({
      start_time: expect.any(Number),
      end_time: expect.any(Number),
      text: expect.any(String),
      participant_type: 'internal',
      user_id: withActions.userId,
    })
    expect(utterances.find((u) => u.participant_type === 'external')).toMatchObject({
      phone_number: expect.stringMatching(/^\+\d+$/),
    })
    // The summary's call_id is a numeric string, as on summary.created; every other entity carries an int.
    expect(body[1]).toEqual({
      summary: expect.objectContaining({ ...common, call_id: String(withActions.id), content: expect.any(String) }),
    })
    expect(body[2]).toEqual({
      sentiment: expect.objectContaining({
        ...common,
        call_id: withActions.id,
        content: [
          {
            phone_number: expect.any(String),
            type: 'external',
            value: expect.stringMatching(/^(POSITIVE|NEUTRAL|NEGATIVE)$/),
          },
        ],
      }),
    })
    expect((body[3]!.topics as Body).content).toEqual(withActions.insights!.topics)
    expect((body[4]!.action_item as Body).content).toEqual(
      withActions.insights!.actionItems!.map((content) => ({
        id: expect.any(Number),
        content,
        user_id: withActions.userId,
      })),
    )
    const ids = body.slice(0, 5).map((b) => (Object.values(b)[0] as Body).id)
    expect(new Set(ids).size).toBe(5)

    const templated = calls.find((c) => c.insights?.customSummary)!
    expect(templated.numberId).toBe(102)
    const custom = await h.json<{ custom_summary_result: Body }>(`/v1/calls/${templated.id}/custom_summary_result`)
    expect(custom.status).toBe(200)
    expect(custom.body.custom_summary_result.summary_template_results).toEqual([
      { name: 'Reason for call', content: expect.any(String) },
      { name: 'Outcome', content: expect.any(String) },
      { name: 'Next step', content: expect.any(String) },
    ])
    expect(custom.body.custom_summary_result.content).toEqual(
      custom.body.custom_summary_result.summary_template_results,
    )

    const talkedNoContent = calls.find((c) => c.answeredAt !== null && c.insights === null && c.numberId !== 105)!
    const noActions = calls.find((c) => c.insights && c.insights.actionItems === null)!
    const missed = calls.find((c) => c.answeredAt === null && c.numberId !== 105)!
    expect((await h.json(`/v1/calls/${talkedNoContent.id}/summary`)).status).toBe(404)
    expect((await h.json(`/v1/calls/${noActions.id}/action_items`)).status).toBe(404)
    expect((await h.json(`/v1/calls/${noActions.id}/summary`)).status).toBe(200)
    expect((await h.json(`/v1/calls/${missed.id}/transcription`)).status).toBe(404)
    const noPlan = calls.find((c) => c.numberId === 105 && c.answeredAt !== null)!
    expect(world.truth.noAiNumberIds).toEqual([105])
    for (const path of AI_PATHS) expect((await h.json(`/v1/calls/${noPlan.id}/${path}`)).status).toBe(403)
    expect((await h.json(`/v1/calls/999/summary`)).status).toBe(404)

    // The company plan is every line's default; a line's own plan wins over it.
    h.emu.updateSettings({ aiPlan: 'none' })
    expect((await h.json(`/v1/calls/${withActions.id}/summary`)).status).toBe(403)
    h.emu.updateNumber(withActions.numberId, { aiPlan: 'ai-assist' })
    expect((await h.json(`/v1/calls/${withActions.id}/summary`)).status).toBe(200)
    const patched = await fetch(`${h.emu.url}/_emulator/numbers/105`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ aiPlan: 'ai-assist' }),
    })
    expect(patched.status).toBe(200)
    // Sydney Desk gets the plan, but its calls have no content: 404, not 403.
    expect((await h.json(`/v1/calls/${noPlan.id}/summary`)).status).toBe(404)
  })

  test('planted calls keep the default rule: answered calls of even id have content', async () => {
    h = await startHarness()
    h.emu.seed(twoPlanSeed())
    h.emu.addCalls([
      { id: 2, startedAt: S0 - 500, phone: '+33612345678' },
      { id: 3, startedAt: S0 - 400, phone: '+33612345678' },
      { id: 4, startedAt: S0 - 300, phone: '+33612345678', numberId: 20 },
      { id: 6, startedAt: S0 - 200, phone: '+33612345678', outcome: 'missed' },
    ])
    expect((await h.json('/v1/calls/2/transcription')).status).toBe(200)
    expect((await h.json('/v1/calls/2/topics')).status).toBe(200)
    expect((await h.json('/v1/calls/2/custom_summary_result')).status).toBe(404)
    expect((await h.json('/v1/calls/3/summary')).status).toBe(404)
    expect((await h.json('/v1/calls/4/summary')).status).toBe(403)
    expect((await h.json('/v1/calls/6/summary')).status).toBe(404)
  })
})

describe('AI, voicemail and asset events on the documented delays (clock-driven, no sleeping)', () => {
  test('answered call: hungup at once, ended 30 s later, then each AI event on its delay; content appears with it', async () => {
    h = await clockHarness()
    const life = h.emu.injectCall({ phone: '+33612345678', talkSeconds: 90, numberId: 30, shiftStartedAt: false })
    const id = life.callId
    expect((await emitted(h)).map((e) => e.event)).toEqual(['call.created'])
    h.emu.advanceClock(30)
    expect((await emitted(h)).map((e) => e.event)).toEqual([
      'call.created',
      'call.ringing_on_agent',
      'call.answered',
      'call.hungup',
    ])
    h.emu.advanceClock(29_000)
    expect((await emitted(h)).at(-1)!.event).toBe('call.hungup')
    expect((await h.json(`/v1/calls/${id}/transcription`)).status).toBe(404)
    h.emu.advanceClock(1_000)
    expect((await emitted(h)).slice(4).map((e) => e.event)).toEqual(['call.ended', 'call.comm_assets_generated'])
    // Nothing yet: the content comes with its event, seconds to minutes after call.ended.
    expect((await h.json(`/v1/calls/${id}/summary`)).status).toBe(404)
    h.emu.advanceClock(10 * 60_000)
    await life.settled
    const events = await emitted(h)
    const ai = events.slice(6)
    const expected = ['transcription.created', 'summary.created', 'sentiment.created', 'topics.created']
    const hasActions = (await h.json(`/v1/calls/${id}/action_items`)).status === 200
    if (hasActions) expected.push('action_item.created')
    expected.push('custom_summary.result_created')
    expect(ai.map((e) => e.event)).toEqual(expected)
    // Each event is stamped at its own instant: hungup at T0, ended 30 s later, the AI kinds on their delays.
    const at = (event: string): number => events.find((e) => e.event === event)!.timestamp as number
    expect(at('call.hungup')).toBe(S0)
    expect(at('call.ended')).toBe(S0 + 30)
    expect(at('transcription.created')).toBe(S0 + 60)
    expect(at('summary.created')).toBe(S0 + 75)
    expect(at('sentiment.created')).toBe(S0 + 80)
    expect(at('topics.created')).toBe(S0 + 85)
    expect(at('custom_summary.result_created')).toBe(S0 + 105)
    const hungup = events.find((e) => e.event === 'call.hungup')!.data as Body
    for (const event of ai) {
      expect(event.resource).toBe('conversation_intelligence')
      expect(event.data).toMatchObject({
        call_uuid: hungup.call_uuid,
        number_id: 30,
        type: 'call',
        call_id: event.event === 'summary.created' ? String(id) : id,
        id: expect.any(Number),
      })
    }
    const transcription = ai[0]!.data as Body
    const served = await h.json<{ transcription: Body }>(`/v1/calls/${id}/transcription`)
    expect(served.body.transcription).toEqual(transcription)
    expect((ai[1]!.data as Body).content).toEqual(expect.any(String))
    expect((ai[3]!.data as Body).content).toEqual(expect.arrayContaining([expect.any(String)]))
    expect(h.emu.state().scheduled).toEqual([])
  })

  test('the delays are settings (and per call); a line without the plan gets no AI events and answers 403', async () => {
    h = await clockHarness({ transcriptionDelayMs: 5_000, summaryDelayMs: 7_000, endedDelayMs: 1_000 })
    const quick = h.emu.injectCall({ phone: '+33612345678', aiDelaysMs: { sentiment: 2_000 } })
    const none = h.emu.injectCall({ phone: '+33612345679', numberId: 20 })
    const mute = h.emu.injectCall({ phone: '+33612345670', aiContent: false })
    h.emu.advanceClock(1_030)
    const pending = h.emu.state().scheduled.map((s) => s.label)
    expect(pending).toContain(`call ${quick.callId} transcription.created`)
    expect(pending.some((label) => label.startsWith(`call ${none.callId} `) && label.includes('.created'))).toBe(false)
    expect(pending.some((label) => label.startsWith(`call ${mute.callId} `) && label.includes('.created'))).toBe(false)
    h.emu.advanceClock(10 * 60_000)
    const events = await emitted(h)
    const aiOf = (callId: number, from = events): Body[] =>
      from.filter((e) => e.resource === 'conversation_intelligence' && Number((e.data as Body).call_id) === callId)
    const quickAt = Object.fromEntries(aiOf(quick.callId).map((e) => [e.event, (e.timestamp as number) - S0]))
    expect(quickAt).toMatchObject({ 'sentiment.created': 3, 'transcription.created': 6, 'summary.created': 8 })
    expect(aiOf(none.callId)).toEqual([])
    expect(aiOf(mute.callId)).toEqual([])
    expect((await h.json(`/v1/calls/${none.callId}/transcription`)).status).toBe(403)
    expect((await h.json(`/v1/calls/${mute.callId}/transcription`)).status).toBe(404)
    // A line that loses the plan before its call's events are due gets no more of them.
    const late = h.emu.injectCall({ phone: '+33612345678' })
    h.emu.advanceClock(2_000)
    h.emu.updateNumber(10, { aiPlan: 'none' })
    h.emu.advanceClock(10 * 60_000)
    expect(aiOf(late.callId, await emitted(h))).toEqual([])
  })

  test('voicemail: voicemail_left with the signed voicemail URL and the asset page, comm_assets_generated later, a voicemail transcript', async () => {
    h = await clockHarness({ assetsDelayMs: 20_000 })
    const life = h.emu.injectCall({ phone: '+33612345678', outcome: 'voicemail', shiftStartedAt: false })
    const plain = h.emu.injectCall({ phone: '+33612345679', outcome: 'voicemail', voicemailTranscript: false })
    h.emu.advanceClock(10 * 60_000)
    const events = await emitted(h)
    const of = (callId: number): Body[] =>
      events.filter((e) => (e.data as Body).id === callId || (e.data as Body).call_id === callId)
    expect(of(life.callId).map((e) => e.event)).toEqual([
      'call.created',
      'call.ringing_on_agent',
      'call.hungup',
      'call.voicemail_left',
      'call.ended',
      'call.comm_assets_generated',
      'transcription.created',
    ])
    expect(of(plain.callId).map((e) => e.event)).not.toContain('transcription.created')
    const byEvent = (event: string): Body => of(life.callId).find((e) => e.event === event)!
    expect(byEvent('call.comm_assets_generated').timestamp).toBe((byEvent('call.ended').timestamp as number) + 20)
    for (const event of ['call.voicemail_left', 'call.comm_assets_generated']) {
      const data = byEvent(event).data as Body
      expect(byEvent(event).resource).toBe('call')
      expect(data).toMatchObject({
        id: life.callId,
        direction: 'inbound',
        answered_at: null,
        missed_call_reason: 'agents_did_not_answer',
        recording: null,
        asset: `https://assets.aircall.io/calls/${life.callId}/voicemail`,
        call_uuid: expect.stringMatching(/^CA/),
      })
      expect(data.voicemail).toMatch(
        new RegExp(`^${h.emu.url}/_media/calls/${life.callId}/voicemail\\.mp3\\?Expires=\\d+&Signature=[0-9a-f]+$`),
      )
      const audio = await fetch(data.voicemail as string)
      expect(audio.status).toBe(200)
      expect(audio.headers.get('content-type')).toBe('audio/mpeg')
    }
    const transcript = byEvent('transcription.created').data as Body
    expect(transcript).toMatchObject({ type: 'voicemail', call_id: life.callId })
    const utterances = (transcript.content as { utterances: Body[] }).utterances
    expect(utterances.every((u) => u.participant_type === 'external')).toBe(true)
    expect((await h.json(`/v1/calls/${life.callId}/transcription`)).body).toEqual({ transcription: transcript })
    expect((await h.json(`/v1/calls/${life.callId}/summary`)).status).toBe(404)
    // The signed link expires with the recording TTL; the asset page does not.
    h.emu.advanceClock(3_600_000 + 1_000)
    const voicemail = (byEvent('call.voicemail_left').data as Body).voicemail as string
    expect((await fetch(voicemail)).status).toBe(403)
  })

  test('control API: the clock endpoint runs due steps; calls/:id/insights emits a seeded call’s AI events now', async () => {
    h = await clockHarness()
    const ctl = (path: string, init: RequestInit = {}) =>
      fetch(`${h!.emu.url}/_emulator${path}`, { ...init, headers: { 'content-type': 'application/json' } })
    const started = await ctl('/lifecycle', { method: 'POST', body: JSON.stringify({ phone: '+33612345678' }) })
    const { call_id: callId } = (await started.json()) as { call_id: number }
    const schedule = (await (await ctl('/schedule')).json()) as { scheduled: Array<{ dueAt: number; label: string }> }
    expect(schedule.scheduled).toEqual([{ dueAt: T0 + 10, label: `call ${callId} call.ringing_on_agent` }])
    await ctl('/clock', { method: 'POST', body: JSON.stringify({ advanceMs: 31_000 }) })
    expect((await emitted(h)).map((e) => e.event)).toContain('call.ended')
    h.clock.now += 30_000
    const ran = (await (await ctl('/run-due', { method: 'POST' })).json()) as { ran: number }
    expect(ran.ran).toBe(1)
    expect((await emitted(h)).at(-1)!.event).toBe('transcription.created')

    h.emu.addCalls([{ id: 100, startedAt: S0 - 900, phone: '+33611111111' }])
    const sent = await ctl('/calls/100/insights', {
      method: 'POST',
      body: JSON.stringify({ kinds: ['summary', 'topics'] }),
    })
    expect(await sent.json()).toEqual({ emitted: ['summary.created', 'topics.created'] })
    const last = (await emitted(h)).slice(-2)
    expect(last.map((e) => [e.event, (e.data as Body).call_id])).toEqual([
      ['summary.created', '100'],
      ['topics.created', 100],
    ])
    expect((await ctl('/calls/101/insights', { method: 'POST', body: '{}' })).status).toBe(404)
    expect(
      (await ctl('/calls/100/insights', { method: 'POST', body: JSON.stringify({ kinds: ['mood'] }) })).status,
    ).toBe(400)
    const bad = await ctl('/settings', { method: 'PATCH', body: JSON.stringify({ aiPlan: 'premium' }) })
    expect(bad.status).toBe(400)
  })
})
