import type { CallWindow } from '../aircall/call-windows.js'
import type { AircallClient } from '../aircall/client.js'
import { type CallRecord, normaliseAircallCall } from '../domain/call-record.js'
import { addSpan, type Span, spansOf } from './coverage.js'
import type { SourceProgress } from './source-progress.js'
import type { CallSource, SourceWindow, WindowOptions } from './types.js'

const DAY_S = 86_400

/** The oldest start time Aircall still serves calls from (UNIX s): about `retentionDays` before now. */
export const retentionHorizon = (nowMs: number, retentionDays: number): number =>
  Math.floor(nowMs / 1000) - retentionDays * DAY_S

export interface AircallRangeSourceOptions {
  client: AircallClient
  /** Exclusive lower bound, UNIX seconds. */
  since: number
  /** Inclusive upper bound, UNIX seconds. */
  until: number
  /** How far back Aircall serves calls (config `aircall.retentionDays`). */
  retentionDays: number
  now: () => number
  checkpointName?: string
  /**
   * Read only these parts of the range (what the stored coverage lacks) and record each finished window as
   * covered; without it the range is read whole and the checkpoint is the end of the last finished window.
   */
  gaps?: readonly Span[]
  /** Coverage never reaches past this instant (UNIX s): recent calls may still be running or be rewritten. */
  settledBefore?: number
  /**
   * The retention horizon the caller planned the range with (UNIX s), so a range it started at the horizon is
   * not warned about a second later; computed from `now` when absent.
   */
  horizon?: number
  /** When given, the calls of the whole run are counted before reading (one `meta.total` request per part). */
  onProgress?: (event: SourceProgress) => void
}

/** More parts than this and the upfront count costs more requests than it is worth: progress has no total. */
const MAX_COUNTED_PARTS = 20

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')

/**
 * Calls of `(since, until]` from the Aircall API, in windows small enough to page through under the
 * 10,000-item cap. The checkpoint is the end of the last finished window.
 */
export class AircallRangeSource implements CallSource {
  readonly checkpointName: string

  constructor(private readonly options: AircallRangeSourceOptions) {
    this.checkpointName = options.checkpointName ?? 'backfill:api'
    if (options.gaps) this.advance = (previous, window) => this.cover(previous, window)
  }

  readonly advance?: CallSource['advance']

  private cover(previous: Record<string, unknown> | undefined, window: SourceWindow): Record<string, unknown> | null {
    if (!window.span) return null
    const to = Math.min(window.span[1], this.options.settledBefore ?? Number.POSITIVE_INFINITY)
    return { covered: addSpan(spansOf(previous), [window.span[0], to]) }
  }

  async *windows(options: WindowOptions): AsyncIterable<SourceWindow> {
    const gaps = this.options.gaps
    await this.countPlanned(options)
    if (!gaps) {
      yield* this.range(this.options.since, this.options.until, options)
      return
    }
    let warned = false
    for (const [since, until] of gaps) {
      yield* this.range(since, until, {
        ...options,
        // One retention warning per run, not one per gap.
        onWarning: (warning) => {
          if (warning.code === 'retention-horizon' && warned) return
          if (warning.code === 'retention-horizon') warned = true
          options.onWarning(warning)
        },
      })
    }
  }

  /** The whole run's total for progress: `meta.total` of each part to read, before the first window. */
  private async countPlanned({ resume, signal }: WindowOptions): Promise<void> {
    const { onProgress, client } = this.options
    if (!onProgress) return
    const through = typeof resume?.through === 'number' ? resume.through : null
    const parts: Array<readonly [number, number]> = this.options.gaps
      ? [...this.options.gaps]
      : [[through !== null && through > this.options.since ? through : this.options.since, this.options.until]]
    const readable = parts.filter(([from, to]) => from < to)
    if (readable.length > MAX_COUNTED_PARTS) return
    let calls = 0
    for (const [from, to] of readable) calls += await client.calls.count(from, to, signal)
    onProgress({ type: 'planned', calls })
  }

  private async *range(
    rangeSince: number,
    until: number,
    { resume, signal, onWarning }: WindowOptions,
  ): AsyncIterable<SourceWindow> {
    const { client, retentionDays } = this.options
    const through = typeof resume?.through === 'number' ? resume.through : null
    const since = through !== null && through > rangeSince ? through : rangeSince
    const horizon = this.options.horizon ?? retentionHorizon(this.options.now(), retentionDays)
    if (since < horizon) {
      onWarning({
        code: 'retention-horizon',
        message:
          `the range starts ${iso(since)} UTC, before what Aircall still serves (about ${retentionDays} days, from ${iso(horizon)} UTC): ` +
          'older calls come back empty. Export them from the Aircall dashboard (Analytics › Calls › Export CSV) and import them with `backfill --csv FILE`.',
      })
    }
    for await (const window of client.calls.windows({ since, until, signal })) {
      if (window.total > 10_000) {
        onWarning({
          code: 'dense-window',
          message: `more than 10,000 calls start within one second at ${iso(window.from)} UTC: only the first 10,000 can be read`,
        })
      }
      yield {
        label: `${iso(window.from)} → ${iso(window.to)}`,
        expected: window.total,
        position: { through: window.to },
        span: [window.from, window.to],
        calls: this.calls(window, signal),
      }
    }
  }

  private async *calls(window: CallWindow, signal: AbortSignal | undefined): AsyncIterable<CallRecord> {
    for await (const raw of this.options.client.calls.inWindow(window, signal)) yield normaliseAircallCall(raw)
  }
}
