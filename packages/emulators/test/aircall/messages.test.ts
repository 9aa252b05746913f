import { afterEach, describe, expect, test } from 'vitest'
import type { AircallSeed } from '../../src/aircall/model.js'
import { type Harness, minimalSeed, type Receiver, startHarness, startReceiver, T0 } from './helpers.js'

let h: Harness | undefined
let rx: Receiver | undefined
afterEach(async () => {
  await h?.emu.close()
  await rx?.close()
  h = undefined
  rx = undefined
})

type Body = Record<string, unknown>
const CUSTOMER = '+33612345678'
const LINE = { id: 10, name: 'Paris', digits: '+33 1 76 36 06 95', country: 'FR', time_zone: 'Europe/Paris' }

/** Line 10 has WhatsApp, line 20 has not; a shared contact owns the customer's number. */
function messagingSeed(): AircallSeed {
  const seed = minimalSeed()
  const paris = seed.numbers[0]!
  paris.whatsapp = true
  seed.numbers.push({ ...paris, id: 20, name: 'SMS only', digits: '+33 1 76 36 06 96', whatsapp: false })
  seed.contacts.push({
    id: 7,
    firstName: 'Ada',
    lastName: 'Lovelace',
    companyName: null,
    information: null,
    isShared: true,
    createdAt: T0 / 1000 - 86_400,
    updatedAt: T0 / 1000 - 86_400,
    phoneNumbers: [{ id: 1, label: 'Mobile', value: '+33 6 12 34 56 78' }],
    emails: [],
  })
  return seed
}

async function messagingHarness(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const harness = await startHarness({ lifecycleTimers: 'clock', ...options })
  harness.emu.seed(messagingSeed())
  rx = await startReceiver()
  const events = ['message.sent', 'message.received', 'message.status_updated']
  await harness.json('/v1/webhooks', { method: 'POST', body: JSON.stringify({ url: rx.url, events }) })
  return harness
}

async function emitted(harness: Harness): Promise<Body[]> {
  await harness.emu.webhooksIdle()
  const seq = (id: string): number => Number(/^evt-(\d+)/.exec(id)?.[1])
  return harness.emu
    .webhookDeliveries()
    .filter((d) => d.attempt === 1)
    .sort((a, b) => seq(a.deliveryId) - seq(b.deliveryId))
    .map((d) => JSON.parse(d.body) as Body)
}

const post = (harness: Harness, path: string, body: unknown) =>
  harness.json<Body>(path, { method: 'POST', body: JSON.stringify(body) })

describe('SMS in agent conversation', () => {
  test('send answers the pending message; message.sent then message.status_updated follow on their delays', async () => {
    h = await messagingHarness()
    const sent = await post(h, '/v1/numbers/10/messages/native/send', { to: CUSTOMER, body: 'Hello from support' })
    expect(sent.status).toBe(200)
    const id = sent.body.id as string
    expect(id).toMatch(/^\d{13}[0-9a-f]{14}$/)
    expect(sent.body).toEqual({
      id,
      status: 'pending',
      direct_link: `${h.emu.url}/v1/numbers/10/messages/${id}`,
      direction: 'outbound',
      created_at: new Date(T0).toISOString(),
      sent_at: new Date(T0).toISOString(),
      updated_at: new Date(T0).toISOString(),
      raw_digits: '+33 6 12 34 56 78',
      body: 'Hello from support',
      media_url: [],
    })
    expect(sent.body).not.toHaveProperty('message')
    expect(await emitted(h)).toEqual([])
    h.emu.advanceClock(1_000)
    h.emu.advanceClock(3_000)
    const events = await emitted(h)
    expect(events.map((e) => [e.event, e.resource, (e.data as Body).status, e.timestamp])).toEqual([
      ['message.sent', 'message', 'sent', T0 / 1000 + 1],
      ['message.status_updated', 'message', 'delivered', T0 / 1000 + 4],
    ])
    expect(events[0]!.data).toEqual({
      id,
      direct_link: `${h.emu.url}/v1/numbers/10/messages/${id}`,
      direction: 'outbound',
      external_number: '+33 6 12 34 56 78',
      body: 'Hello from support',
      status: 'sent',
      channel: null,
      origin: 'native',
      created_at: new Date(T0).toISOString(),
      updated_at: new Date(T0 + 1_000).toISOString(),
      sent_at: new Date(T0 + 1_000).toISOString(),
      number: { ...LINE, availability_status: 'custom' },
      contact: expect.objectContaining({ id: 7, first_name: 'Ada', created_at: expect.any(String) }),
    })
    expect(h.emu.messages()).toEqual([expect.objectContaining({ id, status: 'delivered', channel: 'sms' })])
  })

  test('validation: 1600 characters at most, an E.164 recipient, a known number and user', async () => {
    h = await messagingHarness()
    const send = (body: unknown, number = 10) => post(h!, `/v1/numbers/${number}/messages/native/send`, body)
    expect((await send({ to: CUSTOMER, body: 'x'.repeat(1600) })).status).toBe(200)
    const long = await send({ to: CUSTOMER, body: 'x'.repeat(1601) })
    expect(long.status).toBe(400)
    expect(long.body.errors).toBe('body is longer than 1600 characters')
    expect((await send({ to: CUSTOMER, body: '' })).status).toBe(400)
    expect((await send({ body: 'hi' })).status).toBe(400)
    expect((await send({ to: '06 12 34 56 78', body: 'hi' })).status).toBe(400)
    expect((await send({ to: CUSTOMER, body: 'hi' }, 99)).status).toBe(404)
    expect((await send({ to: CUSTOMER, body: 'hi', user_id: 42 })).status).toBe(400)
    expect((await send({ to: CUSTOMER, body: 'hi', user_id: 1 })).status).toBe(200)
    const mms = await send({ to: CUSTOMER, mediaUrl: ['https://cdn.example/a.png'] })
    expect(mms.status).toBe(200)
    expect(mms.body).toMatchObject({ body: null, media_url: ['https://cdn.example/a.png'] })
    expect((await send({ to: CUSTOMER, body: 'hi', mediaUrl: 'nope' })).status).toBe(400)
  })

  test('timestamps as UNIX ms on demand', async () => {
    h = await messagingHarness({ messageTimestamps: 'ms', messageSentDelayMs: 0 })
    const sent = await post(h, '/v1/numbers/10/messages/native/send', { to: CUSTOMER, body: 'hi' })
    expect(sent.body.created_at).toBe(T0)
    h.emu.runDue()
    expect(((await emitted(h))[0]!.data as Body).sent_at).toBe(T0)
  })
})

