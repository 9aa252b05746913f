import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, test } from 'vitest'

import type { CallRecord } from '../../src/domain/call-record.js'
import { configSchema, type ConfigInput } from '../../src/config/schema.js'
import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import { IntercomClient } from '../../src/intercom/client.js'
import type { ContactResolver, Resolution } from '../../src/matching/types.js'
import { asyncSqliteStore, openStateStore } from '../../src/store/sqlite/index.js'
import type { StateStore } from '../../src/store/state-store.js'
import { defaultClaims, IntercomCallLogger } from '../../src/pipeline/call-logger.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

/** Every caller is the one contact under test: matching is not what these tests are about. */
class FixedResolver implements ContactResolver {
  calls = 0
  constructor(
    private readonly contactId: string,
    private readonly status: 'matched' | 'created' = 'matched',
  ) {}
  resolve(): Promise<Resolution> {
    this.calls++
    const base = { contactId: this.contactId, role: 'user' as const, e164: '+33612345678', reason: 'test' }
    return Promise.resolve(
      this.status === 'created'
        ? { status: 'created', ...base }
        : { status: 'matched', via: 'index', candidates: 1, ...base },
    )
  }
}

let nextId = 5_000_000
const call = (overrides: Partial<CallRecord> = {}): CallRecord => ({
  callId: String(nextId++),
  direction: 'inbound',
  status: 'done',
  kind: 'answered',
  startedAt: 1_790_000_000,
  answeredAt: 1_790_000_008,
  endedAt: 1_790_000_130,
  durationSeconds: 130,
  missedReason: null,
  rawDigits: '+33 6 12 34 56 78',
  line: { id: '1', name: 'Paris support', digits: '+33 1 84 88 00 00', country: 'FR', timeZone: 'Europe/Paris' },
  agent: { id: '1', name: 'Alice Martin', email: 'alice@example.com' },
  teams: [],
  tags: ['VIP'],
  comments: [],
  assetUrl: 'https://assets.aircall.io/calls/1/recording',
  contact: null,
  archived: false,
  cost: '1.5',
  ...overrides,
})

interface StateConversation {
  id: string
  contacts?: { contacts?: Array<{ id: string }> }
  source?: { body?: string }
  custom_attributes?: Record<string, unknown>
  conversation_parts?: { conversation_parts?: Array<{ part_type?: string; body?: string | null }> }
}

