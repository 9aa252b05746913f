/**
 * What a range run has covered, kept as merged `(from, to]` spans in UNIX seconds. A run's checkpoint is keyed
 * by what it covers, not by instants computed from "now": `--since 30d` run again reads only the gaps, the
 * stretch since the last run among them.
 */
export type Span = readonly [from: number, to: number]

/** Sorted, merged spans; adjacent spans join. */
export function addSpan(covered: readonly Span[], span: Span): Span[] {
  const [from, to] = span
  if (!(from < to)) return [...covered]
  const all = [...covered, span].sort((a, b) => a[0] - b[0])
  const merged: Array<[number, number]> = []
  for (const [a, b] of all) {
    const last = merged.at(-1)
    if (last && a <= last[1]) last[1] = Math.max(last[1], b)
    else merged.push([a, b])
  }
  return merged
}

/** The parts of `(since, until]` no covered span holds, in order. */
export function uncovered(covered: readonly Span[], since: number, until: number): Span[] {
  const gaps: Span[] = []
  let at = since
  for (const [a, b] of [...covered].sort((x, y) => x[0] - y[0])) {
    if (b <= at) continue
    if (a >= until) break
    if (a > at) gaps.push([at, a])
    at = Math.max(at, b)
  }
  if (at < until) gaps.push([at, until])
  return gaps
}

/** The spans stored in a checkpoint value, ignoring anything malformed (an older build's checkpoint). */
export function spansOf(value: Record<string, unknown> | undefined): Span[] {
  const raw = value?.covered
  if (!Array.isArray(raw)) return []
  return raw.filter(
    (span): span is [number, number] =>
      Array.isArray(span) && span.length === 2 && typeof span[0] === 'number' && typeof span[1] === 'number',
  )
}

export const coveredSeconds = (spans: readonly Span[]): number => spans.reduce((sum, [a, b]) => sum + (b - a), 0)
