import type { AppConfig, TICKET_TRIGGERS } from '../config/schema.js'
import type { CallRecord } from '../domain/call-record.js'

export type TicketTrigger = (typeof TICKET_TRIGGERS)[number]

/**
 * The ticket triggers a call meets when it ends, most specific first (a call has one ticket at most, so the
 * first one names it). `missedCalls.onVoicemail: ticket` is a voicemail trigger whatever `tickets.on` says.
 */
export function callTicketTriggers(
  call: Pick<CallRecord, 'kind' | 'direction'>,
  config: Pick<AppConfig, 'tickets' | 'missedCalls'>,
): TicketTrigger[] {
  if (config.tickets.typeId === undefined || call.direction !== 'inbound') return []
  const on = new Set(config.tickets.on)
  const triggers: TicketTrigger[] = []
  if (call.kind === 'voicemail' && (on.has('voicemail') || config.missedCalls.onVoicemail === 'ticket')) {
    triggers.push('voicemail')
  }
  if ((call.kind === 'missed' || call.kind === 'voicemail') && on.has('missed-call')) triggers.push('missed-call')
  return triggers
}

/** A missed call whose voicemail opens a ticket sends no missed-call message. */
export const voicemailReplacesMessage = (
  call: Pick<CallRecord, 'kind'>,
  config: Pick<AppConfig, 'tickets' | 'missedCalls'>,
): boolean =>
  call.kind === 'voicemail' && config.missedCalls.onVoicemail === 'ticket' && config.tickets.typeId !== undefined

export interface TicketAttributeSpec {
  name: string
  dataType: string
  requiredToCreate: boolean
  isDefault: boolean
  listItems: ReadonlyArray<{ id: string; label: string }>
}

export type TicketAttributeValue = string | number | boolean | null

/**
 * Rendered text as the attribute's declared type: Intercom wants numbers as numbers, booleans as booleans and a
 * list attribute's item id, not its label. Empty text leaves an optional attribute out.
 */
export function ticketAttributeValue(
  spec: TicketAttributeSpec,
  text: string,
): { ok: true; value: TicketAttributeValue | undefined } | { ok: false; error: string } {
  const trimmed = text.trim()
  if (trimmed === '') return { ok: true, value: undefined }
  switch (spec.dataType) {
    case 'integer': {
      const value = Number(trimmed)
      return Number.isInteger(value) ? { ok: true, value } : { ok: false, error: `"${trimmed}" is not an integer` }
    }
    case 'decimal': {
      const value = Number(trimmed)
      return Number.isFinite(value) ? { ok: true, value } : { ok: false, error: `"${trimmed}" is not a number` }
    }
    case 'boolean': {
      const lower = trimmed.toLowerCase()
      if (lower === 'true' || lower === 'yes') return { ok: true, value: true }
      if (lower === 'false' || lower === 'no') return { ok: true, value: false }
      return { ok: false, error: `"${trimmed}" is not true or false` }
    }
    case 'list': {
      const item = spec.listItems.find(
        (candidate) => candidate.label.toLowerCase() === trimmed.toLowerCase() || candidate.id === trimmed,
      )
      if (item) return { ok: true, value: item.id }
      const labels = spec.listItems.map((candidate) => candidate.label).join(', ')
      return { ok: false, error: `"${trimmed}" is not one of its items (${labels})` }
    }
    default:
      return { ok: true, value: trimmed }
  }
}

/** A mapped attribute name the ticket type does not have (doctor before any call, each ticket again). */
export const unknownAttributeProblem = (name: string): string =>
  `tickets.attributes.${name}: the ticket type has no attribute "${name}"`

/** Attributes the type requires that nothing fills: `filled` says which are (configured, or rendered non-empty). */
export function unfilledRequiredProblems(
  specs: readonly TicketAttributeSpec[],
  filled: (spec: TicketAttributeSpec) => boolean,
): string[] {
  return specs
    .filter((spec) => spec.requiredToCreate && !spec.isDefault && !filled(spec))
    .map((spec) => `the ticket type requires "${spec.name}": map it in tickets.attributes`)
}

/** Attribute names match whatever their case. */
export const findAttributeSpec = (
  specs: readonly TicketAttributeSpec[],
  name: string,
): TicketAttributeSpec | undefined => specs.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase())

/**
 * The ticket attributes to send: the title and description, then each mapped attribute converted to its type.
 * Problems name the attribute; a mapped name the ticket type does not have is one.
 */
export function ticketAttributes(
  specs: readonly TicketAttributeSpec[],
  rendered: { title: string; description: string; mapped: Record<string, string> },
): { values: Record<string, TicketAttributeValue>; problems: string[] } {
  const values: Record<string, TicketAttributeValue> = {
    _default_title_: rendered.title,
    _default_description_: rendered.description,
  }
  const problems: string[] = []
  for (const [name, text] of Object.entries(rendered.mapped)) {
    const spec = findAttributeSpec(specs, name)
    if (!spec) {
      problems.push(unknownAttributeProblem(name))
      continue
    }
    const converted = ticketAttributeValue(spec, text)
    if (!converted.ok) problems.push(`tickets.attributes.${name}: ${converted.error}`)
    else if (converted.value !== undefined) values[spec.name] = converted.value
  }
  problems.push(...unfilledRequiredProblems(specs, (spec) => values[spec.name] !== undefined))
  return { values, problems }
}