describe('IntercomCallLogger against the Intercom emulator', () => {
  let sandbox: SandboxHandle
  let contactId: string
  beforeAll(async () => {
    sandbox = await startSandbox({ calls: 10, aircall: { rateLimitPerMinute: 0 }, intercom: { rateLimitPerMinute: 0 } })
    contactId = sandbox.world.intercom.contacts[0]?.id ?? ''
  })
  afterAll(async () => {
    await sandbox.close()
  })

  const state = async (): Promise<{
    conversations: StateConversation[]
    contacts: Array<{ id: string; custom_attributes?: Record<string, unknown> }>
    data_attributes: Array<{ name: string; data_type: string }>
  }> => (await (await fetch(`${sandbox.intercom.url}/_emulator/state`)).json()) as never

  const partsOf = async (callId: string): Promise<{ conversations: StateConversation[]; notes: string[] }> => {
    const conversations = (await state()).conversations.filter((c) =>
      c.source?.body?.includes(`aircall-call-id:${callId})`),
    )
    const notes = conversations
      .flatMap((c) => (c.conversation_parts?.conversation_parts ?? []).map((p) => p.body ?? ''))
      .filter((b) => b.includes(`aircall-call-id:${callId} `))
    return { conversations, notes }
  }

  /** A client whose process "dies" right after the first response to `endpoint` arrived: the write happened, its ledger record did not. */
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

  const setup = (
    config: ConfigInput = {},
    intercom?: IntercomClient,
  ): { logger: IntercomCallLogger; store: StateStore; resolver: FixedResolver } => {
    const store = asyncSqliteStore(openStateStore(join(tempDir(), 'state.sqlite')))
    const resolver = new FixedResolver(contactId)
    const client =
      intercom ?? new IntercomClient({ accessToken: sandbox.intercom.accessToken, baseUrl: sandbox.intercom.url })
    const parsed = configSchema.parse({ tags: { map: [{ tag: 'VIP', attribute: 'test_vip' }] }, ...config })
    const logger = new IntercomCallLogger({
      store,
      intercom: client,
      resolver,
      adminId: sandbox.intercom.adminId,
      config: parsed,
      // A "crashed" logger here shares the test's process: a lease of 0 makes its claims lapse as a dead
      // process's would, so the resumed logger reconciles instead of waiting.
      claims: { ...defaultClaims(store), leaseMs: intercom ? 0 : 120_000 },
    })
    return { logger, store, resolver }
  }

  test('logs a conversation with the call id attribute, one templated note, and the tag attribute; a second log is already done', async () => {
    const { logger, store, resolver } = setup()
    const c = call()
    const outcome = await logger.log(c)
    expect(outcome.status).toBe('logged')
    const { conversations, notes } = await partsOf(c.callId)
    expect(conversations).toHaveLength(1)
    expect(conversations[0]?.custom_attributes?.aircall_call_id).toBe(c.callId)
    expect(notes).toHaveLength(1)
    expect(notes[0]).toContain('Answered call')
    expect(notes[0]).toContain('Alice Martin')
    expect(notes[0]).toContain('2 min 10 s')
    expect(notes[0]).toContain('https://assets.aircall.io/calls/1/recording')
    const s = await state()
    expect(s.contacts.find((contact) => contact.id === contactId)?.custom_attributes?.test_vip).toBe(true)
    expect(s.data_attributes.find((a) => a.name === 'test_vip')?.data_type).toBe('boolean')

    expect(await logger.log(c)).toEqual({ status: 'already-done', conversationId: conversations[0]?.id, contactId })
    expect(resolver.calls).toBe(1)
    expect((await store.ledger.get(`call:${c.callId}:conversation`))?.status).toBe('done')
  })

  test('a crash after the conversation was created is reconciled by its marker, not repeated', async () => {
    const c = call()
    const crashing = setup({}, crashingClient(/^POST \/conversations$/))
    await expect(crashing.logger.log(c)).rejects.toThrow('process killed')
    expect((await crashing.store.ledger.get(`call:${c.callId}:conversation`))?.status).toBe('pending')
    const resumed = new IntercomCallLogger({
      store: crashing.store,
      intercom: new IntercomClient({ accessToken: sandbox.intercom.accessToken, baseUrl: sandbox.intercom.url }),
      resolver: crashing.resolver,
      adminId: sandbox.intercom.adminId,
      config: configSchema.parse({}),
    })
    expect((await resumed.log(c)).status).toBe('logged')
    const { conversations, notes } = await partsOf(c.callId)
    expect(conversations).toHaveLength(1)
    expect(notes).toHaveLength(1)
  })

  test('a crash after the note was written is reconciled: still one note, reported as already done', async () => {
    const c = call()
    const crashing = setup({}, crashingClient(/^POST \/conversations\/\d+\/reply$/))
    await expect(crashing.logger.log(c)).rejects.toThrow('process killed')
    const resumed = setup()
    const again = new IntercomCallLogger({
      store: crashing.store,
      intercom: new IntercomClient({ accessToken: sandbox.intercom.accessToken, baseUrl: sandbox.intercom.url }),
      resolver: resumed.resolver,
      adminId: sandbox.intercom.adminId,
      config: configSchema.parse({}),
    })
    expect((await again.log(c)).status).toBe('already-done')
    expect((await partsOf(c.callId)).notes).toHaveLength(1)
  })

  test('a rewritten call of a contact created for it reports the contact matched, not created again', async () => {
    const { store } = setup()
    const logger = new IntercomCallLogger({
      store,
      intercom: new IntercomClient({ accessToken: sandbox.intercom.accessToken, baseUrl: sandbox.intercom.url }),
      resolver: new FixedResolver(contactId, 'created'),
      adminId: sandbox.intercom.adminId,
      config: configSchema.parse({}),
    })
    const c = call({ durationSeconds: 60 })
    expect(await logger.log(c)).toMatchObject({ status: 'logged', resolution: { status: 'created' } })
    expect(await logger.log({ ...c, durationSeconds: 90 })).toMatchObject({
      status: 'updated',
      resolution: { status: 'matched', contactId },
    })
  })

  test('a call Aircall rewrote gets one short "updated" note, never a second full note', async () => {
    const { logger } = setup()
    const c = call({ durationSeconds: 60 })
    await logger.log(c)
    const rewritten = { ...c, durationSeconds: 245, comments: ['Wants a refund'] }
    expect((await logger.log(rewritten)).status).toBe('updated')
    expect((await logger.log(rewritten)).status).toBe('already-done')
    const { notes } = await partsOf(c.callId)
    expect(notes).toHaveLength(2)
    const update = notes.find((note) => note.includes('Call updated')) ?? ''
    expect(update).toContain('1 min 00 s → 4 min 05 s')
    expect(update).toContain('New agent note: Wants a refund')
  })

  test('note mode appends to the latest open conversation, and opens one when there is none', async () => {
    const { logger } = setup({ logging: { mode: 'note' } })
    const first = call()
    const second = call()
    const a = await logger.log(first)
    const b = await logger.log(second)
    expect(a.status).toBe('logged')
    expect(b.status === 'logged' && a.status === 'logged' && b.conversationId === a.conversationId).toBe(true)
  })

  test('anonymous callers are skipped and a dry run writes nothing', async () => {
    const { logger, store, resolver } = setup()
    expect(await logger.log(call({ rawDigits: 'anonymous' }))).toMatchObject({ status: 'skipped', reason: 'anonymous' })
    expect(resolver.calls).toBe(0)
    const before = (await state()).conversations.length
    const c = call()
    expect(await logger.log(c, { dryRun: true })).toMatchObject({ status: 'skipped', reason: 'dry-run' })
    expect((await state()).conversations.length).toBe(before)
    expect(await store.ledger.list({ prefix: `call:${c.callId}` })).toEqual([])
  })
})
