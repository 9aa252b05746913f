/** A duration as the user wrote it (results and summaries repeat it) and what it comes to. */
export interface Duration {
  text: string
  ms: number
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/i

/**
 * Milliseconds in "500ms", "45s", "1.5m", "12h", "7d" or "2w"; null when unreadable. A bare number counts in
 * seconds only where the caller says so: elsewhere "7" could as well mean days.
 */
export function parseDuration(text: string, bareNumber: 'seconds' | 'refused' = 'refused'): number | null {
  const match = DURATION.exec(text.trim())
  if (!match) return null
  const unit = match[2]?.toLowerCase() ?? (bareNumber === 'seconds' ? 's' : undefined)
  const factor = unit === undefined ? undefined : UNIT_MS[unit]
  return factor === undefined ? null : Math.round(Number(match[1]) * factor)
}
