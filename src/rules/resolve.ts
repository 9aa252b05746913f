import type { AppConfig } from '../config/schema.js'
import type { CallRecord } from '../domain/call-record.js'
import { includesName } from './match.js'

export type ResolveSkipReason = 'disabled' | 'not-tagged'

export type ResolveDecision =
  | { resolve: false; reason: ResolveSkipReason }
  /** A null conversationId means the conversation the call itself was logged to. */
  | { resolve: true; conversationId: string | null }

export interface ResolveInput {
  call: CallRecord
  config: AppConfig['resolve']
}

/**
 * The first ticket reference in the call's comments: the pattern's first capture group, or the whole match when
 * the pattern has no group.
 */
export function findTicketReference(comments: readonly string[], ticketPattern: string): string | null {
  const pattern = new RegExp(ticketPattern)
  for (const comment of comments) {
    const match = pattern.exec(comment)
    if (!match) continue
    const reference = (match.length > 1 ? match[1] : match[0])?.trim()
    if (reference) return reference
  }
  return null
}

/** An agent tags a call (e.g. "resolved") to close its Intercom conversation, or the ticket named in a comment. */
export function decideResolve(input: ResolveInput): ResolveDecision {
  const { call, config } = input
  if (!config.enabled) return { resolve: false, reason: 'disabled' }
  if (!includesName(call.tags, config.tag)) return { resolve: false, reason: 'not-tagged' }
  return { resolve: true, conversationId: findTicketReference(call.comments, config.ticketPattern) }
}
