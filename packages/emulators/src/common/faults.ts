/**
 * Fault injection driven by `FaultRule`s: 5xx statuses, latency, connection resets and 429 bursts,
 * chosen by seeded rate or by 1-based schedule (`nth`), capped by `limit`. Deterministic for a given
 * seed and request sequence, so a flaky-looking failure can be reproduced exactly.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FaultRule } from '../types.js'
import { sendJson, sleep } from './http.js'
import type { Rng } from './prng.js'

export interface FaultState {
  rule: FaultRule
  /** Matching requests seen so far. */
  seen: number
  /** Times the fault was applied. */
  hits: number
}

export interface FaultResponders {
  /** Writes an emulator-specific error body for kind "status". */
  status?: (res: ServerResponse, status: number) => void
  /** Writes an emulator-specific 429 (with its own headers) for kind "rate-limit". */
  rateLimit?: (res: ServerResponse) => void
}

export type FaultOutcome = 'continue' | 'handled'

export class FaultInjector {
  private states: FaultState[] = []

  constructor(private readonly rng: Rng) {}

  set(rules: FaultRule[]): void {
    this.states = rules.map((rule) => ({ rule: { ...rule }, seen: 0, hits: 0 }))
  }

  add(rule: FaultRule): void {
    this.states.push({ rule: { ...rule }, seen: 0, hits: 0 })
  }

  clear(): void {
    this.states = []
  }

  list(): FaultState[] {
    return this.states.map((s) => ({ rule: { ...s.rule }, seen: s.seen, hits: s.hits }))
  }

  /** Rules that fire for this request, in declaration order; updates counters. */
  decide(method: string, path: string): FaultRule[] {
    const fired: FaultRule[] = []
    for (const state of this.states) {
      if (!matches(state.rule.match, method, path)) continue
      state.seen += 1
      if (state.rule.limit !== undefined && state.hits >= state.rule.limit) continue
      if (!this.fires(state)) continue
      state.hits += 1
      fired.push(state.rule)
    }
    return fired
  }

  /**
   * Applies the faults for one request. Latency rules all add up; the first terminal rule (status,
   * reset, rate-limit) ends the request. Returns "handled" when the caller must not respond.
   */
  async apply(req: IncomingMessage, res: ServerResponse, responders: FaultResponders = {}): Promise<FaultOutcome> {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const fired = this.decide(req.method ?? 'GET', path)
    if (fired.length === 0) return 'continue'
    const latency = fired.filter((r) => r.kind === 'latency').reduce((sum, r) => sum + (r.latencyMs ?? 0), 0)
    if (latency > 0) await sleep(latency)
    const terminal = fired.find((r) => r.kind !== 'latency')
    if (!terminal) return 'continue'
    switch (terminal.kind) {
      case 'reset':
        // Destroying the socket without a response is what a client sees as ECONNRESET / "socket hang up".
        req.socket.destroy()
        return 'handled'
      case 'status': {
        const status = terminal.status ?? 500
        if (responders.status) responders.status(res, status)
        else sendJson(res, status, { error: 'Injected fault', status })
        return 'handled'
      }
      case 'rate-limit':
        if (responders.rateLimit) responders.rateLimit(res)
        else sendJson(res, 429, { error: 'Too Many Requests' })
        return 'handled'
      case 'latency':
        return 'continue'
    }
  }

  private fires(state: FaultState): boolean {
    const { rule } = state
    if (rule.nth && rule.nth.length > 0) return rule.nth.includes(state.seen)
    if (rule.rate !== undefined) return this.rng.next() < rule.rate
    return true
  }
}

/**
 * "*" matches everything; "POST /contacts" matches method + path prefix; "/contacts" any method; a trailing "$"
 * ("POST /contacts$") matches that exact path only.
 */
export function matches(pattern: string, method: string, path: string): boolean {
  const trimmed = pattern.trim()
  if (trimmed === '*' || trimmed === '') return true
  const space = trimmed.indexOf(' ')
  if (space === -1) return trimmed.startsWith('/') ? pathMatches(trimmed, path) : trimmed.toUpperCase() === method
  const m = trimmed.slice(0, space).toUpperCase()
  const prefix = trimmed.slice(space + 1).trim()
  return (m === '*' || m === method.toUpperCase()) && (prefix === '*' || pathMatches(prefix, path))
}

function pathMatches(prefix: string, path: string): boolean {
  return prefix.endsWith('$') ? path === prefix.slice(0, -1) : path.startsWith(prefix)
}

/** Total latency of the fired rules for one phase ("before" includes rules without a phase). */
export function latencyOf(fired: FaultRule[], phase: 'before' | 'after'): number {
  return fired
    .filter((rule) => rule.kind === 'latency' && (rule.phase ?? 'before') === phase)
    .reduce((sum, rule) => sum + (rule.latencyMs ?? 0), 0)
}

/** Waits `ms` before an answer is written, or less when the client has already gone (nothing left to delay). */
export function delayAnswer(res: ServerResponse, ms: number): Promise<void> {
  if (ms <= 0 || res.destroyed) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      res.off('close', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    res.on('close', done)
  })
}

/** Validates untrusted control-API input into FaultRules; returns an error message on the first problem. */
export function parseFaultRules(input: unknown): FaultRule[] | string {
  const list = Array.isArray(input) ? input : [input]
  const out: FaultRule[] = []
  for (const item of list) {
    if (typeof item !== 'object' || item === null) return 'each rule must be an object'
    const r = item as Record<string, unknown>
    if (typeof r.match !== 'string') return 'rule.match must be a string'
    if (r.kind !== 'status' && r.kind !== 'latency' && r.kind !== 'reset' && r.kind !== 'rate-limit') {
      return 'rule.kind must be status, latency, reset or rate-limit'
    }
    const rule: FaultRule = { match: r.match, kind: r.kind }
    if (r.status !== undefined) {
      if (typeof r.status !== 'number' || r.status < 100 || r.status > 599) return 'rule.status must be an HTTP status'
      rule.status = r.status
    }
    if (r.phase !== undefined) {
      if (r.phase !== 'before' && r.phase !== 'after') return 'rule.phase must be before or after'
      rule.phase = r.phase
    }
    if (r.latencyMs !== undefined) {
      if (typeof r.latencyMs !== 'number' || r.latencyMs < 0) return 'rule.latencyMs must be >= 0'
      rule.latencyMs = r.latencyMs
    }
    if (r.rate !== undefined) {
      if (typeof r.rate !== 'number' || r.rate < 0 || r.rate > 1) return 'rule.rate must be in [0,1]'
      rule.rate = r.rate
    }
    if (r.nth !== undefined) {
      if (!Array.isArray(r.nth) || !r.nth.every((n) => Number.isInteger(n) && (n as number) > 0)) {
        return 'rule.nth must be positive integers'
      }
      rule.nth = r.nth as number[]
    }
    if (r.limit !== undefined) {
      if (typeof r.limit !== 'number' || r.limit < 0) return 'rule.limit must be >= 0'
      rule.limit = r.limit
    }
    out.push(rule)
  }
  return out
}
