/**
 * Where an item entered the pipeline, which decides the rules it may run. History (backfill, CSV, sync, tags
 * sync, a stale webhook) never messages a customer, never assigns, never resolves; a replay keeps the origin of
 * what it replays.
 */
export type Origin = 'history' | 'live' | 'replay-of-history' | 'replay-of-live'

export const allowsLiveRules = (origin: Origin): boolean => origin === 'live' || origin === 'replay-of-live'

/** The origin a replay of an item of `origin` runs with. */
export const replayOf = (origin: Origin): Origin =>
  origin === 'history' || origin === 'replay-of-history' ? 'replay-of-history' : 'replay-of-live'

/** A replay or a single live call looks its conversation up in Intercom; a range run pre-reads its range instead. */
export const looksUpExisting = (origin: Origin): boolean => origin !== 'history'
