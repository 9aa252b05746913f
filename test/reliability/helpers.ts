/**
 * Shared checks of the reliability suite: which calls a backfill must log for a seeded world, and what the
 * Intercom emulator holds per call (conversations carrying the call id, notes in each).
 */
import type { FaultRule } from '@aircall-intercom/emulators/types.js'
import type { Harness } from '../listener/harness.js'
import { intercomState } from '../listener/harness.js'

/** Calls of the world that must end up logged: every one but anonymous and unparseable callers. */
export const loggableCallIds = (harness: Harness): Set<string> => {
  const { world } = harness.sandbox
  const skipped = new Set([...world.truth.anonymousCallIds, ...world.truth.invalidCallIds])
  return new Set(world.aircall.calls.filter((call) => !skipped.has(call.id)).map((call) => String(call.id)))
}

export interface PerCall {
  conversations: Map<string, number>
  /** Note parts per conversation that carries a call id. */
  notes: number[]
}

export const perCall = (harness: Harness): PerCall => {
  const conversations = new Map<string, number>()
  const notes: number[] = []
  for (const conversation of intercomState(harness).conversations) {
    const callId = (conversation.custom_attributes as Record<string, unknown> | undefined)?.aircall_call_id
    if (typeof callId !== 'string') continue
    conversations.set(callId, (conversations.get(callId) ?? 0) + 1)
    const parts = (conversation.conversation_parts as { conversation_parts: Array<{ part_type: string }> })
      .conversation_parts
    notes.push(parts.filter((part) => part.part_type === 'note').length)
  }
  return { conversations, notes }
}

/** 10% 5xx, latency spikes past the client's timeout, connection resets and 429 bursts. */
export const SOAK_FAULTS: FaultRule[] = [
  { match: '*', kind: 'status', status: 500, rate: 0.05 },
  { match: '*', kind: 'status', status: 503, rate: 0.05 },
  { match: 'POST /conversations', kind: 'latency', latencyMs: 400, rate: 0.03 },
  { match: 'PUT /conversations', kind: 'latency', latencyMs: 400, rate: 0.03 },
  { match: '*', kind: 'reset', rate: 0.03 },
  // One burst: each 429 pauses the gate to the end of Intercom's 10-second window.
  { match: '*', kind: 'rate-limit', nth: [40, 41, 42] },
]

export const AIRCALL_FAULTS: FaultRule[] = [
  { match: 'GET /v1/calls', kind: 'status', status: 503, rate: 0.1 },
  { match: 'GET /v1/calls', kind: 'reset', rate: 0.05 },
]

/** Secrets of a harness, to assert none leaks into any output. */
export const harnessSecrets = (harness: Harness): string[] => [
  harness.sandbox.aircall.apiToken,
  harness.sandbox.aircall.webhookToken,
  harness.sandbox.intercom.accessToken,
  harness.sandbox.intercom.clientSecret,
]
