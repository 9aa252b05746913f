import { setTimeout as delay } from 'node:timers/promises'

import type { ServiceName } from '../errors.js'

export type { ServiceName }

/** Wall clock in UNIX milliseconds. Injected so retry and rate tests run instantly and exactly. */
export interface Clock {
  now(): number
}

/** Resolves after `ms` (or rejects with the signal's reason when aborted). */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>

/** The subset of the global `fetch` the request core uses. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

/** The part of a response's headers the request core reads; WHATWG `Headers` has this shape too. */
export interface ResponseHeaders {
  get(name: string): string | null
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export const systemClock: Clock = { now: () => Date.now() }

export const realSleep: Sleep = async (ms, signal) => {
  if (ms <= 0) {
    signal?.throwIfAborted()
    return
  }
  await delay(ms, undefined, signal ? { signal } : undefined)
}

/** What a failed attempt came to: an HTTP status, or no usable response at all. */
export type AttemptOutcome = number | 'network' | 'timeout' | 'unreachable'

/** Observable things the request core does, for progress/log renderers (the core never prints). */
export type HttpEvent =
  | {
      type: 'retry'
      service: ServiceName
      endpoint: string
      /** The attempt that just failed (1-based). */
      attempt: number
      outcome: AttemptOutcome
      waitMs: number
      /** What went wrong, for a person: "connection refused", "503 service_unavailable", "no response within 20000 ms". */
      reason: string
    }
  | { type: 'rate-limited'; service: ServiceName; endpoint: string; resetAt: number | undefined }
  /** Nothing answers at the API's address (refused, no such host): the request gave up after a brief retry. */
  | { type: 'unreachable'; service: ServiceName; endpoint: string; url: string; reason: string }
