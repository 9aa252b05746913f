import type { AppConfig } from '../config/schema.js'
import { ForbiddenError, NotFoundError } from '../http/errors.js'
import type { IntercomTicketType } from '../intercom/tickets.js'
import { findAttributeSpec, unfilledRequiredProblems, unknownAttributeProblem } from '../rules/call-ticket.js'
import { row, type CheckRow, type Outcome } from './doctor-rows.js'
import type { Runtime } from './runtime.js'

const ID = 'ticket-type'
const TITLE = 'Intercom ticket type'

const describeType = (type: IntercomTicketType): string => `${type.id} ${type.name} (${type.category})`

/** The types a user could pick instead, for the hint of a wrong or archived one. */
const choices = (types: IntercomTicketType[]): string => {
  const live = types.filter((type) => !type.archived)
  if (live.length === 0) return 'create a ticket type in Intercom (Settings › Tickets), then set tickets.typeId'
  return `set tickets.typeId to one of: ${live.map(describeType).join('; ')}`
}

/**
 * What the configured ticket rules need from the type, checked before a call finds out: it exists and is live,
 * every mapped attribute is one of its attributes, every attribute it requires is mapped, and it has a resolved
 * state when `resolve` is to close tickets.
 */
export function ticketTypeRows(config: AppConfig['tickets'], types: IntercomTicketType[]): CheckRow[] {
  const typeId = config.typeId
  if (typeId === undefined) return []
  const type = types.find((candidate) => candidate.id === typeId)
  if (!type) return [row(ID, TITLE, 'fail', `no ticket type has id ${typeId}`, choices(types))]
  if (type.archived) return [row(ID, TITLE, 'fail', `${describeType(type)} is archived`, choices(types))]
  const mapped = Object.keys(config.attributes)
  const problems = mapped
    .filter((name) => findAttributeSpec(type.attributes, name) === undefined)
    .map(unknownAttributeProblem)
  const mappedSpecs = new Set(mapped.map((name) => findAttributeSpec(type.attributes, name)))
  problems.push(...unfilledRequiredProblems(type.attributes, (spec) => mappedSpecs.has(spec)))
  if (config.closeOnResolve && !type.states.some((state) => state.category === 'resolved')) {
    problems.push('the type has no resolved state to close tickets with (tickets.closeOnResolve)')
  }
  if (problems.length > 0) {
    const known = type.attributes.filter((attribute) => !attribute.isDefault).map((attribute) => attribute.name)
    const hint = known.length > 0 ? `its attributes: ${known.join(', ')}` : 'it has only the title and description'
    return [row(ID, TITLE, 'fail', `${describeType(type)}: ${problems.join('; ')}`, hint)]
  }
  const how = type.category === 'Customer' ? 'the call’s conversation converts into it' : 'linked to the conversation'
  return [row(ID, TITLE, 'pass', `${describeType(type)}, ${how}`)]
}

export const checkTicketType = async (runtime: Runtime, signal: AbortSignal): Promise<Outcome> => {
  try {
    return { rows: ticketTypeRows(runtime.config.tickets, await runtime.intercom.tickets.listTypes(signal)) }
  } catch (error) {
    if (error instanceof ForbiddenError || error instanceof NotFoundError) {
      return {
        rows: [
          row(
            ID,
            TITLE,
            'fail',
            `Intercom refused to list ticket types (${error.status})`,
            'tickets need a workspace with Tickets on and an app allowed to read and write them',
          ),
        ],
      }
    }
    throw error
  }
}
