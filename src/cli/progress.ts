import ora, { type Ora } from 'ora'

import type { BackfillEvent } from '../backfill/engine.js'
import type { HttpEvent } from '../http/types.js'

export interface ProgressOptions {
  /** Spinner only for a person watching: stderr is a TTY and --json is off. */
  enabled: boolean
  /** Without a spinner, print one line per finished window (useful in logs); off for quiet cron runs. */
  windowLines: boolean
  write: (text: string) => void
  now?: () => number
  label?: string
}

const formatCount = (n: number): string => n.toLocaleString('en-US')

export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`
}

/**
 * Progress of a backfill on stderr: done/total, calls per second, ETA and 429s, on an ora spinner when a
 * person is watching, nothing (or one line per window) otherwise. stdout is never touched.
 */
export class BackfillProgress {
  private readonly spinner: Ora | null
  private readonly now: () => number
  private readonly started: number
  private done = 0
  private total = 0
  private rateLimited = 0
  private window = ''

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now
    this.started = this.now()
    this.spinner = options.enabled
      ? ora({ stream: process.stderr, discardStdin: false, text: `${options.label ?? 'Backfill'}: starting…` }).start()
      : null
  }

  event(event: BackfillEvent): void {
    switch (event.type) {
      case 'window-started':
        this.window = event.label
        this.total += event.expected ?? 0
        break
      case 'window-done':
        if (!this.spinner && this.options.windowLines) {
          this.options.write(`${event.label}: ${formatCount(event.calls)} calls (${formatCount(this.done)} so far)`)
        }
        break
      case 'call-logged':
      case 'call-skipped':
      case 'call-failed':
        this.done++
        if (this.done > this.total) this.total = this.done
        break
      case 'rate-limited':
        this.rateLimited++
        break
      case 'warning':
        break
    }
    this.render()
  }

  http(event: HttpEvent): void {
    if (event.type === 'rate-limited') this.event({ type: 'rate-limited', service: event.service })
  }

  /** Prints a line (warning, note) without tearing the spinner. */
  print(write: () => void): void {
    this.spinner?.clear()
    write()
    this.render()
  }

  stop(): void {
    this.spinner?.stop()
  }

  private render(): void {
    if (!this.spinner) return
    const seconds = Math.max(0.001, (this.now() - this.started) / 1000)
    const rate = this.done / seconds
    const left = Math.max(0, this.total - this.done)
    const eta = rate > 0 && left > 0 ? ` · ETA ${formatElapsed((left / rate) * 1000)}` : ''
    const limited = this.rateLimited > 0 ? ` · 429s: ${this.rateLimited}` : ''
    this.spinner.text =
      `${this.options.label ?? 'Backfill'}: ${formatCount(this.done)}/${formatCount(this.total)} calls · ` +
      `${rate.toFixed(1)}/s${eta}${limited}${this.window ? ` · ${this.window}` : ''}`
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
