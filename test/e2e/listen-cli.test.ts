import { afterEach, describe, expect, test } from 'vitest'
import { aircallFixture, intercomFixture } from '../../src/listener/fixtures.js'
import { intercomSignature } from '../../src/listener/verify.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import {
  intercomState,
  queueSettled,
  registerWebhooks,
  spawnListen,
  startHarness,
  waitFor,
  type Harness,
  type ListenChild,
} from '../listener/harness.js'

const tempDir = useTempDir()
let harness: Harness | undefined
let listener: ListenChild | undefined
afterEach(async () => {
  if (listener && listener.child.exitCode === null) {
    listener.child.kill('SIGKILL')
    await listener.exited
  }
  await harness?.close()
  harness = undefined
  listener = undefined
})

const MISSED_CALLS = {
  missedCalls: {
    enabled: true,
    cooldownMinutes: 10,
    templates: [{ name: 'default', body: '<p>Sorry we missed your call, {{ contact.name }}.</p>' }],
  },
}

describe('listen (built CLI) with the emulators', () => {
  test('a missed call sends one Intercom message on call.hungup; five from one caller within the cooldown send one', async () => {
    harness = await startHarness(tempDir(), MISSED_CALLS)
    listener = spawnListen(harness)
    const url = await listener.url
    expect(listener.lines[0]).toMatchObject({ type: 'listening', url })
    await registerWebhooks(harness, url)

    const caller = harness.sandbox.world.truth.knownCallers[0]!
    const contactId = harness.sandbox.world.truth.callerToContact[caller]!
    const emulator = harness.sandbox.aircallEmulator
    const messagesTo = () =>
      intercomState(harness!).messages.filter((message) => message.to.some((to) => to.id === contactId))

    emulator.injectCall({ phone: caller, outcome: 'missed', endedDelayMs: 400 })
    await waitFor(() => messagesTo().length === 1, 'the missed-call message')
    // The message went out while processing call.hungup, before call.ended arrived.
    const hungup = await waitFor(
      () => listener!.lines.find((line) => line.type === 'processed' && line.eventType === 'call.hungup'),
      'call.hungup to be processed',
    )
    expect(hungup.summary).toContain('missed-call:sent')

    for (let i = 0; i < 4; i++) emulator.injectCall({ phone: caller, outcome: 'missed', endedDelayMs: 100 })
    await waitFor(
      () => listener!.lines.filter((line) => line.type === 'processed' && line.eventType === 'call.ended').length === 5,
      'every call.ended to be processed',
    )
    await queueSettled(url)
    expect(messagesTo()).toHaveLength(1)
    const ended = listener.lines.filter((line) => line.type === 'processed' && line.eventType === 'call.ended')
    expect(ended.filter((line) => String(line.summary).includes('missed-call:already-sent'))).toHaveLength(1)
    expect(ended.filter((line) => String(line.summary).includes('missed-call:skipped(cooldown)'))).toHaveLength(4)

    listener.child.kill('SIGTERM')
    expect(await listener.exited).toBe(0)
    const summary = JSON.parse(listener.stdout()) as { ok: boolean; result: { outcomes: Record<string, number> } }
    expect(summary.ok).toBe(true)
    expect(summary.result.outcomes['missed-call:sent']).toBe(1)
    for (const secret of [
      harness.env.AIRCALL_WEBHOOK_TOKEN,
      harness.env.INTERCOM_CLIENT_SECRET,
      harness.env.INTERCOM_ACCESS_TOKEN,
    ]) {
      expect(listener.stderr()).not.toContain(secret)
      expect(listener.stdout()).not.toContain(secret)
    }
  }, 60_000)

  test('bad signatures get 401 and nothing is stored; trigger round trip; events list/show', async () => {
    harness = await startHarness(tempDir())
    listener = spawnListen(harness)
    const url = await listener.url
    const env = harness.env

    const body = JSON.stringify(intercomFixture('conversation.admin.assigned'))
    const forged = await fetch(`${url}/intercom`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-hub-signature': intercomSignature(body, 'not-the-secret') },
    })
    expect(forged.status).toBe(401)
    const wrongToken = await fetch(`${url}/aircall`, {
      method: 'POST',
      body: JSON.stringify(aircallFixture('call.ended', 'not-the-token')),
    })
    expect(wrongToken.status).toBe(401)
    const sent = await runCli(['trigger', 'call.ended', '--to', url, '--call-id', '777', '--json'], { env })
    expect(sent.code).toBe(0)
    expect(JSON.parse(sent.stdout)).toMatchObject({ ok: true, result: { status: 200, url: `${url}/aircall` } })
    const signed = await runCli(['trigger', 'conversation.priority.updated', '--to', url], { env })
    expect(signed.code).toBe(0)
    expect(signed.stdout).toContain(': 200')
    await queueSettled(url)

    const listed = JSON.parse((await runCli(['events', 'list', '--json'], { env })).stdout) as {
      result: { events: Array<{ id: number; type: string; subject: string | null; status: string }> }
    }
    expect(listed.result.events.map((event) => [event.type, event.status])).toEqual([
      ['conversation.priority.updated', 'done'],
      ['call.ended', 'done'],
    ])
    // The forged deliveries were refused before storage: only the two triggered events are there.
    expect(listed.result.events[1]?.subject).toBe('aircall:call:777')
    // status names the listener working on the file.
    const status = await runCli(['status'], { env })
    expect(status.stdout).toContain(`Listeners: 1 running (pid ${listener.child.pid} on `)

    const unknown = await runCli(['trigger', 'call.exploded', '--to', url], { env })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('call.ended.missed')
    const refused = await runCli(['trigger', 'call.ended', '--to', `${url}/nowhere`], { env })
    expect(refused.code).toBe(1)

    listener.child.kill('SIGINT')
    expect(await listener.exited).toBe(0)
  }, 90_000)

  test('refuses to start without any webhook secret (exit 2), warns when one is missing', async () => {
    harness = await startHarness(tempDir())
    const { AIRCALL_WEBHOOK_TOKEN: _token, INTERCOM_CLIENT_SECRET: _secret, ...withoutSecrets } = harness.env
    const refused = await runCli(['listen', '--port', '0'], { env: withoutSecrets })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('AIRCALL_WEBHOOK_TOKEN')
    expect(refused.stderr).toContain('Hint:')

    const { INTERCOM_CLIENT_SECRET: _only, ...aircallOnly } = harness.env
    listener = spawnListen({ ...harness, env: aircallOnly })
    await listener.url
    await waitFor(() => listener!.lines.some((line) => line.type === 'warning'), 'the warning')
    expect(listener.lines.find((line) => line.type === 'warning')?.message).toContain('INTERCOM_CLIENT_SECRET')
    listener.child.kill('SIGTERM')
    expect(await listener.exited).toBe(0)
    expect(JSON.parse(listener.stdout())).toMatchObject({
      ok: true,
      warnings: [expect.stringContaining('INTERCOM_CLIENT_SECRET')],
    })
  }, 60_000)
})
