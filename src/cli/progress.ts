import ora from 'ora'

import type { BackfillEvent } from '../pipeline/backfill-engine.js'
import type { SourceProgress } from '../sources/source-progress.js'
import type { HttpEvent, ServiceName } from '../http/types.js'

/** The part of an ora spinner progress uses; tests pass a recording fake. */
export interface Spinner {
  text: string
  start(): unknown
  stop(): unknown
  clear(): unknown
  render(): unknown
}

export interface ProgressOptions {
  /** Spinner only for a person watching: stderr is a TTY and --json is off. */
  enabled: boolean
  /** Without a spinner, print one line per finished window (useful in logs); off for quiet cron runs. */
  windowLines: boolean
  write: (text: string) => void
  now?: () => number
  label?: string
  /** The spinner (ora on stderr by default), created when the run starts. */
  spinner?: (text: string) => Spinner
  /** Calls `tick` every `ms` until the returned function is called (setInterval by default). */
  every?: (ms: number, tick: () => void) => () => void
}

/** Everything the progress line shows, built from the run's events; rendering is a pure function of it. */
export interface ProgressState {
  label: string
  startedAt: number
  /** Calls settled so far: logged, already done, skipped or failed. */
  done: number
  /** The whole run's calls, counted before reading (Aircall's `meta.total` over the range); null when not counted. */
  planned: number | null
  /** Sum of the windows' totals as they were announced: a lower bound only, so never shown as the total. */
  announced: number
  /** A CSV export: bytes read of the file's size. */
  bytes: { read: number; total: number } | null
  window: string
  rateLimited: number
  /** UNIX ms until which each API holds requests after a 429. */
  pausedUntil: Partial<Record<ServiceName, number>>
}

export const initialProgress = (label: string, now: number): ProgressState => ({
  label,
  startedAt: now,
  done: 0,
  planned: null,
  announced: 0,
  bytes: null,
  window: '',
  rateLimited: 0,
  pausedUntil: {},
})

const formatCount = (n: number): string => n.toLocaleString('en-US')

