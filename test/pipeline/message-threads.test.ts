import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it, test } from 'vitest'

import { aircallMessageSchema, channelOf, isMessageEvent, mediaOf } from '../../src/aircall/message-schemas.js'
import { requiredAircallEvents } from '../../src/app/webhooks.js'
import { configSchema, type ConfigInput } from '../../src/config/schema.js'
import { parseAircallEvent } from '../../src/aircall/webhook-events.js'
import { parseIntercomEvent } from '../../src/intercom/webhook-events.js'
import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import { IntercomClient } from '../../src/intercom/client.js'
import type { ContactResolver, Resolution } from '../../src/matching/types.js'
import { isOwnEcho, ORIGIN_MARKER_TEXT } from '../../src/rules/loop-guard.js'
import { asyncSqliteStore, openStateStore } from '../../src/store/sqlite/index.js'
import { defaultClaims } from '../../src/pipeline/call-logger.js'
import {
  agentNoteBody,
  contactReplyBody,
  hasThreadMarker,
  MessageThreadService,
  messageStepKey,
  messageThreadKey,
  parseAircallMessage,
  threadHeader,
  visibleText,
} from '../../src/pipeline/message-threads.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

const line = {
  id: 1284757,
  name: 'Support Line',
  digits: '+33 1 84 88 00 00',
  country: 'FR',
  time_zone: 'Europe/Paris',
}

describe('Aircall message webhooks: schema and thread key', () => {
  it('accepts the variants the sources show: numeric or string ids, ISO or millisecond times, null channel', () => {
    const sms = aircallMessageSchema.parse({
      id: 42,
      direction: 'inbound',
      external_number: '+33 6 12 34 56 78',
      body: 'Hello',
      channel: null,
      created_at: '2024-07-30T07:29:21.000Z',
      number: line,
    })
    expect(sms.id).toBe('42')
    expect(sms.number.id).toBe('1284757')
    expect(sms.created_at).toBe(1_722_324_561)
    expect(channelOf(sms)).toBe('sms')
    const whatsapp = aircallMessageSchema.parse({
      id: '1779973182949pqnihpvazdyw6336',
      channel: 'whatsapp',
      created_at: 1_722_317_361_216,
      number: { id: '1284757' },
    })
    expect(whatsapp.created_at).toBe(1_722_317_361)
    expect(channelOf(whatsapp)).toBe('whatsapp')
    expect(channelOf({ channel: 'Messenger' })).toBe('messenger')
  })

  it('MORF’s sample, PII nulled, parses; a message without its line is refused as permanent', () => {
    const morf = {
      body: null,
      created_at: null,
      external_number: null,
      id: '1779973182949pqnihpvazdyw6336',
      number: { availability_status: 'open', country: 'US', digits: null, id: 1284757, name: 'Support Line' },
      origin: 'native',
      status: 'received',
    }
    expect(parseAircallMessage(morf)).toMatchObject({ id: morf.id, body: null, created_at: null })
    expect(() => parseAircallMessage({ id: 'x', body: 'hi' })).toThrow(/data\.number/)
  })

  it('media come from webhook details and send-response URLs, each once', () => {
    const media = mediaOf({
      media_details: [{ file_name: 'invoice.pdf', file_type: 'application/pdf', presigned_url: 'https://m/1' }],
      media_url: ['https://m/1', 'https://m/2'],
    })
    expect(media).toEqual([
      { name: 'invoice.pdf', url: 'https://m/1' },
      { name: 'attachment 2', url: 'https://m/2' },
    ])
  })

  it('a thread is keyed by line, channel and normalised number; its marker does not match a longer number', () => {
    const thread = { numberId: '1284757', channel: 'whatsapp' as const, e164: '+3361234567' }
    expect(messageThreadKey(thread)).toBe('thread:1284757:whatsapp:+3361234567')
    expect(messageStepKey('abc')).toBe('message:abc')
    const header = threadHeader(thread, 'Support Line')
    expect(header).toMatch(/^WhatsApp with .+ on line Support Line \(aircall-thread:1284757:whatsapp:\+3361234567\)$/)
    expect(hasThreadMarker(`<p>${header}</p>`, thread)).toBe(true)
    expect(hasThreadMarker(header, { ...thread, e164: '+336123456' })).toBe(false)
    expect(hasThreadMarker(header.replaceAll('+3361234567', '+33612345678'), thread)).toBe(false)
  })

  it('bodies compare by their visible text, whatever Intercom does to the markup', () => {
    const note = agentNoteBody('sms', 'Tom & "Jerry"\n<3', [{ name: 'photo', url: 'https://m/1?a=1&b=2' }])
    expect(note).toBe(
      '<p><b>SMS sent from Aircall</b></p><p>Tom &amp; &quot;Jerry&quot;<br>&lt;3</p>' +
        '<p><a href="https://m/1?a=1&amp;b=2">photo</a></p>',
    )
    expect(visibleText(note)).toBe('SMS sent from Aircall Tom & "Jerry" <3 photo')
    const reply = contactReplyBody('Hi', [{ name: 'photo', url: 'https://m/1' }])
    expect(reply).toBe('Hi\nphoto: https://m/1')
    expect(visibleText(`<p>${reply}${ORIGIN_MARKER_TEXT}</p>`)).toBe(visibleText(reply))
  })

  it('message events are serialised per thread; other events keep no subject', () => {
    const envelope = (event: string, data: Record<string, unknown>) => ({
      resource: 'message',
      event,
      timestamp: 1_722_324_561,
      token: 't',
      data,
    })
    const data = { id: 1, external_number: '+33 6 12 34 56 78', channel: 'whatsapp', number: line }
    expect(isMessageEvent('message.received')).toBe(true)
    expect(isMessageEvent('group_message.received')).toBe(false)
    expect(parseAircallEvent(envelope('message.received', data)).subject).toBe(
      'aircall:message:1284757:whatsapp:33612345678',
    )
    expect(parseAircallEvent(envelope('message.sent', { ...data, channel: null })).subject).toBe(
      'aircall:message:1284757:sms:33612345678',
    )
    expect(parseAircallEvent(envelope('summary.created', { call_id: 1 })).subject).toBeNull()
  })

  it('webhooks register asks for message events only when messages are enabled', () => {
    const names = (input: ConfigInput) => requiredAircallEvents(configSchema.parse(input)).map((e) => e.name)
    expect(names({}).filter((name) => name.startsWith('message.'))).toEqual([])
    expect(names({ messages: { enabled: true } }).filter((name) => name.startsWith('message.'))).toEqual([
      'message.received',
      'message.sent',
    ])
  })

  it('the Intercom webhooks of a conversation or reply written as the contact with our marker are echoes', () => {
    const notification = (topic: string, item: Record<string, unknown>) => ({
      type: 'notification_event',
      id: 'notif_1',
      topic,
      created_at: 1_722_324_561,
      data: { item },
    })
    const contact = { type: 'contact', id: 'c1' }
    const created = parseIntercomEvent(
      notification('conversation.user.created', {
        type: 'conversation',
        id: '9',
        source: {
          id: 's1',
          type: 'conversation',
          body: `<p>WhatsApp with …${ORIGIN_MARKER_TEXT}</p>`,
          author: contact,
        },
        conversation_parts: { conversation_parts: [] },
      }),
    )
    const replied = parseIntercomEvent(
      notification('conversation.user.replied', {
        type: 'conversation',
        id: '9',
        conversation_parts: {
          conversation_parts: [{ id: 'p1', part_type: 'comment', body: `Hi${ORIGIN_MARKER_TEXT}`, author: contact }],
        },
      }),
    )
    const theirs = parseIntercomEvent(
      notification('conversation.user.replied', {
        type: 'conversation',
        id: '9',
        conversation_parts: { conversation_parts: [{ id: 'p2', part_type: 'comment', body: 'Hi', author: contact }] },
      }),
    )
    const verdict = (event: ReturnType<typeof parseIntercomEvent>) =>
      isOwnEcho({ event, ownAdminId: '1', fingerprints: () => false })
    expect(verdict(created)).toEqual({ echo: true, why: 'origin-marker' })
    expect(verdict(replied)).toEqual({ echo: true, why: 'origin-marker' })
    expect(verdict(theirs)).toEqual({ echo: false })
  })
})

