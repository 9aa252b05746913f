import { afterEach, describe, expect, test } from 'vitest'
import { type Harness, minimalSeed, startHarness, T0 } from './helpers.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.emu.close()
  h = undefined
})

type Call = Record<string, unknown> & { id: number; started_at: number }
type CallList = { calls: Call[]; meta: { total: number; next_page_link: string | null } }
const S0 = T0 / 1000

async function seeded(): Promise<Harness> {
  const harness = await startHarness()
  harness.emu.seed(minimalSeed())
  return harness
}

describe('GET /v1/calls', () => {
  test('from is exclusive and to is inclusive on started_at; adjacent windows tile without overlap', async () => {
    h = await seeded()
    h.emu.addCalls(
      [S0 - 300, S0 - 200, S0 - 100].map((startedAt, i) => ({ id: 100 + i, startedAt, phone: '+33612345678' })),
    )
    const ids = async (q: string): Promise<number[]> =>
      (await h!.json<CallList>(`/v1/calls?${q}`)).body.calls.map((c) => c.id)
    expect(await ids(`from=${S0 - 300}&to=${S0 - 100}`)).toEqual([101, 102])
    expect(await ids(`from=${S0 - 301}&to=${S0 - 200}`)).toEqual([100, 101])
    expect(await ids(`from=${S0 - 400}&to=${S0 - 200}&order=desc`)).toEqual([101, 100])
    const a = await ids(`from=${S0 - 1000}&to=${S0 - 200}`)
    const b = await ids(`from=${S0 - 200}&to=${S0}`)
    expect([...a, ...b]).toEqual([100, 101, 102])
  })

  test('the retention horizon follows the injected clock: older windows are 200 and empty', async () => {
    h = await seeded()
    const old = S0 - 170 * 86_400
    h.emu.addCalls([{ id: 1, startedAt: old, phone: '+33612345678' }])
    const q = `/v1/calls?from=${old - 10}&to=${old + 10}`
    expect((await h.json<CallList>(q)).body.calls).toHaveLength(1)
    h.clock.now += 11 * 86_400_000
    const after = await h.json<CallList>(q)
    expect(after.status).toBe(200)
    expect(after.body.calls).toEqual([])
    expect(after.body.meta.total).toBe(0)
    expect((await h.json('/v1/calls/1')).status).toBe(404)
  })

  test('call JSON has the live field set and types; short URLs only on request; teams only inbound', async () => {
    h = await seeded()
    h.emu.addCalls([
      {
        id: 7,
        startedAt: S0 - 600,
        phone: '+16176105413',
        userId: 1,
        numberId: 10,
        teamIds: [5],
        tagIds: [1],
        comments: ['hi'],
      },
      { id: 8, startedAt: S0 - 500, direction: 'outbound', phone: '+33612345678', teamIds: [5] },
      { id: 9, startedAt: S0 - 400, rawDigits: 'anonymous', outcome: 'missed', missedCallReason: 'short_abandoned' },
    ])
    const { body } = await h.json<{ call: Call }>('/v1/calls/7')
    const call = body.call
    expect(Object.keys(call).sort()).toEqual(
      [
        'id',
        'sid',
        'direct_link',
        'direction',
        'status',
        'missed_call_reason',
        'started_at',
        'answered_at',
        'ended_at',
        'duration',
        'archived',
        'cost',
        'voicemail',
        'recording',
        'recording_short_url',
        'voicemail_short_url',
        'asset',
        'raw_digits',
        'user',
        'contact',
        'assigned_to',
        'transferred_by',
        'transferred_to',
        'comments',
        'number',
        'teams',
        'tags',
        'country_code_a2',
        'pricing_type',
      ].sort(),
    )
    expect(call).toMatchObject({
      raw_digits: '+1 617-610-5413',
      status: 'done',
      country_code_a2: 'US',
      direct_link: `${h.emu.url}/v1/calls/7`,
      asset: 'https://assets.aircall.io/calls/7/recording',
      recording_short_url: null,
      cost: expect.any(String),
    })
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/)
    expect(Number.isInteger(call.started_at) && Number.isInteger(call.ended_at)).toBe(true)
    expect((call.number as Record<string, unknown>).time_zone).toBe('Europe/Paris')
    expect(call.tags).toEqual([{ id: 1, name: 'VIP', created_at: expect.any(Number), tagged_by: expect.any(Object) }])
    expect(call.comments).toEqual([
      { id: expect.any(Number), content: 'hi', posted_at: expect.any(Number), posted_by: expect.any(Object) },
    ])
    expect((call.teams as unknown[]).length).toBe(1)
    const outbound = (await h.json<{ call: Call }>('/v1/calls/8')).body.call
    expect(outbound.teams).toEqual([])
    const anon = (await h.json<{ call: Call }>('/v1/calls/9')).body.call
    expect(anon).toMatchObject({ raw_digits: 'anonymous', answered_at: null, missed_call_reason: 'short_abandoned' })
    const full = (await h.json<{ call: Call }>('/v1/calls/7?fetch_short_urls=true&fetch_call_timeline=true')).body.call
    expect(full.recording_short_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_media\/s\//)
    expect(full.ivr_options_selected).toEqual([])
  })

  test('recording URLs expire (403 from the emulator) while asset stays the same', async () => {
    h = await seeded()
    h.emu.addCalls([{ id: 7, startedAt: S0 - 600, phone: '+33612345678' }])
    const first = (await h.json<{ call: Call }>('/v1/calls/7')).body.call
    const recording = first.recording as string
    const ok = await fetch(recording)
    expect(ok.status).toBe(200)
    expect(ok.headers.get('content-type')).toBe('audio/mpeg')
    h.clock.now += 3_600_000 + 1_000
    expect((await fetch(recording)).status).toBe(403)
    expect((await fetch(recording.replace(/Signature=\w+/, 'Signature=forged'))).status).toBe(403)
    const again = (await h.json<{ call: Call }>('/v1/calls/7')).body.call
    expect(again.asset).toBe(first.asset)
    expect(again.recording).not.toBe(recording)
    expect((await fetch(again.recording as string)).status).toBe(200)
  })

  test('bulk-plants 30,000 calls (15,000 on one day) fast and lists a window by binary search', async () => {
    h = await seeded()
    const day = S0 - 2 * 86_400
    const t = Date.now()
    h.emu.generateCalls({ count: 15_000, from: day, to: day + 86_400, seed: 1 })
    h.emu.generateCalls({ count: 15_000, from: S0 - 60 * 86_400, to: S0 - 3 * 86_400, seed: 2 })
    // About a second on an idle machine; the bound leaves room for a loaded shared CI box.
    expect(Date.now() - t).toBeLessThan(15_000)
    const probe = await h.json<CallList>(`/v1/calls?from=${day}&to=${day + 86_400}&per_page=1`)
    expect(probe.body.meta.total).toBe(15_000)
    const capped = await h.json(`/v1/calls?from=${day}&to=${day + 86_400}&per_page=50&page=201`)
    expect(capped.status).toBe(400)
    const last = await h.json<CallList>(`/v1/calls?from=${day}&to=${day + 86_400}&per_page=50&page=200`)
    expect(last.body.calls).toHaveLength(50)
    // The link does not know about the cap: following it blindly is a 400, so clients must split windows.
    expect(last.body.meta.next_page_link).toContain('page=201')
  })
})

