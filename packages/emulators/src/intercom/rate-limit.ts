/** Intercom's per-minute allowance, enforced as limit/6 per fixed 10-second window (RL, RL-2.17). */
export const WINDOW_MS = 10_000

export interface WindowDecision {
  allowed: boolean
  limit: number
  remaining: number
  /** UNIX seconds at which the current window ends. */
  reset: number
}

export class WindowLimiter {
  private windowStart = -1
  private readonly counts = new Map<string, number>()

  constructor(
    private perMinute: number,
    private readonly now: () => number,
  ) {}

  /** Per-window allowance: 10 000/min → 1 666. 0 disables. */
  get limit(): number {
    return Math.floor(this.perMinute / 6)
  }

  get enabled(): boolean {
    return this.perMinute > 0
  }

  setPerMinute(perMinute: number): void {
    this.perMinute = perMinute
  }

  private roll(): number {
    const start = Math.floor(this.now() / WINDOW_MS) * WINDOW_MS
    if (start !== this.windowStart) {
      this.windowStart = start
      this.counts.clear()
    }
    return start
  }

  peek(key: string): WindowDecision {
    const start = this.roll()
    const used = this.counts.get(key) ?? 0
    return {
      allowed: used < this.limit,
      limit: this.limit,
      remaining: Math.max(0, this.limit - used),
      reset: (start + WINDOW_MS) / 1000,
    }
  }

  consume(key: string): void {
    this.roll()
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
  }

  reset(): void {
    this.counts.clear()
  }
}

export function rateLimitMessage(limit: number): string {
  return `Exceeded rate limit of ${limit} in 10_seconds`
}
