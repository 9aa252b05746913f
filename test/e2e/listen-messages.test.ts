import { describe, expect, test } from 'vitest'

import { visibleText } from '../../src/pipeline/message-threads.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { intercomState, queueSettled, type Harness, useListenerCleanup } from '../listener/harness.js'

const tempDir = useTempDir()
const { startHarness, spawnListen } = useListenerCleanup()

type Listed = { result: { events: Array<{ id: number; type: string; status: string; summary: string | null }> } }

interface Part {
  part_type: string
  body: string | null
  author: { type: string; id: string }
}

const LINE = {
  id: 1284757,
  name: 'Support Line',
  digits: '+33 1 84 88 00 00',
  country: 'FR',
  time_zone: 'Europe/Paris',
}

/** A number the seeded world gives to one contact, found by the number itself (no Aircall contact's email). */
const knownCaller = (harness: Harness): { phone: string; contactId: string } => {
  const { truth } = harness.sandbox.world
  const phone = truth.knownCallers.find(
    (e164) => truth.callerToContacts[e164]?.length === 1 && truth.matchedBy[e164] === 'phone',
  )
  if (phone === undefined) throw new Error('the seeded world has no single-contact caller')
  return { phone, contactId: truth.callerToContact[phone] ?? '' }
}

const poster = (harness: Harness, url: string) => {
  let clock = Math.floor(Date.now() / 1000)
  return async (event: string, data: Record<string, unknown>): Promise<void> => {
    // A new timestamp each time: a redelivery after an outage is a new delivery, not the intake's duplicate.
    const body = { resource: 'message', event, timestamp: clock++, token: harness.sandbox.aircall.webhookToken, data }
    const response = await fetch(`${url}/aircall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    expect(response.status, await response.text()).toBeLessThan(300)
  }
}

const threadsOf = (harness: Harness, channel: string) =>
  intercomState(harness).conversations.filter((conversation) =>
    JSON.stringify((conversation as { source?: unknown }).source ?? '').includes(
      `aircall-thread:${LINE.id}:${channel}:`,
    ),
  )

const partsOf = (conversation: Record<string, unknown> | undefined): Part[] =>
  ((conversation?.conversation_parts as { conversation_parts?: Part[] } | undefined)?.conversation_parts ?? []).filter(
    (part) => part.part_type === 'comment' || part.part_type === 'note',
  )

const listed = async (harness: Harness, args: string[]): Promise<Listed['result']['events']> =>
  (JSON.parse((await runCli(['events', 'list', '--json', ...args], { env: harness.env })).stdout) as Listed).result
    .events

describe('Aircall SMS and WhatsApp messages become one Intercom conversation per thread (built CLI)', () => {
  test('a WhatsApp thread is one conversation, in order, written once; SMS is its own thread; our echoes stop', async () => {
    const harness = await startHarness(tempDir(), { matching: { defaultCountry: 'FR' }, messages: { enabled: true } })
    const listener = spawnListen(harness)
    const url = await listener.url
    await harness.sandbox.intercomEmulator.subscribe(`${url}/intercom`, [
      'conversation.user.created',
      'conversation.user.replied',
      'conversation.admin.noted',
    ])
    const post = poster(harness, url)
    const { phone, contactId } = knownCaller(harness)
    const message = (id: string, direction: 'inbound' | 'outbound', body: string, channel: string | null) => ({
      id,
      direction,
      external_number: phone,
      body,
      status: direction === 'inbound' ? 'received' : 'sent',
      channel,
      created_at: '2026-03-02T09:15:00.000Z',
      number: LINE,
      origin: 'native',
    })
    const thread = [
      message('wa-1', 'inbound', 'Hello, my parcel has not arrived', 'whatsapp'),
      message('wa-2', 'outbound', 'Sorry! Can you send the order number?', 'whatsapp'),
      { ...message('wa-3', 'inbound', 'Here it is: #4521', 'whatsapp'), media_details: [] },
      message('wa-4', 'outbound', 'Thanks, it ships today', 'whatsapp'),
      {
        ...message('wa-5', 'inbound', 'Great & thanks', 'whatsapp'),
        media_details: [{ file_name: 'receipt.jpg', file_type: 'image/jpeg', presigned_url: 'https://media.test/r' }],
      },
    ]
    const eventOf = (item: { direction: string }) =>
      item.direction === 'inbound' ? 'message.received' : 'message.sent'
    // Posted at once: the thread's events are processed one at a time, in the order they arrived.
    for (const item of thread) await post(eventOf(item), item)
    await queueSettled(url)

    const [whatsapp, ...others] = threadsOf(harness, 'whatsapp')
    expect(others).toEqual([])
    const source = JSON.stringify(whatsapp?.source)
    expect(source).toContain('WhatsApp with')
    expect(source).toContain('on line Support Line')
    expect((whatsapp?.contacts as { contacts: Array<{ id: string }> }).contacts.map((c) => c.id)).toEqual([contactId])
    const parts = partsOf(whatsapp)
    expect(parts.map((part) => part.part_type)).toEqual(['comment', 'note', 'comment', 'note', 'comment'])
    for (const [index, part] of parts.entries()) {
      expect(visibleText(part.body ?? '')).toContain(thread[index]?.body ?? '-')
      if (part.part_type === 'comment') expect(part.author).toMatchObject({ id: contactId })
      else expect(part.author).toMatchObject({ type: 'admin', id: harness.env.INTERCOM_ADMIN_ID })
    }
    expect(parts[1]?.body).toContain('WhatsApp sent from Aircall')
    expect(parts[4]?.body).toContain('receipt.jpg: https://media.test/r')

    // Redelivered, every one: found done in the ledger, nothing written twice.
    for (const item of thread) await post(eventOf(item), item)
    await queueSettled(url)
    expect(threadsOf(harness, 'whatsapp')).toHaveLength(1)
    expect(partsOf(threadsOf(harness, 'whatsapp')[0])).toHaveLength(5)
    expect(await listed(harness, ['--outcome', 'messages:already-added'])).toHaveLength(5)

    // The same number by SMS is another thread; a status update writes nothing.
    await post('message.received', message('sms-1', 'inbound', 'Also by SMS', null))
    await post('message.status_updated', {
      ...message('wa-4', 'outbound', 'Thanks, it ships today', 'whatsapp'),
      status: 'delivered',
    })
    await queueSettled(url)
    const [sms, ...moreSms] = threadsOf(harness, 'sms')
    expect(moreSms).toEqual([])
    expect(sms?.id).not.toBe(whatsapp?.id)
    expect(JSON.stringify(sms?.source)).toContain('SMS with')
    expect(partsOf(sms).map((part) => part.body)).toEqual([expect.stringContaining('Also by SMS')])
    expect(partsOf(threadsOf(harness, 'whatsapp')[0])).toHaveLength(5)
    expect(await listed(harness, ['--outcome', 'messages:added'])).toHaveLength(6)
    const status = await listed(harness, ['--outcome', 'messages:skipped'])
    expect(status.map((event) => event.summary)).toEqual(['messages:skipped(status update)'])

    // Every Intercom webhook our writes caused came back and stopped at the loop guard.
    await harness.sandbox.intercomEmulator.webhooksIdle()
    await queueSettled(url)
    const intercom = await listed(harness, ['--source', 'intercom'])
    expect(intercom.length).toBeGreaterThanOrEqual(8)
    expect(intercom.filter((event) => !event.summary?.startsWith('loop-guard:echo'))).toEqual([])
    expect(new Set(intercom.map((event) => event.type))).toEqual(
      new Set(['conversation.user.created', 'conversation.user.replied', 'conversation.admin.noted']),
    )
    expect(await listed(harness, ['--status', 'dead'])).toEqual([])
  }, 120_000)

  test('with messages off (the default) a message webhook writes nothing', async () => {
    const harness = await startHarness(tempDir(), { matching: { defaultCountry: 'FR' } })
    const listener = spawnListen(harness)
    const url = await listener.url
    const before = intercomState(harness).conversations.length
    const { phone } = knownCaller(harness)
    await poster(harness, url)('message.received', {
      id: 'off-1',
      direction: 'inbound',
      external_number: phone,
      body: 'Anyone there?',
      channel: 'whatsapp',
      number: LINE,
    })
    await queueSettled(url)
    expect(intercomState(harness).conversations).toHaveLength(before)
    const [event] = await listed(harness, [])
    expect(event?.summary).toBe('call-state:ignored(message.received)')
  }, 60_000)
})
