import { describe, expect, test } from 'vitest'

import { INSIGHT_SUMMARY } from '../../src/listener/fixtures.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { intercomState, queueSettled, useListenerCleanup, waitFor } from '../listener/harness.js'

const tempDir = useTempDir()
const { startHarness, spawnListen } = useListenerCleanup()

type Listed = { result: { events: Array<{ id: number; type: string; status: string; attempts: number }> } }

describe("Aircall's AI insights become notes on the call's conversation (built CLI)", () => {
  test('summary and transcript land on the call conversation once; one that arrives first waits for the call', async () => {
    const harness = await startHarness(tempDir(), { matching: { defaultCountry: 'FR' } })
    const { env } = harness
    const listener = spawnListen(harness)
    const url = await listener.url
    const trigger = async (event: string, callId: string): Promise<void> => {
      const run = await runCli(['trigger', event, '--to', url, '--call-id', callId], { env })
      expect(run.code, run.stderr).toBe(0)
    }
    const conversationsOf = (callId: string) =>
      intercomState(harness).conversations.filter(
        (item) => (item.custom_attributes as Record<string, unknown>).aircall_call_id === callId,
      )

    await trigger('call.ended', '777')
    await queueSettled(url)
    await trigger('summary.created', '777')
    await trigger('transcription.created', '777')
    await queueSettled(url)
    const [logged] = conversationsOf('777')
    const text = JSON.stringify(logged)
    expect(text).toContain('Call summary (Aircall AI)')
    expect(text).toContain(INSIGHT_SUMMARY)
    expect(text).toContain('Call transcript (Aircall AI)')
    expect(text).toMatch(/\[0:05\] <b>Caller \+33 6 12 34 56 78<\/b>: Hi, my invoice #4521 is wrong\./)
    expect(text).toMatch(/\[0:07\] <b>Agent 123<\/b>: Sorry about that/)

    // A summary before its call: retried (not dead-lettered, no conversation opened for it) until call.ended logs it.
    await trigger('summary.created', '778')
    await waitFor(async () => {
      const listed = JSON.parse((await runCli(['events', 'list', '--json'], { env })).stdout) as Listed
      return listed.result.events.some((event) => event.type === 'summary.created' && event.attempts >= 1)
    }, 'the early summary to be retried')
    expect(conversationsOf('778')).toEqual([])
    await trigger('call.ended', '778')
    await waitFor(
      () => JSON.stringify(conversationsOf('778')).includes('Call summary (Aircall AI)'),
      'the summary',
      60_000,
    )
    await queueSettled(url, 60_000)
    expect(conversationsOf('778')).toHaveLength(1)

    const noted = JSON.parse(
      (await runCli(['events', 'list', '--outcome', 'insights:noted', '--json'], { env })).stdout,
    ) as Listed
    expect(noted.result.events).toHaveLength(3)
    // An anonymous call is not logged: its summary has nothing to wait for and is skipped at once.
    const anonymous = ['trigger', 'call.ended', '--to', url, '--call-id', '779', '--phone', 'anonymous']
    expect((await runCli(anonymous, { env })).code).toBe(0)
    await queueSettled(url)
    await trigger('summary.created', '779')
    await queueSettled(url)
    const skipped = JSON.parse(
      (await runCli(['events', 'list', '--outcome', 'insights:skipped', '--json'], { env })).stdout,
    ) as Listed
    expect(skipped.result.events).toHaveLength(1)
    expect(skipped.result.events[0]?.attempts).toBe(1)

    const dead = JSON.parse((await runCli(['events', 'list', '--status', 'dead', '--json'], { env })).stdout) as Listed
    expect(dead.result.events).toEqual([])
  }, 120_000)

  test('in either order: one conversation with one call note, one summary, one transcript, attributes set; redeliveries write nothing', async () => {
    const harness = await startHarness(tempDir(), {
      matching: { defaultCountry: 'FR' },
      insights: {
        attributes: {
          sentiment: { conversation: 'call_sentiment', contact: 'last_call_sentiment' },
          topics: { conversation: 'call_topics' },
        },
      },
    })
    const { env } = harness
    const listener = spawnListen(harness)
    const url = await listener.url
    const trigger = async (event: string, callId: string): Promise<void> => {
      const run = await runCli(['trigger', event, '--to', url, '--call-id', callId], { env })
      expect(run.code, run.stderr).toBe(0)
    }
    const conversationsOf = (callId: string) =>
      intercomState(harness).conversations.filter(
        (item) => (item.custom_attributes as Record<string, unknown>).aircall_call_id === callId,
      )
    const count = (text: string, needle: string): number => text.split(needle).length - 1

    // The transcript first, then the call, then the rest: the early one waits for call.ended.
    await trigger('transcription.created', '901')
    await trigger('call.ended', '901')
    await waitFor(
      () => JSON.stringify(conversationsOf('901')).includes('Call transcript (Aircall AI)'),
      'the transcript',
      60_000,
    )
    for (const event of ['summary.created', 'sentiment.created', 'topics.created']) await trigger(event, '901')
    await queueSettled(url, 60_000)
    // Every AI event again (Aircall delivers at least once): the ledger has each.
    for (const event of ['transcription.created', 'summary.created', 'sentiment.created', 'topics.created']) {
      await trigger(event, '901')
    }
    await queueSettled(url, 60_000)

    const conversations = conversationsOf('901')
    expect(conversations).toHaveLength(1)
    const [conversation] = conversations
    const text = JSON.stringify(conversation)
    expect(count(text, 'aircall-call-id:901 rev:')).toBe(1)
    expect(count(text, 'Call summary (Aircall AI)')).toBe(1)
    expect(count(text, 'Call transcript (Aircall AI)')).toBe(1)
    expect(count(text, 'Caller sentiment (Aircall AI)')).toBe(1)
    expect(count(text, 'Call topics (Aircall AI)')).toBe(1)
    expect(text).toContain('<details><summary>')
    expect(conversation?.custom_attributes).toMatchObject({
      call_sentiment: 'negative',
      call_topics: 'Billing, Invoice',
    })
    const contactId = (conversation?.contacts as { contacts: Array<{ id: string }> } | undefined)?.contacts[0]?.id
    const contact = intercomState(harness).contacts.find((item) => item.id === contactId)
    expect(contact?.custom_attributes).toMatchObject({ last_call_sentiment: 'negative' })

    const dead = JSON.parse((await runCli(['events', 'list', '--status', 'dead', '--json'], { env })).stdout) as Listed
    expect(dead.result.events).toEqual([])
  }, 120_000)
})
