import type { AircallWarning } from './requester.js'

/** A slice of call history `(from, to]` in UNIX seconds, as Aircall filters `started_at`. */
export interface CallWindow {
  from: number
  to: number
  /** `meta.total` when the window was probed. */
  total: number
}

export interface CallRange {
  /** Exclusive lower bound, UNIX seconds. */
  since: number
  /** Inclusive upper bound, UNIX seconds. */
  until: number
  signal?: AbortSignal
}

const DAY_S = 86_400

export interface TileOptions {
  range: CallRange
  /** `meta.total` of `from < started_at <= to`. */
  count: (from: number, to: number) => Promise<number>
  nowSeconds: number
  retentionDays: number
  /** Most calls one window may hold: the 10,000 positional cap less a margin for calls arriving meanwhile. */
  windowLimit: number
  maxWindowSeconds: number
  onWarning: (warning: AircallWarning) => void
}

/**
 * Splits `(since, until]` into adjacent windows `(a,b]`, `(b,c]` that each hold at most `windowLimit` calls:
 * a window is halved while its probed total is too large, and the next one starts twice as wide when the last
 * was sparse, so dense days cost a few probes and quiet months one.
 */
export async function* tileCallWindows(options: TileOptions): AsyncGenerator<CallWindow> {
  const { range, count, windowLimit, maxWindowSeconds, onWarning } = options
  const { since, until } = range
  if (!(since < until)) return
  const horizon = options.nowSeconds - options.retentionDays * DAY_S
  if (since < horizon) onWarning({ type: 'retention-horizon', since, horizon, retentionDays: options.retentionDays })
  let from = since
  let span = Math.min(until - since, maxWindowSeconds)
  while (from < until) {
    let to = Math.min(until, from + span)
    let total = await count(from, to)
    while (total > windowLimit && to - from > 1) {
      to = from + Math.floor((to - from) / 2)
      total = await count(from, to)
    }
    if (total > windowLimit) onWarning({ type: 'dense-window', from, to, total })
    yield { from, to, total }
    const used = to - from
    from = to
    span = total * 2 < windowLimit ? Math.min(maxWindowSeconds, used * 2) : used
  }
}