describe('received messages and WhatsApp', () => {
  test('a received message (control API) is message.received with media_details, signed and expiring', async () => {
    h = await messagingHarness()
    const res = await fetch(`${h.emu.url}/_emulator/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        numberId: 10,
        from: '+33 6 12 34 56 78',
        body: 'Here is the photo',
        media: [{ fileName: 'parcel.jpg', fileType: 'image/jpeg' }],
      }),
    })
    expect(res.status).toBe(201)
    const { message } = (await res.json()) as { message: Body }
    const [received] = await emitted(h)
    expect(received).toMatchObject({ event: 'message.received', resource: 'message', timestamp: T0 / 1000 })
    expect(received!.data).toEqual(message)
    expect(message).toMatchObject({
      id: expect.any(String),
      direction: 'inbound',
      external_number: '+33 6 12 34 56 78',
      body: 'Here is the photo',
      status: 'received',
      channel: null,
      number: { ...LINE, availability_status: 'custom' },
      contact: expect.objectContaining({ id: 7 }),
      media_details: [{ file_name: 'parcel.jpg', file_type: 'image/jpeg', presigned_url: expect.any(String) }],
    })
    const url = (message.media_details as Array<{ presigned_url: string }>)[0]!.presigned_url
    const media = await fetch(url)
    expect(media.status).toBe(200)
    expect(media.headers.get('content-type')).toBe('image/jpeg')
    h.emu.advanceClock(3_600_000 + 1_000)
    expect((await fetch(url)).status).toBe(403)

    const bad = await fetch(`${h.emu.url}/_emulator/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ numberId: 20, from: CUSTOMER, body: 'hi', channel: 'whatsapp' }),
    })
    expect(bad.status).toBe(400)
    expect(() => h!.emu.receiveMessage({ from: 'nobody', body: 'hi' })).toThrow(/international/)
  })

  test('WhatsApp: the line needs the add-on, free text needs the 24-hour window, 4096 characters, text or template', async () => {
    h = await messagingHarness()
    const send = (body: unknown) => post(h!, '/v1/messages/send/whatsapp/native', body)
    const text = { lineId: 10, externalNumber: CUSTOMER, text: 'Your parcel has shipped' }
    expect((await send({ ...text, lineId: 20 })).status).toBe(422)
    expect((await send({ ...text, lineId: 99 })).status).toBe(404)
    const closed = await send(text)
    expect(closed.status).toBe(422)
    expect(closed.body.message).toMatch(/within 24 hours/)
    const template = await send({ lineId: 10, externalNumber: CUSTOMER, templateParams: { name: 'order_update' } })
    expect(template.status).toBe(200)
    expect((await send({ ...text, templateParams: { name: 'x' } })).status).toBe(400)
    expect((await send({ lineId: 10, externalNumber: CUSTOMER })).status).toBe(400)

    h.emu.receiveMessage({ numberId: 10, from: CUSTOMER, body: 'Where is my parcel?', channel: 'whatsapp' })
    const open = await send(text)
    expect(open.status).toBe(200)
    expect((await send({ ...text, text: 'x'.repeat(4097) })).status).toBe(400)
    expect((await send({ ...text, text: 'x'.repeat(4096) })).status).toBe(200)
    h.emu.advanceClock(10_000)
    const events = await emitted(h)
    const received = events.find((e) => e.event === 'message.received')!
    expect(received.data).toMatchObject({ channel: 'whatsapp', direction: 'inbound', media_details: [] })
    const shipped = events.filter((e) => (e.data as Body).id === open.body.id).map((e) => e.event)
    expect(shipped).toEqual(['message.sent', 'message.status_updated'])
    expect(events.find((e) => (e.data as Body).id === open.body.id)!.data).toMatchObject({
      channel: 'whatsapp',
      body: 'Your parcel has shipped',
      template_content: null,
    })
    expect(events.find((e) => (e.data as Body).id === template.body.id)!.data).toMatchObject({
      body: null,
      template_content: { name: 'order_update' },
    })
    // A day later the window has closed again.
    h.emu.advanceClock(24 * 3_600_000)
    expect((await send(text)).status).toBe(422)
  })
})
