import type { RateGate } from './rate-gate.js'
import type { RetryOptions } from './retry-policy.js'
import type { Transport } from './transport.js'
import type { Clock, FetchLike, HttpEvent, Sleep } from './types.js'

/** What every API client passes to its request core: admission, transport, time, retries and observation. */
export interface TransportOptions {
  /** Shared admission control; by default a new gate for the service from `perMinute`/`concurrency`. */
  gate?: RateGate
  perMinute?: number
  concurrency?: number
  /** How requests travel: undici keep-alive (`defaultTransport`) by default; `fetch` adapts an injected fetch instead. */
  transport?: Transport
  fetch?: FetchLike
  clock?: Clock
  sleep?: Sleep
  random?: () => number
  timeoutMs?: number
  retry?: Partial<RetryOptions>
  onEvent?: (event: HttpEvent) => void
}
