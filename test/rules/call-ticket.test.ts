import { describe, expect, it } from 'vitest'

import { configSchema } from '../../src/config/schema.js'
import {
  callTicketTriggers,
  ticketAttributes,
  ticketAttributeValue,
  voicemailReplacesMessage,
  type TicketAttributeSpec,
} from '../../src/rules/call-ticket.js'

const config = (tickets: Record<string, unknown>, missedCalls: Record<string, unknown> = {}) =>
  configSchema.parse({ tickets, missedCalls })

const spec = (name: string, dataType: string, extra: Partial<TicketAttributeSpec> = {}): TicketAttributeSpec => ({
  name,
  dataType,
  requiredToCreate: false,
  isDefault: false,
  listItems: [],
  ...extra,
})

describe('which calls open a ticket', () => {
  it('an inbound voicemail meets the voicemail trigger first, then missed-call; outbound calls none', () => {
    const both = config({ typeId: '88', on: ['missed-call', 'voicemail'] })
    expect(callTicketTriggers({ kind: 'voicemail', direction: 'inbound' }, both)).toEqual(['voicemail', 'missed-call'])
    expect(callTicketTriggers({ kind: 'missed', direction: 'inbound' }, both)).toEqual(['missed-call'])
    expect(callTicketTriggers({ kind: 'answered', direction: 'inbound' }, both)).toEqual([])
    expect(callTicketTriggers({ kind: 'voicemail', direction: 'outbound' }, both)).toEqual([])
    expect(callTicketTriggers({ kind: 'voicemail', direction: 'inbound' }, config({}))).toEqual([])
  })

  it('missedCalls.onVoicemail: ticket opens a ticket for a voicemail and replaces its message', () => {
    const replacing = config({ typeId: '88' }, { onVoicemail: 'ticket' })
    expect(callTicketTriggers({ kind: 'voicemail', direction: 'inbound' }, replacing)).toEqual(['voicemail'])
    expect(voicemailReplacesMessage({ kind: 'voicemail' }, replacing)).toBe(true)
    expect(voicemailReplacesMessage({ kind: 'missed' }, replacing)).toBe(false)
    expect(voicemailReplacesMessage({ kind: 'voicemail' }, config({ typeId: '88', on: ['voicemail'] }))).toBe(false)
  })

  it('a ticket rule without a ticket type is refused when the config loads', () => {
    const refused = configSchema.safeParse({ tickets: { on: ['voicemail'] } })
    expect(refused.success).toBe(false)
    expect(refused.error?.issues[0]).toMatchObject({
      path: ['tickets', 'typeId'],
      message: 'is required when tickets.on lists a trigger',
    })
    const viaMissedCalls = configSchema.safeParse({ missedCalls: { onVoicemail: 'ticket' } })
    expect(viaMissedCalls.error?.issues[0]?.message).toBe('is required when missedCalls.onVoicemail is ticket')
  })
})

describe('ticket attributes', () => {
  it('rendered text becomes the declared type; a list takes its item id', () => {
    const priority = spec('Priority', 'list', { listItems: [{ id: 'li_2', label: 'High' }] })
    expect(ticketAttributeValue(priority, ' high ')).toEqual({ ok: true, value: 'li_2' })
    expect(ticketAttributeValue(priority, 'Urgent')).toEqual({
      ok: false,
      error: '"Urgent" is not one of its items (High)',
    })
    expect(ticketAttributeValue(spec('Seconds', 'integer'), '42')).toEqual({ ok: true, value: 42 })
    expect(ticketAttributeValue(spec('Seconds', 'integer'), '4.2')).toMatchObject({ ok: false })
    expect(ticketAttributeValue(spec('Spend', 'decimal'), '4.25')).toEqual({ ok: true, value: 4.25 })
    expect(ticketAttributeValue(spec('VIP', 'boolean'), 'Yes')).toEqual({ ok: true, value: true })
    expect(ticketAttributeValue(spec('Line', 'string'), '')).toEqual({ ok: true, value: undefined })
  })

  it('names every problem: an unknown name, a bad value, a required attribute left unmapped', () => {
    const specs = [spec('Line', 'string'), spec('Team', 'string', { requiredToCreate: true }), spec('N', 'integer')]
    const { values, problems } = ticketAttributes(specs, {
      title: 'Voicemail',
      description: 'd',
      mapped: { line: 'Support', Colour: 'red', N: 'many' },
    })
    expect(values).toEqual({ _default_title_: 'Voicemail', _default_description_: 'd', Line: 'Support' })
    expect(problems).toEqual([
      'tickets.attributes.Colour: the ticket type has no attribute "Colour"',
      'tickets.attributes.N: "many" is not an integer',
      'the ticket type requires "Team": map it in tickets.attributes',
    ])
  })
})
