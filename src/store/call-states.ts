/**
 * What the listener knows of each live call: the furthest lifecycle event processed (so an event that arrives
 * after a later one is recognised as stale) and whether the call was processed without being logged (so its AI
 * events do not wait for a conversation that will never exist). One row per call, apart from the run checkpoints.
 */

export interface CallState {
  callId: string
  /** The furthest lifecycle stage recorded (0: only events that do not move a call forward). */
  stage: number
  /** The event that recorded it, e.g. `call.ended`; null when only `markNotLogged` wrote the state. */
  event: string | null
  /** That event's own timestamp (Aircall's, UNIX seconds). */
  timestamp: number | null
  /** Why the call was processed and not logged (anonymous, unmatched…); null when it was, or is not known yet. */
  notLogged: string | null
  updatedAt: number
}

export interface LifecycleEvent {
  stage: number
  event: string
  timestamp: number
}

export interface CallStates {
  get(callId: string): CallState | undefined
  /**
   * Records a lifecycle event atomically: at or past the recorded stage it replaces the event and clears
   * `notLogged` (the event is processed again, which says anew whether the call was logged); behind it nothing is
   * written and the answer is `stale`. Stage 0 is never stale.
   */
  advance(callId: string, event: LifecycleEvent): 'current' | 'stale'
  /** Notes why the call was processed without being logged, creating the state if absent. */
  markNotLogged(callId: string, reason: string): void
}
