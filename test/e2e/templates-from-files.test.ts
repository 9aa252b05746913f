import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { aircallFixture } from '../../src/listener/fixtures.js'
import { normalisePhone } from '../../src/phone/index.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import {
  intercomState,
  queueSettled,
  registerWebhooks,
  useListenerCleanup,
  waitFor,
  type Harness,
} from '../listener/harness.js'

const tempDir = useTempDir()
const cleanup = useListenerCleanup()

// Each template names its origin in the text it renders, so the test can tell which one Intercom received.
const NOTE = '<p>NOTE FROM FILE for call {{ callId }}</p>\n'
const MISSED = '<p>MISSED FROM FILE: sorry we missed you on {{ line.name }}</p>\n'
const RESOLVE = '<p>RESOLVE FROM FILE: call {{ callId }} closed</p>\n'

/** Template files beside the config (one in a sub-folder), named by paths relative to the config file. */
const templateConfig = {
  logging: { templates: { note: 'note.liquid' } },
  missedCalls: {
    enabled: true,
    cooldownMinutes: 10,
    templates: [{ name: 'from-file', body: './templates/missed.liquid' }],
  },
  resolve: { enabled: true, tag: 'resolved', noteTemplate: 'templates/resolve.liquid' },
}

const writeTemplates = (dir: string): void => {
  mkdirSync(join(dir, 'templates'))
  writeFileSync(join(dir, 'note.liquid'), NOTE)
  writeFileSync(join(dir, 'templates', 'missed.liquid'), MISSED)
  writeFileSync(join(dir, 'templates', 'resolve.liquid'), RESOLVE)
}

/** Every text Intercom holds for a conversation: its first message and each part. */
const conversationTexts = (conversation: Record<string, unknown>): string[] => {
  const source = (conversation.source as { body?: string } | undefined)?.body ?? ''
  const parts = (conversation.conversation_parts as { conversation_parts?: Array<{ body?: string | null }> })
    .conversation_parts
  return [source, ...(parts ?? []).map((part) => part.body ?? '')]
}

const conversationOf = (harness: Harness, callId: number): Record<string, unknown> | undefined =>
  intercomState(harness).conversations.find(
    (conversation) =>
      (conversation.custom_attributes as Record<string, unknown> | undefined)?.aircall_call_id === String(callId),
  )

describe('template settings given as files (built CLI against the emulators)', () => {
  test('listen renders the note, missed-call and resolve templates read from their files, never the file names', async () => {
    const dir = tempDir()
    writeTemplates(dir)
    const harness = await cleanup.startHarness(dir, templateConfig)
    const listener = cleanup.spawnListen(harness)
    const url = await listener.url
    await registerWebhooks(harness, url)

    // A missed call through the Aircall emulator's own webhooks: one note and one missed-call message.
    const { truth } = harness.sandbox.world
    const caller = truth.knownCallers[0]!
    const contactId = truth.callerToContact[caller]!
    const missed = harness.sandbox.aircallEmulator.injectCall({ phone: caller, outcome: 'missed', endedDelayMs: 100 })
    const message = await waitFor(
      () => intercomState(harness).messages.find((sent) => sent.to.some((to) => to.id === contactId)),
      'the missed-call message',
    )
    expect(message.body).toContain('MISSED FROM FILE: sorry we missed you on')
    const missedConversation = await waitFor(() => conversationOf(harness, missed.callId), 'the missed call logged')
    expect(conversationTexts(missedConversation).join('\n')).toContain(`NOTE FROM FILE for call ${missed.callId}`)

    await harness.sandbox.aircallEmulator.webhooksIdle()
    await queueSettled(url)
    const seen = listener.lines.length

    // An agent tags an answered call "resolved": its conversation gets the resolve summary, then closes.
    const resolvedCaller = truth.knownCallers.find((phone) => normalisePhone(phone, 'FR').kind === 'valid')!
    const tagged = aircallFixture('call.ended', harness.env.AIRCALL_WEBHOOK_TOKEN!, {
      callId: 8_100_001,
      rawDigits: resolvedCaller,
      tags: ['resolved'],
    })
    const posted = await fetch(`${url}/aircall`, {
      method: 'POST',
      body: JSON.stringify(tagged),
      headers: { 'content-type': 'application/json' },
    })
    expect(posted.status).toBe(200)
    await queueSettled(url)
    const processed = await waitFor(
      () => listener.lines.slice(seen).find((line) => line.type === 'processed'),
      'the tagged call to be processed',
    )
    expect(processed.summary).toContain('resolve:resolved')
    const resolved = conversationOf(harness, 8_100_001)!
    const resolvedTexts = conversationTexts(resolved).join('\n')
    expect(resolvedTexts).toContain('NOTE FROM FILE for call 8100001')
    expect(resolvedTexts).toContain('RESOLVE FROM FILE: call 8100001 closed')
    expect(resolved.state).toBe('closed')

    // Nothing anywhere in Intercom carries a template's file name instead of its text.
    expect(JSON.stringify(intercomState(harness))).not.toMatch(/\.liquid/)

    listener.child.kill('SIGTERM')
    expect(await listener.exited).toBe(0)
  }, 60_000)

  test('backfill renders the note template read from its file', async () => {
    const dir = tempDir()
    writeTemplates(dir)
    const harness = await cleanup.startHarness(dir, { logging: templateConfig.logging })
    const run = await runCli(['backfill', '--since', '60d', '--json'], { env: harness.env })
    expect(run.code, run.stdout).toBe(0)
    const { conversations } = intercomState(harness)
    const logged = conversations.filter(
      (conversation) =>
        (conversation.custom_attributes as Record<string, unknown> | undefined)?.aircall_call_id !== undefined,
    )
    expect(logged.length).toBeGreaterThan(0)
    for (const conversation of logged) {
      const callId = String((conversation.custom_attributes as Record<string, unknown>).aircall_call_id)
      expect(conversationTexts(conversation).join('\n')).toContain(`NOTE FROM FILE for call ${callId}`)
    }
    expect(JSON.stringify(intercomState(harness))).not.toMatch(/\.liquid/)
  }, 60_000)

  test('a missing template file and one that does not parse stop the command with exit 2, naming key and file', async () => {
    const dir = tempDir()
    writeTemplates(dir)
    writeFileSync(join(dir, 'templates', 'broken.liquid'), '<p>{% if caller.name %}never closed</p>\n')
    const configPath = join(dir, 'aircall-intercom.yml')
    const env = { AIRCALL_INTERCOM_CONFIG: configPath }

    writeFileSync(
      configPath,
      'missedCalls:\n  enabled: true\n  templates:\n    - name: ok\n      body: "Hi"\n    - name: gone\n      body: ./missed.liquid\n',
    )
    const missing = await runCli(['config', 'validate'], { env })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('missedCalls.templates[1].body')
    expect(missing.stderr).toContain(`file ${join(dir, 'missed.liquid')} not found`)

    writeFileSync(configPath, 'resolve:\n  enabled: true\n  noteTemplate: templates/broken.liquid\n')
    const broken = await runCli(['listen', '--port', '0'], { env })
    expect(broken.code).toBe(2)
    expect(broken.stderr).toContain('resolve.noteTemplate')
    expect(broken.stderr).toContain(`file ${join(dir, 'templates', 'broken.liquid')} does not parse`)
  }, 60_000)
})