/** Every number is the one contact under test: matching is not what these tests are about. */
class FixedResolver implements ContactResolver {
  calls = 0
  constructor(private readonly contactId: string) {}
  resolve(): Promise<Resolution> {
    this.calls++
    return Promise.resolve({
      status: 'matched',
      contactId: this.contactId,
      role: 'user',
      e164: '+33612345678',
      via: 'index',
      reason: 'test',
      candidates: 1,
    })
  }
}

interface StateConversation {
  id: string
  source?: { body?: string }
  conversation_parts?: { conversation_parts?: Array<{ part_type?: string; body?: string | null }> }
}

describe('MessageThreadService against the Intercom emulator', () => {
  let sandbox: SandboxHandle
  let contactId: string
  beforeAll(async () => {
    sandbox = await startSandbox({ calls: 5, aircall: { rateLimitPerMinute: 0 }, intercom: { rateLimitPerMinute: 0 } })
    contactId = sandbox.world.intercom.contacts[0]?.id ?? ''
  })
  afterAll(async () => {
    await sandbox.close()
  })

  const threadsOf = async (numberId: number): Promise<StateConversation[]> => {
    const state = (await (await fetch(`${sandbox.intercom.url}/_emulator/state`)).json()) as {
      conversations: StateConversation[]
    }
    return state.conversations.filter((c) => c.source?.body?.includes(`aircall-thread:${numberId}:`))
  }
  const partsOf = (conversation: StateConversation | undefined) =>
    (conversation?.conversation_parts?.conversation_parts ?? []).map((part) => part.part_type)

  const client = (): IntercomClient =>
    new IntercomClient({ accessToken: sandbox.intercom.accessToken, baseUrl: sandbox.intercom.url })

  /** A client whose process "dies" right after the first response to `endpoint` arrived: the write happened. */
  const crashingClient = (endpoint: RegExp): IntercomClient => {
    let crashed = false
    return new IntercomClient({
      accessToken: sandbox.intercom.accessToken,
      baseUrl: sandbox.intercom.url,
      fetch: async (url, init) => {
        const response = await fetch(url, init)
        if (!crashed && endpoint.test(`${init.method ?? 'GET'} ${new URL(url).pathname}`)) {
          crashed = true
          await response.text()
          throw new Error('process killed')
        }
        return response
      },
    })
  }

  const setup = (intercom: IntercomClient = client(), store = openStateStore(join(tempDir(), 'state.sqlite'))) => {
    const service = new MessageThreadService({
      store: asyncSqliteStore(store),
      intercom,
      resolver: new FixedResolver(contactId),
      adminId: sandbox.intercom.adminId,
      config: configSchema.parse({ messages: { enabled: true } }),
      // A lease of 0: a "crashed" service's claims lapse as a dead process's would, so the next one reconciles.
      claims: { ...defaultClaims(asyncSqliteStore(store)), leaseMs: 0 },
    })
    return { service, store }
  }

  let nextLine = 900_000
  let nextMessage = 1
  const message = (numberId: number, direction: 'inbound' | 'outbound', body: string) => ({
    id: `m${nextMessage++}`,
    direction,
    external_number: '+33 6 12 34 56 78',
    body,
    channel: 'whatsapp',
    created_at: '2024-07-30T07:29:21.000Z',
    number: { id: numberId, name: 'Support Line' },
  })
  const event = (direction: 'inbound' | 'outbound') => (direction === 'inbound' ? 'message.received' : 'message.sent')

  test('a crash after the thread’s conversation was created finds it instead of creating a second', async () => {
    const numberId = nextLine++
    const crashing = setup(crashingClient(/^POST \/conversations$/))
    const first = message(numberId, 'inbound', 'Hello')
    await expect(crashing.service.handle('message.received', first)).rejects.toThrow('process killed')
    const { service } = setup(client(), crashing.store)
    expect(await service.handle('message.received', first)).toMatchObject({ status: 'added' })
    const threads = await threadsOf(numberId)
    expect(threads).toHaveLength(1)
    expect(partsOf(threads[0])).toEqual(['comment'])
  })

  test.each(['inbound', 'outbound'] as const)(
    'a crash after an %s message was written is reconciled by its text: written once',
    async (direction) => {
      const numberId = nextLine++
      const crashing = setup(crashingClient(/^POST \/conversations\/\d+\/reply$/))
      const sent = message(numberId, direction, 'Where is my order & invoice?')
      await expect(crashing.service.handle(event(direction), sent)).rejects.toThrow('process killed')
      expect(crashing.store.ledger.get(messageStepKey(sent.id))?.status).toBe('pending')
      const { service } = setup(client(), crashing.store)
      expect(await service.handle(event(direction), sent)).toMatchObject({ status: 'already-added' })
      expect(partsOf((await threadsOf(numberId))[0])).toEqual([direction === 'inbound' ? 'comment' : 'note'])
      // The next message is written as usual.
      expect(await service.handle(event(direction), message(numberId, direction, 'Thanks'))).toMatchObject({
        status: 'added',
        newThread: false,
      })
      expect(partsOf((await threadsOf(numberId))[0])).toHaveLength(2)
    },
  )

  test('skips what it must not write: disabled, a channel left out, a status update, an empty message', async () => {
    const store = asyncSqliteStore(openStateStore(join(tempDir(), 'state.sqlite')))
    const make = (messages: ConfigInput['messages']) =>
      new MessageThreadService({
        store,
        intercom: client(),
        resolver: new FixedResolver(contactId),
        adminId: sandbox.intercom.adminId,
        config: configSchema.parse({ messages }),
        claims: defaultClaims(store),
      })
    const numberId = nextLine++
    const data = message(numberId, 'inbound', 'Hi')
    expect(await make({ enabled: false }).handle('message.received', data)).toEqual({
      status: 'skipped',
      reason: 'messages are disabled',
    })
    expect(await make({ enabled: true, channels: ['sms'] }).handle('message.received', data)).toEqual({
      status: 'skipped',
      reason: 'whatsapp is not in messages.channels',
    })
    const enabled = make({ enabled: true })
    expect(await enabled.handle('message.status_updated', data)).toEqual({ status: 'skipped', reason: 'status update' })
    expect(await enabled.handle('message.received', { ...data, body: '  ' })).toEqual({
      status: 'skipped',
      reason: 'empty message',
    })
    expect(await threadsOf(numberId)).toEqual([])
  })
})
