import type { ListenEvent, ListenSummary } from '../app/listen.js'
import { SERVICE_TITLES } from '../errors.js'
import type { HttpEvent } from '../http/types.js'

export type LogLevel = 'info' | 'warn' | 'error'

type LoggedEvent = ListenEvent | HttpEvent

/** Each NDJSON line's `level`, what an operator filters on; events not listed are `info`. */
const LEVELS: Partial<Record<LoggedEvent['type'], LogLevel>> = {
  warning: 'warn',
  rejected: 'warn',
  retrying: 'warn',
  'lease-expired': 'warn',
  'store-busy': 'warn',
  'dead-lettered': 'error',
  retry: 'warn',
  'rate-limited': 'warn',
  unreachable: 'error',
}

export const levelOf = (event: LoggedEvent): LogLevel => LEVELS[event.type] ?? 'info'

/** pino's numbers for the same levels, so `levelValue >= 40` filters as pino tooling does. */
const LEVEL_VALUES: Record<LogLevel, number> = { info: 30, warn: 40, error: 50 }

/** The events with no human line still need a `msg` under --json: what happened, in words. */
const jsonMessage = (event: LoggedEvent): string => {
  if (event.type === 'rate-limited') return `${SERVICE_TITLES[event.service]} ${event.endpoint}: rate limited (429)`
  if (event.type === 'unreachable') {
    return `${SERVICE_TITLES[event.service]} ${event.endpoint}: unreachable at ${event.url}: ${event.reason}`
  }
  return event.type
}

/**
 * Structured logs of a long-running command: one human line per event, or one NDJSON object per event with
 * --json. Lines are handed to `write`, which the command routes through its secret redactor to stderr.
 */
export class LogStream {
  constructor(private readonly options: { json: boolean; write: (line: string) => void; now?: () => number }) {}

  readonly handle = (event: ListenEvent): void => {
    this.emit(event, humanLine(event))
  }

  /** What the HTTP core does that a person waiting should see as it happens: retries, and why. */
  readonly http = (event: HttpEvent): void => {
    const line = httpLine(event)
    if (line !== null || this.options.json) this.emit(event, line)
  }

  private emit(event: LoggedEvent, line: string | null): void {
    const time = (this.options.now ?? Date.now)()
    if (this.options.json) {
      // pino's shape (level, time in epoch ms, msg, then the fields), with the level kept as a name and its number beside.
      const level = levelOf(event)
      const msg = line ?? jsonMessage(event)
      this.options.write(JSON.stringify({ level, levelValue: LEVEL_VALUES[level], time, msg, ...event }))
      return
    }
    if (line !== null) this.options.write(`${new Date(time).toISOString().slice(11, 19)} ${line}`)
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`

/**
 * One line per retry. A 429 says so through its retry line (the wait is the announced reset), and giving up on
 * an unreachable API is the command's error message, so neither gets a line of its own.
 */
export const httpLine = (event: HttpEvent): string | null => {
  switch (event.type) {
    case 'retry':
      return (
        `warning: ${SERVICE_TITLES[event.service]} ${event.endpoint}: ${event.reason}; ` +
        `retrying in ${seconds(event.waitMs)} (attempt ${event.attempt + 1})`
      )
    case 'rate-limited':
    case 'unreachable':
      return null
  }
}

const humanLine = (event: ListenEvent): string | null => {
  switch (event.type) {
    case 'listening': {
      const sources = [event.aircall ? `${event.url}/aircall` : null, event.intercom ? `${event.url}/intercom` : null]
      const recovered = event.recovered > 0 ? `; resumed ${event.recovered} event(s) left mid-processing` : ''
      return `listening on ${event.url} (${sources.filter(Boolean).join(', ')}; ${event.concurrency} workers${recovered})`
    }
    case 'warning':
      return `warning: ${event.message}`
    case 'accepted':
      return `accepted #${event.id} ${event.source} ${event.eventType}${event.duplicate ? ' (duplicate, stored once)' : ''}`
    case 'rejected':
      return `rejected ${event.status} ${event.source ?? '-'}: ${event.reason}`
    case 'processed':
      return `processed #${event.id} ${event.eventType}: ${event.summary}`
    case 'retrying':
      return `retrying #${event.id} ${event.eventType} in ${Math.round(event.retryInMs / 1000)}s (attempt ${event.attempts}): ${event.error}`
    case 'dead-lettered':
      return `dead-lettered #${event.id} ${event.eventType} after ${event.attempts} attempt(s): ${event.error}`
    case 'lease-expired':
      return `released ${event.count} event(s) whose worker stopped answering`
    case 'store-busy':
      return `waiting for the state store: another process holds its write lock (${event.error}); trying again in ${event.retryInMs} ms`
    case 'stopping':
      return 'stopping: finishing the events in flight'
  }
}

export const renderListenSummary = (summary: ListenSummary): string => {
  const lines = [
    `Stopped listening on ${summary.url}.`,
    `Accepted ${summary.accepted} event(s) (${summary.duplicates} duplicate(s)), rejected ${summary.rejected}.`,
    `Processed ${summary.processed}, retried ${summary.retried}, dead-lettered ${summary.deadLettered}.`,
  ]
  const outcomes = Object.entries(summary.outcomes).sort(([a], [b]) => a.localeCompare(b))
  if (outcomes.length > 0) lines.push(...outcomes.map(([key, count]) => `  ${key}: ${count}`))
  return lines.join('\n')
}
