import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Runtime } from '../../src/app/runtime.js'
import { listenerUrls, registerWebhook, requiredAircallEvents, requiredIntercomTopics } from '../../src/app/webhooks.js'
import { configSchema, type ConfigInput } from '../../src/config/schema.js'
import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'

// AI insights and voicemail notes (on by default) add their events to every list: off here, so each case shows
// what its rule adds.
const config = (input: ConfigInput = {}) =>
  configSchema.parse({ insights: { enabled: false }, voicemail: { enabled: false }, ...input })
const names = (list: Array<{ name: string }>) => list.map((item) => item.name)

describe('events and topics derived from the configuration', () => {
  test('AI insights, on by default, subscribe to the kinds they note', () => {
    expect(names(requiredAircallEvents(configSchema.parse({ voicemail: { enabled: false } })))).toEqual([
      'action_item.created',
      'call.ended',
      'custom_summary.result_created',
      'sentiment.created',
      'summary.created',
      'topics.created',
      'transcription.created',
    ])
    const onlySummaries = configSchema.parse({
      insights: { kinds: ['summary.created'] },
      voicemail: { enabled: false },
    })
    expect(names(requiredAircallEvents(onlySummaries))).toEqual(['call.ended', 'summary.created'])
  })

  test.each<[string, ConfigInput, string[]]>([
    ['logging only', {}, ['call.ended']],
    [
      'voicemail notes add call.voicemail_left and call.comm_assets_generated',
      { voicemail: { enabled: true } },
      ['call.comm_assets_generated', 'call.ended', 'call.voicemail_left'],
    ],
    [
      'voicemail tickets need them too, without voicemail notes',
      { tickets: { typeId: '88', on: ['voicemail'] } },
      ['call.comm_assets_generated', 'call.ended', 'call.voicemail_left'],
    ],
    ['missed-call messages add call.hungup', { missedCalls: { enabled: true } }, ['call.ended', 'call.hungup']],
    [
      'a tag mapping adds call.tagged',
      { tags: { map: [{ tag: 'VIP', attribute: 'vip' }] } },
      ['call.ended', 'call.tagged'],
    ],
    [
      'insight cards add call.created and call.ringing_on_agent',
      { insightCards: { enabled: true } },
      ['call.created', 'call.ended', 'call.ringing_on_agent'],
    ],
    [
      'resolve adds call.tagged and call.commented',
      { resolve: { enabled: true } },
      ['call.commented', 'call.ended', 'call.tagged'],
    ],
    [
      'VIP rules on tags add call.tagged',
      { vip: { enabled: true, rules: [{ name: 'v', tags: ['VIP'] }] } },
      ['call.ended', 'call.tagged'],
    ],
    [
      'VIP rules without tags add nothing',
      { vip: { enabled: true, rules: [{ name: 'v', minDurationSeconds: 60 }] } },
      ['call.ended'],
    ],
    ['escalation needs no Aircall event', { escalation: { enabled: true } }, ['call.ended']],
  ])('%s', (_name, input, expected) => {
    expect(names(requiredAircallEvents(config(input)))).toEqual(expected)
  })

  test('each event says which rules need it', () => {
    const events = requiredAircallEvents(
      config({ resolve: { enabled: true }, tags: { map: [{ tag: 'a', attribute: 'b' }] } }),
    )
    expect(events.find((event) => event.name === 'call.tagged')?.neededBy).toEqual(['resolve', 'tags'])
  })

  test('Intercom topics follow the escalation triggers, and the contact index its contact topics', () => {
    const noContacts = { listener: { followContacts: false } }
    expect(requiredIntercomTopics(config(noContacts))).toEqual([])
    expect(
      names(requiredIntercomTopics(config({ ...noContacts, escalation: { enabled: true, tags: ['call-me'] } }))),
    ).toEqual([
      'conversation.admin.assigned',
      'conversation.admin.open.assigned',
      'conversation.priority.updated',
      'conversation_part.tag.created',
    ])
    expect(
      names(
        requiredIntercomTopics(
          config({ ...noContacts, escalation: { enabled: true, onAssigned: false, priorities: [] } }),
        ),
      ),
    ).toEqual([])
    const contactTopics = names(requiredIntercomTopics(config()))
    expect(contactTopics).toContain('contact.merged')
    expect(contactTopics).toContain('contact.deleted')
    expect(contactTopics.every((topic) => topic.startsWith('contact.'))).toBe(true)
  })

  test('the listener URL must be https unless it is loopback', () => {
    expect(listenerUrls('https://hooks.example.com/')).toEqual({
      base: 'https://hooks.example.com',
      aircall: 'https://hooks.example.com/aircall',
      intercom: 'https://hooks.example.com/intercom',
    })
    expect(listenerUrls('http://127.0.0.1:3000/aircall').base).toBe('http://127.0.0.1:3000')
    expect(listenerUrls('http://localhost:3000').aircall).toBe('http://localhost:3000/aircall')
    expect(() => listenerUrls('http://hooks.example.com')).toThrow(/https/)
    expect(() => listenerUrls('not a url')).toThrow(/not a URL/)
  })
})

describe('registerWebhook against the Aircall emulator', () => {
  let sandbox: SandboxHandle
  beforeAll(async () => {
    sandbox = await startSandbox({ calls: 5, aircall: { rateLimitPerMinute: 0 } })
  })
  afterAll(async () => {
    await sandbox.close()
  })

  const runtimeFor = (input: ConfigInput) =>
    new Runtime({
      config: configSchema.parse({
        insights: { enabled: false },
        voicemail: { enabled: false },
        ...input,
        aircall: { apiUrl: sandbox.aircall.url, apiId: sandbox.aircall.apiId, apiToken: sandbox.aircall.apiToken },
      }),
      file: null,
      expectedFile: '',
      statePath: '',
      secrets: [],
      sources: {},
    })

  test('a dry run writes nothing; then create, unchanged, and update in place with exactly the needed events', async () => {
    const url = 'http://127.0.0.1:4567'
    const dry = await registerWebhook(runtimeFor({}), { url, dryRun: true })
    expect(dry).toMatchObject({ action: 'would-create', webhookId: null, webhookToken: null })
    expect(sandbox.aircallEmulator.webhooks()).toHaveLength(0)

    const created = await registerWebhook(runtimeFor({}), { url })
    expect(created.action).toBe('created')
    expect(created.webhookToken).toBe(sandbox.aircall.webhookToken)
    const again = await registerWebhook(runtimeFor({}), { url, currentToken: sandbox.aircall.webhookToken })
    expect(again).toMatchObject({
      action: 'unchanged',
      webhookId: created.webhookId,
      webhookToken: null,
      tokenAlreadySet: true,
    })

    const updated = await registerWebhook(
      runtimeFor({ missedCalls: { enabled: true }, insightCards: { enabled: true } }),
      {
        url: `${url}/aircall`,
      },
    )
    expect(updated).toMatchObject({ action: 'updated', webhookId: created.webhookId, previousEvents: ['call.ended'] })
    const stored = sandbox.aircallEmulator.webhooks()
    expect(stored).toHaveLength(1)
    expect([...(stored[0]?.events ?? [])].sort()).toEqual([
      'call.created',
      'call.ended',
      'call.hungup',
      'call.ringing_on_agent',
    ])
    expect(stored[0]?.url).toBe(`${url}/aircall`)
  })
})
