import type { CallRecord } from './call-record.js'

export const AIRCALL_CALL_EVENTS = [
  'call.created',
  'call.ringing_on_agent',
  'call.agent_declined',
  'call.answered',
  'call.transferred',
  'call.external_transferred',
  'call.unsuccessful_transfer',
  'call.hungup',
  'call.ended',
  'call.hold',
  'call.unhold',
  'call.ivr_option_selected',
  'call.comm_assets_generated',
  'call.voicemail_left',
  'call.assigned',
  'call.archived',
  'call.tagged',
  'call.untagged',
  'call.commented',
] as const

export type AircallCallEventName = (typeof AIRCALL_CALL_EVENTS)[number]

/**
 * A newer event that makes older pending ones for the same call pointless: `call.ended` arrives ~30 s after
 * `call.hungup` with the complete call, so processing both would log the call twice from different snapshots.
 */
export const SUPERSEDES: Readonly<Partial<Record<AircallCallEventName, readonly AircallCallEventName[]>>> = {
  'call.ended': ['call.hungup'],
}

export interface AircallCallEvent {
  kind: 'call'
  event: AircallCallEventName
  /** Dedupe key: a redelivery of the same event has the same identity. */
  identity: string
  /** Events of one call are processed in order. */
  subject: string
  callId: string
  timestamp: number
  call: CallRecord
  supersedes: readonly AircallCallEventName[]
}

export interface AircallOtherEvent {
  kind: 'other'
  event: string
  resource: string
  identity: string
  /** Set for message events: those of one thread are processed one at a time, in order. */
  subject: string | null
  timestamp: number
}

export type AircallEvent = AircallCallEvent | AircallOtherEvent

export class AircallEventParseError extends Error {
  override readonly name = 'AircallEventParseError'
  readonly failure = 'permanent' // a replay cannot fix the payload: classifyFailure dead-letters it at once
  constructor(
    message: string,
    readonly issues: string[],
  ) {
    super(message)
  }
}

export type AircallParseResult = { ok: true; event: AircallEvent } | { ok: false; error: AircallEventParseError }

/** True when `newer` makes `older` redundant: same call, and `newer`'s event supersedes `older`'s. */
export function supersedesEvent(newer: AircallEvent, older: AircallEvent): boolean {
  if (newer.kind !== 'call' || older.kind !== 'call') return false
  return newer.callId === older.callId && newer.supersedes.includes(older.event)
}
