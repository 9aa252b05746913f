/**
 * Per-company request budget: a sliding 60 s window (stricter than a fixed window: no double burst at
 * a minute boundary) and an optional lockout after the first rejection ("blocks your access for 60 s").
 * `X-AircallApi-*` headers are only ever sent on the 429 itself.
 */
import type { ServerResponse } from 'node:http'
import { sendJson } from '../common/http.js'

const WINDOW_MS = 60_000

export type RateDecision = { ok: true } | { ok: false; resetAtMs: number }

export class RateLimiter {
  private stamps: number[] = []
  private head = 0
  private lockedUntil = 0

  reset(): void {
    this.stamps = []
    this.head = 0
    this.lockedUntil = 0
  }

  check(nowMs: number, limit: number, lockoutMs: number): RateDecision {
    if (limit <= 0) return { ok: true }
    if (nowMs < this.lockedUntil) return { ok: false, resetAtMs: this.lockedUntil }
    while (this.head < this.stamps.length && (this.stamps[this.head] as number) <= nowMs - WINDOW_MS) this.head += 1
    if (this.head > 1024) {
      this.stamps = this.stamps.slice(this.head)
      this.head = 0
    }
    const inWindow = this.stamps.length - this.head
    if (inWindow < limit) {
      this.stamps.push(nowMs)
      return { ok: true }
    }
    if (lockoutMs > 0) {
      this.lockedUntil = nowMs + lockoutMs
      return { ok: false, resetAtMs: this.lockedUntil }
    }
    // The window frees a slot when the oldest of the last `limit` requests ages out.
    const oldest = this.stamps[this.stamps.length - limit] as number
    return { ok: false, resetAtMs: oldest + WINDOW_MS }
  }
}

export function sendRateLimited(
  res: ServerResponse,
  limit: number,
  resetAtMs: number,
  nowMs: number,
  retryAfter: boolean,
): void {
  const headers: Record<string, string | number> = {
    'X-AircallApi-Limit': limit,
    'X-AircallApi-Remaining': 0,
    'X-AircallApi-Reset': Math.ceil(resetAtMs / 1000),
  }
  if (retryAfter) headers['Retry-After'] = Math.max(1, Math.ceil((resetAtMs - nowMs) / 1000))
  sendJson(
    res,
    429,
    { error: 'Too Many Requests', troubleshoot: `You reached the limit of ${limit} requests per minute.` },
    headers,
  )
}