describe('GET /v1/calls/search', () => {
  test('direction, user_id, phone_number in any format, and tags[] as AND', async () => {
    h = await seeded()
    h.emu.addCalls([
      { id: 1, startedAt: S0 - 500, phone: '+33612345678', tagIds: [1, 2], userId: 1 },
      { id: 2, startedAt: S0 - 400, phone: '+33612345678', tagIds: [1], direction: 'outbound', userId: null },
      { id: 3, startedAt: S0 - 300, phone: '+14155550100', tagIds: [2], userId: 1 },
    ])
    const ids = async (q: string): Promise<number[]> =>
      (await h!.json<CallList>(`/v1/calls/search?${q}`)).body.calls.map((c) => c.id)
    expect(await ids('direction=inbound')).toEqual([1, 3])
    expect(await ids('user_id=1')).toEqual([1, 3])
    expect(await ids(`phone_number=${encodeURIComponent('+33 6 12 34 56 78')}`)).toEqual([1, 2])
    expect(await ids('phone_number=0033612345678')).toEqual([1, 2])
    expect(await ids(`phone_number=${encodeURIComponent('+1 (415) 555-0100')}`)).toEqual([3])
    expect(await ids('tags[]=1&tags[]=2')).toEqual([1])
    expect(await ids('tags[]=1')).toEqual([1, 2])
  })
})

describe('call mutations', () => {
  test('comments 201 with posted_by null, capped at 5; tags by id 201, unknown id 404; archive', async () => {
    h = await seeded()
    h.emu.addCalls([{ id: 1, startedAt: S0 - 500, phone: '+33612345678' }])
    for (let i = 0; i < 5; i++) {
      const r = await h.api('/v1/calls/1/comments', {
        method: 'POST',
        body: JSON.stringify({ content: `note ${i} 🎉` }),
      })
      expect(r.status).toBe(201)
    }
    expect(
      (await h.api('/v1/calls/1/comments', { method: 'POST', body: JSON.stringify({ content: 'six' }) })).status,
    ).toBe(422)
    expect((await h.api('/v1/calls/1/comments', { method: 'POST', body: JSON.stringify({}) })).status).toBe(400)
    const call = (await h.json<{ call: Call }>('/v1/calls/1')).body.call
    expect((call.comments as Array<Record<string, unknown>>)[0]).toMatchObject({
      content: 'note 0 ',
      posted_by: null,
      posted_at: S0,
    })
    expect((await h.api('/v1/calls/1/tags', { method: 'POST', body: JSON.stringify({ tags: [2] }) })).status).toBe(201)
    expect((await h.api('/v1/calls/1/tags', { method: 'POST', body: JSON.stringify({ tags: [99] }) })).status).toBe(404)
    expect((await h.api('/v1/calls/1/tags', { method: 'POST', body: JSON.stringify({ tags: ['VIP'] }) })).status).toBe(
      400,
    )
    const archived = await h.json<{ call: Call }>('/v1/calls/1/archive', { method: 'PUT' })
    expect(archived.status).toBe(200)
    expect(archived.body.call.archived).toBe(true)
    // Archived calls stay in lists.
    expect((await h.json<CallList>('/v1/calls')).body.calls.map((c) => c.id)).toEqual([1])
    expect((await h.json<{ call: Call }>('/v1/calls/1/unarchive', { method: 'PUT' })).body.call.archived).toBe(false)
  })
})
