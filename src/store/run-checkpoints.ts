/**
 * Where history runs stand: a backfill source's covered spans, the last sync, the contact index's refresh
 * position, counters for `status`. Few, long-lived and listed by `status` (per-call live state is in call-states.ts).
 */

export interface Checkpoint {
  name: string
  value: Record<string, unknown>
  updatedAt: number
}

export interface RunCheckpoints {
  get(name: string): Checkpoint | undefined
  /** Replaces the checkpoint's value; durable when it returns, after every earlier write through this store. */
  set(name: string, value: Record<string, unknown>): void
  /** In name order; every checkpoint when `prefix` is absent. */
  list(prefix?: string): Checkpoint[]
  /** Deletes every checkpoint whose name starts with `prefix`; returns how many. */
  deleteByPrefix(prefix: string): number
}