export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`
}

/** Decimal units, as file managers show sizes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let value = bytes / 1000
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

const SERVICE_NAMES: Record<ServiceName, string> = { aircall: 'Aircall', intercom: 'Intercom' }

export const pauseLine = (service: ServiceName, until: number, now: number): string =>
  `waiting for the ${SERVICE_NAMES[service]} rate limit (resets in ${Math.max(1, Math.ceil((until - now) / 1000))} s)`

export function applyBackfillEvent(state: ProgressState, event: BackfillEvent): ProgressState {
  switch (event.type) {
    case 'window-started':
      return { ...state, window: event.label, announced: state.announced + (event.expected ?? 0) }
    case 'call-logged':
    case 'call-skipped':
    case 'call-failed':
      return { ...state, done: state.done + 1 }
    case 'rate-limited':
      return { ...state, rateLimited: state.rateLimited + 1 }
    case 'window-done':
    case 'warning':
      return state
  }
}

export function applySourceProgress(state: ProgressState, event: SourceProgress): ProgressState {
  return event.type === 'planned'
    ? { ...state, planned: event.calls }
    : { ...state, bytes: { read: event.read, total: event.total } }
}

/** A 429 holds its API's requests until the reset it announced, or for as long as its retry waits. */
export function applyHttpEvent(state: ProgressState, event: HttpEvent, now: number): ProgressState {
  const pause = (until: number | undefined): ProgressState['pausedUntil'] => {
    if (until === undefined || until <= now) return state.pausedUntil
    return { ...state.pausedUntil, [event.service]: Math.max(state.pausedUntil[event.service] ?? 0, until) }
  }
  if (event.type === 'rate-limited') {
    return { ...state, rateLimited: state.rateLimited + 1, pausedUntil: pause(event.resetAt) }
  }
  if (event.type === 'retry' && event.outcome === 429) return { ...state, pausedUntil: pause(now + event.waitMs) }
  return state
}

/** The API a run is waiting for, the one that resets last. */
export function currentPause(state: ProgressState, now: number): { service: ServiceName; until: number } | null {
  let current: { service: ServiceName; until: number } | null = null
  for (const [service, until] of Object.entries(state.pausedUntil) as Array<[ServiceName, number]>) {
    if (until > now && (!current || until > current.until)) current = { service, until }
  }
  return current
}

interface Figures {
  /** "849/20,000 (4%)" or "1.2 MB/4.8 MB (25%)"; null without a known total. */
  share: string | null
  rate: string | null
  eta: string | null
}

const percent = (part: number, whole: number): number =>
  whole <= 0 ? 100 : part >= whole ? 100 : Math.min(99, Math.floor((part * 100) / whole))

function figures(state: ProgressState, now: number): Figures {
  const seconds = Math.max(0.001, (now - state.startedAt) / 1000)
  const perSecond = state.done / seconds
  const rate =
    state.done > 0 ? `${perSecond >= 100 ? formatCount(Math.round(perSecond)) : perSecond.toFixed(1)}/s` : null
  if (state.bytes) {
    const { read, total } = state.bytes
    const fraction = total > 0 ? read / total : 1
    const eta = fraction > 0 && fraction < 1 ? formatElapsed(seconds * 1000 * ((1 - fraction) / fraction)) : null
    return { share: `${formatBytes(read)}/${formatBytes(total)} (${percent(read, total)}%)`, rate, eta }
  }
  if (state.planned !== null) {
    // Calls that arrived during the run can outnumber the count: the total grows rather than exceed 100%.
    const total = Math.max(state.planned, state.done)
    const left = total - state.done
    const eta = perSecond > 0 && left > 0 ? formatElapsed((left / perSecond) * 1000) : null
    return { share: `${formatCount(state.done)}/${formatCount(total)}`, rate, eta }
  }
  return { share: null, rate, eta: null }
}

/** The spinner's text. */
export function progressLine(state: ProgressState, now: number): string {
  if (state.done === 0 && state.planned === null && state.bytes === null && state.window === '') {
    return `${state.label}: starting…`
  }
  const f = figures(state, now)
  const parts: string[] = []
  if (state.bytes) parts.push(`${formatCount(state.done)} calls`, f.share ?? '')
  else if (state.planned !== null) {
    const total = Math.max(state.planned, state.done)
    parts.push(`${f.share ?? ''} calls (${percent(state.done, total)}%)`)
  } else parts.push(`${formatCount(state.done)} calls`)
  const pause = currentPause(state, now)
  if (pause) parts.push(pauseLine(pause.service, pause.until, now))
  else {
    if (f.rate) parts.push(f.rate)
    if (f.eta) parts.push(`ETA ${f.eta}`)
  }
  if (state.rateLimited > 0) parts.push(`429s: ${formatCount(state.rateLimited)}`)
  if (state.window) parts.push(state.window)
  return `${state.label}: ${parts.join(' · ')}`
}

/** The line printed for a finished window when no spinner runs. */
export function windowLine(state: ProgressState, label: string, calls: number, now: number): string {
  const f = figures(state, now)
  if (f.share === null) return `${label}: ${formatCount(calls)} calls (${formatCount(state.done)} so far)`
  const share =
    state.bytes === null ? `${f.share} (${percent(state.done, Math.max(state.planned ?? 0, state.done))}%)` : f.share
  return `${label}: ${formatCount(calls)} calls · ${share}${f.eta ? ` · ETA ${f.eta}` : ''}`
}

const defaultEvery = (ms: number, tick: () => void): (() => void) => {
  const timer = setInterval(tick, ms)
  timer.unref()
  return () => clearInterval(timer)
}

/**
 * Progress of a backfill on stderr: done/total of the whole run, calls per second, ETA, rate-limit waits and
 * 429s, on an ora spinner when a person is watching, nothing (or one line per window and per pause) otherwise.
 * stdout is never touched. The spinner starts with the run's first event, so lines printed before it (a config
 * note) and through `print` (warnings) each keep a line of their own.
 */
export class BackfillProgress {
  private spinner: Spinner | null = null
  private stopTimer: (() => void) | null = null
  private stopped = false
  private readonly now: () => number
  private state: ProgressState
  /** Without a spinner: the pause already announced by a line, so concurrent 429s print one. */
  private announcedPause = 0

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now
    this.state = initialProgress(options.label ?? 'Backfill', this.now())
  }

  event(event: BackfillEvent): void {
    this.state = applyBackfillEvent(this.state, event)
    if (event.type === 'window-done' && !this.options.enabled && this.options.windowLines) {
      this.options.write(windowLine(this.state, event.label, event.calls, this.now()))
    }
    this.render()
  }

  source(event: SourceProgress): void {
    this.state = applySourceProgress(this.state, event)
    this.render()
  }

  http(event: HttpEvent): void {
    const now = this.now()
    this.state = applyHttpEvent(this.state, event, now)
    const pause = currentPause(this.state, now)
    if (pause && !this.options.enabled && this.options.windowLines && now >= this.announcedPause) {
      this.announcedPause = pause.until
      this.options.write(pauseLine(pause.service, pause.until, now))
    }
    this.render()
  }

  /** Prints a line (warning, note) on a line of its own: the spinner is cleared, the line written, the spinner redrawn. */
  print(write: () => void): void {
    if (!this.spinner) {
      write()
      return
    }
    this.spinner.clear()
    write()
    this.spinner.text = progressLine(this.state, this.now())
    this.spinner.render()
  }

  stop(): void {
    this.stopped = true
    this.stopTimer?.()
    this.stopTimer = null
    this.spinner?.stop()
    this.spinner = null
  }

  private render(): void {
    if (!this.options.enabled || this.stopped) return
    // ora counts the lines to clear by the terminal's width: a terminal reporting 0 columns (a pseudo-TTY without
    // a size) would make it clear lines forever.
    if (!this.options.spinner && !((process.stderr.columns ?? 0) > 0)) return
    const text = progressLine(this.state, this.now())
    if (!this.spinner) {
      const create =
        this.options.spinner ??
        ((initial: string) => ora({ stream: process.stderr, discardStdin: false, text: initial }))
      this.spinner = create(text)
      this.spinner.start()
      // Events stop during a rate-limit pause: the timer keeps the countdown (and the rate) current.
      this.stopTimer = (this.options.every ?? defaultEvery)(1000, () => this.render())
      return
    }
    this.spinner.text = text
  }
}

/**
 * Ctrl-C (or SIGTERM) aborts the returned signal once, so an engine stops after the calls in flight; a
 * second Ctrl-C leaves at once (the ledger makes even that safe to resume).
 */
export function onInterrupt(notify: () => void): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController()
  const handler = (): void => {
    if (controller.signal.aborted) {
      process.exit(130)
    }
    controller.abort()
    notify()
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    },
  }
}
