import type { CallRecord } from '../domain/call-record.js'

/** Something a source wants the person running the backfill to know; `line` for CSV rows. */
export type SourceWarning =
  | { code: 'retention-horizon'; message: string }
  | { code: 'dense-window'; message: string }
  | { code: 'bad-row'; message: string; line: number }
  | { code: 'unknown-columns'; message: string }

/** A slice of history the engine processes, then checkpoints at `position` in one transaction. */
export interface SourceWindow {
  /** Human label for progress ("2026-06-01 00:00 → 2026-06-08 00:00", "rows 1–500"). */
  label: string
  /** Calls announced for the window, when the source knows (progress total). */
  expected: number | null
  /** Stored as the checkpoint once every call of the window is settled (see CallSource.advance). */
  position: Record<string, unknown>
  /** The `(from, to]` start times the window holds (UNIX seconds), when the source knows them before reading. */
  span?: readonly [from: number, to: number]
  calls: AsyncIterable<CallRecord>
}

export interface WindowOptions {
  /** The checkpoint of a previous run, to resume after it. */
  resume?: Record<string, unknown>
  signal?: AbortSignal
  onWarning: (warning: SourceWarning) => void
}

/** Where calls come from (the Aircall API by time windows, or a CSV export by row chunks). */
export interface CallSource {
  /** Checkpoint name: one per source and range, so different ranges resume independently. */
  readonly checkpointName: string
  /** Total calls, when known before reading (a CSV's rows are not). */
  windows(options: WindowOptions): AsyncIterable<SourceWindow>
  /**
   * The checkpoint value after `window` is settled, from the stored one (read in the same transaction, so runs
   * sharing a store merge what they covered). Without it the window's position replaces the checkpoint; a source
   * that keeps no checkpoint (a CSV, keyed by its rows' call ids in the ledger) returns null.
   */
  advance?(previous: Record<string, unknown> | undefined, window: SourceWindow): Record<string, unknown> | null
}
