import { describe, expect, test } from 'vitest'

import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { intercomState, queueSettled, useListenerCleanup } from '../listener/harness.js'

const tempDir = useTempDir()
const { startHarness, spawnListen } = useListenerCleanup()

type Ticket = {
  id: string
  open: boolean
  ticket_type: { id: string }
  ticket_state: { category: string }
  ticket_attributes: Record<string, unknown>
  contacts: { contacts: Array<{ id: string }> }
  linked_objects: { data: Array<{ type: string; id: string }> }
}
type Listed = { result: { events: Array<{ summary: string | null }> } }

describe('Intercom tickets as a target (built CLI)', () => {
  test('a voicemail opens one ticket instead of the missed-call message; resolving the call resolves its ticket', async () => {
    const harness = await startHarness(tempDir(), {
      matching: { defaultCountry: 'FR' },
      missedCalls: {
        enabled: true,
        onVoicemail: 'ticket',
        templates: [{ name: 'sorry', body: 'Sorry we missed your call' }],
      },
      tickets: {
        typeId: '89',
        on: ['voicemail'],
        attributes: { 'Aircall line': '{{ line.name }}', Priority: 'High' },
      },
      resolve: { enabled: true },
    })
    const { env } = harness
    const listener = spawnListen(harness)
    const url = await listener.url
    const trigger = async (...args: string[]): Promise<void> => {
      const run = await runCli(['trigger', ...args, '--to', url], { env })
      expect(run.code, run.stderr).toBe(0)
    }
    const tickets = (): Ticket[] => (harness.sandbox.intercomEmulator.state() as { tickets: Ticket[] }).tickets
    const conversationOf = (callId: string) =>
      intercomState(harness).conversations.find(
        (item) => (item.custom_attributes as Record<string, unknown>).aircall_call_id === callId,
      )

    await trigger('call.ended.voicemail', '--call-id', '951')
    await queueSettled(url)
    // Aircall's own voicemail events and a redelivered call.ended find the ticket in the ledger.
    await trigger('call.voicemail_left', '--call-id', '951')
    await trigger('call.ended.voicemail', '--call-id', '951')
    await queueSettled(url)

    const conversation = conversationOf('951')
    expect(conversation).toBeDefined()
    const [ticket, ...others] = tickets()
    expect(others).toEqual([])
    expect(ticket?.ticket_type.id).toBe('89')
    expect(ticket?.open).toBe(true)
    const contactId = (conversation?.contacts as { contacts: Array<{ id: string }> }).contacts[0]?.id
    expect(ticket?.contacts.contacts.map((contact) => contact.id)).toEqual([contactId])
    expect(ticket?.linked_objects.data).toEqual([{ type: 'conversation', id: conversation?.id, category: null }])
    expect(ticket?.ticket_attributes._default_title_).toBe('Voicemail from +33 6 12 34 56 78')
    expect(String(ticket?.ticket_attributes._default_description_)).toContain(
      'Listen in Aircall: https://assets.aircall.io/calls/951/voicemail',
    )
    expect(String(ticket?.ticket_attributes._default_description_)).not.toContain('X-Amz-Expires')
    // The list attribute is sent as its item's id, the label as configured.
    expect(ticket?.ticket_attributes.Priority).toBe('3ae1c0de-0002-4c0f-9a0b-000000000002')
    expect(typeof ticket?.ticket_attributes['Aircall line']).toBe('string')
    // The ticket replaced the missed-call message.
    expect(intercomState(harness).messages.filter((message) => message.body.includes('Sorry we missed'))).toEqual([])

    await trigger('call.tagged', '--call-id', '951', '--tag', 'resolved')
    await queueSettled(url)
    const [resolved] = tickets()
    expect(resolved?.ticket_state.category).toBe('resolved')
    expect(resolved?.open).toBe(false)
    expect(conversationOf('951')?.state).toBe('closed')

    const listed = JSON.parse((await runCli(['events', 'list', '--json'], { env })).stdout) as Listed
    const summaries = listed.result.events.map((event) => event.summary ?? '').join('\n')
    expect(summaries).toMatch(/ticket:opened\(ticket \d+ \(voicemail, linked\)\)/)
    expect(summaries).toContain('missed-call:skipped(voicemail: a ticket instead)')
    expect(summaries).toMatch(/ticket:closed\(ticket \d+\)/)
    const dead = JSON.parse((await runCli(['events', 'list', '--status', 'dead', '--json'], { env })).stdout) as {
      result: { events: unknown[] }
    }
    expect(dead.result.events).toEqual([])
  }, 120_000)
})
