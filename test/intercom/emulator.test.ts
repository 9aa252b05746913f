import { afterEach, describe, expect, it } from 'vitest'

import { type IntercomEmulator, startIntercomEmulator } from '@aircall-intercom/emulators/intercom/index.js'
import { ConflictError, GoneError, ServerError } from '../../src/http/errors.js'
import { collect } from '../../src/http/paginate.js'
import { IntercomRateGate } from '../../src/intercom/rate-gate.js'
import { IntercomClient } from '../../src/intercom/client.js'
import { contactQuery as q } from '../../src/intercom/query.js'
import { ManualClock } from '../http/helpers.js'

const ADMIN = '991267459'
let emulator: IntercomEmulator | undefined
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

async function start(options: { perMinute?: number; emulatorPerMinute?: number; concurrency?: number } = {}) {
  const clock = new ManualClock(1_767_225_600_000)
  emulator = await startIntercomEmulator({
    accessToken: 'ic-token',
    clientSecret: 'ic-secret',
    // Records every request or response that breaks Intercom's OpenAPI 2.16 description.
    contract: 'record',
    rateLimitPerMinute: options.emulatorPerMinute ?? 0,
    now: () => clock.now(),
  })
  const gate = new IntercomRateGate({
    perMinute: options.perMinute ?? 10_000,
    concurrency: options.concurrency ?? 4,
    clock,
    sleep: clock.sleep,
  })
  const client = new IntercomClient({
    accessToken: 'ic-token',
    baseUrl: emulator.url,
    gate,
    clock,
    sleep: clock.sleep,
    random: () => 0,
  })
  return { emulator, client, clock, gate }
}

describe('IntercomClient against the Intercom emulator', () => {
  it('sends three window budgets of requests with at most a handful of 429s, each honoured', async () => {
    const { emulator, client, clock, gate } = await start({ perMinute: 600, emulatorPerMinute: 600 })
    const t0 = clock.now()
    const admins = await Promise.all(Array.from({ length: 300 }, () => client.me()))
    expect(admins.every((a) => a.id === ADMIN)).toBe(true)
    const counts = emulator.requestCounts()
    expect(counts.rateLimited).toBeLessThanOrEqual(4)
    expect(gate.stats().rateLimited).toBe(counts.rateLimited)
    expect(gate.stats().requests).toBe(300 + counts.rateLimited)
    // 100 per 10-second window: 300 requests need three windows, so at least 20 s of (fake) time.
    expect(clock.now() - t0).toBeGreaterThanOrEqual(20_000)
    expect(clock.now() - t0).toBeLessThan(40_000)
  })

  it('does not replay a contact create that got a 503', async () => {
    const { emulator, client } = await start()
    emulator.addFault({ match: 'POST /contacts', kind: 'status', status: 503, nth: [1] })
    await expect(client.contacts.create({ role: 'user', email: 'ann@x.io' })).rejects.toBeInstanceOf(ServerError)
    expect(emulator.requestCounts().total).toBe(1)
    emulator.clearFaults()
    expect(await collect(client.contacts.search(q.eq('email', 'ann@x.io')), 10)).toEqual([])
    expect((await client.contacts.create({ role: 'user', email: 'ann@x.io' })).email).toBe('ann@x.io')
  })

  it('turns a 409 conflict into the existing contact id', async () => {
    const { client } = await start()
    const first = await client.contacts.create({ role: 'user', email: 'bob@x.io', phone: '+14155550100' })
    const err = (await client.contacts
      .create({ role: 'user', email: 'bob@x.io' })
      .catch((e: unknown) => e)) as ConflictError
    expect(err).toBeInstanceOf(ConflictError)
    expect(err.existingId).toBe(first.id)
    expect(await client.contacts.createOrGetExisting({ role: 'user', email: 'bob@x.io' })).toMatchObject({
      created: false,
      contact: { id: first.id },
    })
  })

  it('speaks contacts, search paging, merges, conversations, messages, tags and attributes', async () => {
    const { client } = await start()
    const user = await client.contacts.create({ role: 'user', email: 'cat@x.io', phone: '+33612345678', name: 'Cat' })
    const lead = await client.contacts.create({ role: 'lead', phone: '+33 6 12 34 56 78' })
    for (let i = 0; i < 5; i++) await client.contacts.create({ role: 'lead', name: `Lead ${i}` })

    const all = await collect(client.contacts.listAll({ perPage: 3 }), 100)
    expect(new Set(all.map((c) => c.id)).size).toBe(7)
    const byPhone = await client.contacts.findByPhone('+33612345678', ['+33 6 12 34 56 78', '0612345678'])
    expect(byPhone.map((c) => c.id).sort()).toEqual([user.id, lead.id].sort())

    const merged = await client.contacts.merge(lead.id, user.id)
    expect(merged.id).toBe(user.id)
    await expect(client.contacts.get(lead.id)).rejects.toBeInstanceOf(GoneError)
    expect((await client.contacts.getFollowingMerges(lead.id)).id).toBe(user.id)

    const attrs = await client.dataAttributes.list('contact')
    expect(attrs.length).toBeGreaterThan(0)
    await client.dataAttributes.create({ name: 'last_call_at', model: 'contact', dataType: 'date' })
    expect((await client.dataAttributes.list('contact')).some((a) => a.name === 'last_call_at')).toBe(true)
    expect((await client.contacts.update(user.id, { custom_attributes: { last_call_at: 1_767_225_000 } })).id).toBe(
      user.id,
    )

    const started = await client.conversations.create({
      contactId: user.id,
      body: 'Missed call from +33 6 12 34 56 78',
    })
    const conversationId = started.conversation_id
    await client.conversations.addNote(conversationId, { adminId: ADMIN, body: '<p>Call lasted 2 min</p>' })
    const assigned = await client.conversations.assign(conversationId, { adminId: ADMIN, assigneeId: ADMIN })
    expect(String(assigned.admin_assignee_id)).toBe(ADMIN)
    const closed = await client.conversations.close(conversationId, { adminId: ADMIN })
    expect(closed.state).toBe('closed')
    expect((await client.conversations.open(conversationId, { adminId: ADMIN })).state).toBe('open')
    expect((await client.conversations.get(conversationId)).id).toBe(conversationId)

    const tag = await client.tags.upsert('Aircall')
    expect((await client.tags.upsert('aircall')).id).toBe(tag.id)
    await client.contacts.tag(user.id, tag.id)
    await client.conversations.tag(conversationId, { tagId: tag.id, adminId: ADMIN })
    expect((await client.tags.list()).map((t) => t.name)).toContain('Aircall')

    const message = await client.messages.sendInApp({
      adminId: ADMIN,
      contactId: user.id,
      contactRole: 'user',
      body: 'Sorry',
    })
    expect(message.id).toBeTruthy()
    const email = await client.messages.sendEmail({
      adminId: ADMIN,
      contactId: user.id,
      subject: 'Missed call',
      body: 'Hi',
    })
    expect(email.id).toBeTruthy()
    expect((await client.contacts.createNote(user.id, { adminId: ADMIN, body: 'VIP caller' })).id).toBeTruthy()

    expect((await client.admins.list()).map((a) => a.id)).toContain(ADMIN)
    expect((await client.teams.list()).map((t) => t.name)).toContain('Support')
    expect(emulator!.contractViolations().filter((v) => v.direction === 'request')).toEqual([])
  })
})
