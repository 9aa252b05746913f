import { describe, expect, test } from 'vitest'

import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { intercomState, queueSettled, useListenerCleanup } from '../listener/harness.js'

const tempDir = useTempDir()
const { startHarness, spawnListen } = useListenerCleanup()

type Listed = { result: { events: Array<{ id: number; type: string; status: string; summary: string | null }> } }

describe('voicemails become a note with the permanent asset link (built CLI)', () => {
  test('one note per voicemail, whichever event brings it; the signed MP3 URL never reaches Intercom', async () => {
    const harness = await startHarness(tempDir(), { matching: { defaultCountry: 'FR' } })
    const { env } = harness
    const listener = spawnListen(harness)
    const url = await listener.url
    const trigger = async (...args: string[]): Promise<void> => {
      const run = await runCli(['trigger', ...args, '--to', url], { env })
      expect(run.code, run.stderr).toBe(0)
    }
    const conversationOf = (callId: string) =>
      intercomState(harness).conversations.filter(
        (item) => (item.custom_attributes as Record<string, unknown>).aircall_call_id === callId,
      )

    await trigger('call.ended.voicemail', '--call-id', '881', '--at', '20s')
    await queueSettled(url)
    // The same call.ended again, sent a second time by Aircall (a later timestamp, so not an identical delivery the
    // intake drops: two triggers within one second would be): the ledger has the note.
    await trigger('call.ended.voicemail', '--call-id', '881', '--at', '10s')
    await queueSettled(url)
    const [conversation] = conversationOf('881')
    const text = JSON.stringify(conversation)
    expect(text.match(/<b>Voicemail<\/b> from /g)).toHaveLength(1)
    expect(text).toContain('<a href=\\"https://assets.aircall.io/calls/881/voicemail\\">Listen in Aircall</a>')
    expect(text).not.toContain('X-Amz-Expires')
    expect(conversationOf('881')).toHaveLength(1)

    const listed = JSON.parse((await runCli(['events', 'list', '--json'], { env })).stdout) as Listed
    const summaries = listed.result.events.map((event) => event.summary ?? '')
    expect(summaries.filter((summary) => summary.includes('voicemail:noted'))).toHaveLength(1)
    expect(summaries.filter((summary) => summary.includes('voicemail:already-noted'))).toHaveLength(1)

    // An answered call has no voicemail: no note.
    await trigger('call.ended', '--call-id', '882')
    await queueSettled(url)
    expect(JSON.stringify(conversationOf('882'))).not.toContain('<b>Voicemail</b>')
  }, 120_000)
})
