/**
 * API budgets shared by every process on one database: one per Aircall company and per Intercom app, so two
 * listener replicas and a `sync` together stay under the API's limit instead of each spending the whole of it.
 *
 * Only a networked store has them (PostgreSQL): one process on SQLite has nobody to share with, and its rate gate
 * alone keeps it under the limit. The rate gate that uses them (http/shared-rate-gate.ts) declares the same shapes
 * as its own port, since http/ imports nothing of store/: keep the two in step.
 */

/** What a response's rate headers said of the server's window. */
export interface BudgetObservation {
  /** Requests the server still allows in its window. */
  remaining: number
  /** UNIX ms at which the server's window ends. */
  resetAt: number
}

export interface BudgetTake {
  /** The caller's clock (UNIX ms): every process judges windows by its own `now`, as with locks. */
  now: number
  /** Requests one window allows: the caller's (its gate follows the API's limit header). */
  limit: number
  windowMs: number
  /** Units wanted now: a gate leases a few at once and hands them out itself, to spare round trips. */
  want: number
  /**
   * A sliding window (Aircall: never more than `limit` in any `windowMs`), kept as the times of the grants; else
   * fixed windows that follow the server's boundaries (Intercom's ten seconds).
   */
  sliding?: boolean
  /** A response's headers since the last take, applied before granting (fixed windows only). */
  seen?: BudgetObservation | undefined
}

export interface BudgetGrant {
  /** Units granted, 0 to `want`. */
  granted: number
  /** When nothing was granted: how long until a unit may be (the window's end, or the pause's). */
  waitMs: number
  /**
   * Until when the granted units may be spent: the window's end (a unit spent later would be counted by the server
   * in the next window, which is granted in full again). On a sliding window, the time of the grant: spend at once.
   */
  expiresAt: number
  /** What is left for everyone after this grant. */
  remaining: number
  /** UNIX ms until which a 429 holds every process (0 when not paused). */
  pausedUntil: number
}

export interface SharedBudgets {
  /** Grants up to `want` units of `key`'s budget, never more than the window allows all processes together. */
  take(key: string, request: BudgetTake): Promise<BudgetGrant>
  /** A response's headers, seen by any process: lowers what is left, or moves the window to the server's. */
  observe(key: string, observation: BudgetObservation & { now: number }): Promise<void>
  /** A 429 that spent the budget: every process waits until `until`. */
  pause(key: string, pause: { now: number; until: number }): Promise<void>
}
