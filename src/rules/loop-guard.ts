import { createHash } from 'node:crypto'

import type { AircallEvent } from '../domain/aircall-event.js'
import type { IntercomEvent } from '../domain/intercom-event.js'

export interface WriteDescriptor {
  service: 'intercom' | 'aircall'
  kind: string
  targetId: string
  payload: unknown
}

/**
 * The write kinds whose webhook echo can be recognised from the event alone. Services record
 * `fingerprintOf(...)` with exactly these kinds and payloads when they write, so the echo hashes the same.
 */
export const ECHO_KINDS = {
  conversationAssign: 'conversation.assign',
  conversationTag: 'conversation.tag',
  conversationPriority: 'conversation.priority',
  conversationClose: 'conversation.close',
  contactTag: 'contact.tag',
  contactUpdate: 'contact.update',
} as const

/**
 * Appended to every note and comment we write. It is both an attribute (kept when the body stays HTML) and
 * invisible characters (kept when Intercom hands the body back as plain text, as 2.15+ webhooks do).
 */
export const ORIGIN_MARKER = '<span data-aircall-intercom="origin">\u2063\u200b\u2063</span>'
const MARKER_ATTRIBUTE = 'data-aircall-intercom="origin"'
const MARKER_TEXT = '\u2063\u200b\u2063'
/** The marker's invisible characters alone, for bodies Intercom takes as plain text, where the tag would show. */
export const ORIGIN_MARKER_TEXT = MARKER_TEXT

export function hasOriginMarker(body: string | null | undefined): boolean {
  if (!body) return false
  return body.includes(MARKER_ATTRIBUTE) || body.includes(MARKER_TEXT)
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : canonical(item)))
  if (value !== null && typeof value === 'object') {
    if (value instanceof Date) return value.toISOString()
    const sorted: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key]
      if (item !== undefined) sorted[key] = canonical(item)
    }
    return sorted
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return null
  if (typeof value === 'bigint') return value.toString()
  return value
}

/** A stable hash of one write: key order and undefined members do not change it. */
export function fingerprintOf(write: WriteDescriptor): string {
  const text = JSON.stringify(canonical([write.service, write.kind, write.targetId, write.payload ?? null]))
  return createHash('sha256').update(text).digest('hex')
}

/** Tag names are case-insensitive in Intercom, so the echo of "VIP" must match a write of "vip". */
function tagPayload(name: string): { tag: string } {
  return { tag: name.trim().toLowerCase() }
}

/** The writes of ours an event could be the echo of, described as the services record them. */
export function echoCandidates(event: IntercomEvent | AircallEvent): WriteDescriptor[] {
  if (!('topic' in event)) return []
  const intercom = (kind: string, targetId: string, payload: unknown): WriteDescriptor => ({
    service: 'intercom',
    kind,
    targetId,
    payload,
  })
  switch (event.kind) {
    case 'conversation': {
      const id = event.conversationId
      switch (event.topic) {
        case 'conversation.admin.assigned':
        case 'conversation.admin.open.assigned':
          return [
            intercom(ECHO_KINDS.conversationAssign, id, {
              adminId: event.assigneeAdminId,
              teamId: event.assigneeTeamId,
            }),
          ]
        case 'conversation_part.tag.created':
          return event.tagsAdded.map((name) => intercom(ECHO_KINDS.conversationTag, id, tagPayload(name)))
        case 'conversation.priority.updated':
          return [intercom(ECHO_KINDS.conversationPriority, id, { priority: event.priority })]
        case 'conversation.admin.closed':
          return [intercom(ECHO_KINDS.conversationClose, id, null)]
        case 'conversation.admin.noted':
        case 'conversation.admin.replied':
        case 'conversation.user.created':
        case 'conversation.user.replied':
          return []
      }
      return []
    }
    case 'contact-tag':
      return [intercom(ECHO_KINDS.contactTag, event.contactId, tagPayload(event.tagName))]
    case 'contact':
      // A contact update does not say what changed, so the write is recorded without its payload.
      return [intercom(ECHO_KINDS.contactUpdate, event.contactId, null)]
    case 'contact-change':
    case 'ping':
    case 'other':
      return []
  }
}

export type EchoVerdict = { echo: true; why: 'own-admin' | 'fingerprint' | 'origin-marker' } | { echo: false }

export interface EchoInput {
  event: IntercomEvent | AircallEvent
  ownAdminId: string | null
  /** Whether the store holds this fingerprint (recorded by a write of ours and not yet expired). */
  fingerprints: (fingerprint: string) => boolean
}

/** Whether an incoming webhook only reports a change the toolkit made itself. */
export function isOwnEcho(input: EchoInput): EchoVerdict {
  const { event, ownAdminId, fingerprints } = input
  if ('topic' in event) {
    if (ownAdminId !== null && 'authorAdminId' in event && event.authorAdminId === ownAdminId) {
      return { echo: true, why: 'own-admin' }
    }
    if (event.kind === 'conversation' && hasOriginMarker(event.part?.body)) return { echo: true, why: 'origin-marker' }
  } else if (event.kind === 'call' && event.event === 'call.commented') {
    // Comments are not timestamped in the normalised call; the one just posted is the last.
    if (hasOriginMarker(event.call.comments.at(-1))) return { echo: true, why: 'origin-marker' }
  }
  const candidates = echoCandidates(event)
  if (candidates.length > 0 && candidates.every((write) => fingerprints(fingerprintOf(write)))) {
    return { echo: true, why: 'fingerprint' }
  }
  return { echo: false }
}
