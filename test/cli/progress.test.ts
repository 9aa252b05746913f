import { describe, expect, test } from 'vitest'

import type { HttpEvent, ServiceName } from '../../src/http/types.js'

import {
  applyBackfillEvent,
  applyHttpEvent,
  applySourceProgress,
  BackfillProgress,
  formatBytes,
  initialProgress,
  pauseLine,
  type ProgressState,
  progressLine,
  type Spinner,
  windowLine,
} from '../../src/cli/progress.js'

const T0 = 1_780_000_000_000
const WINDOW = '2026-06-01 00:00 → 2026-06-08 00:00'

/** A retry event; `reason` is for people and progress ignores it. */
const retry = (service: ServiceName, outcome: number, waitMs: number): HttpEvent => ({
  type: 'retry',
  service,
  endpoint: 'GET /v1/calls',
  attempt: 1,
  outcome,
  waitMs,
  reason: String(outcome),
})

const state = (patch: Partial<ProgressState>): ProgressState => ({ ...initialProgress('Backfill', T0), ...patch })

describe('progressLine: state → the spinner text', () => {
  test.each<[string, Partial<ProgressState>, number, string]>([
    ['nothing yet', {}, T0, 'Backfill: starting…'],
    [
      'the whole run counted up front: its total and ETA, not the window’s',
      { done: 849, planned: 20_000, announced: 4_659, window: WINDOW },
      T0 + 60_000,
      `Backfill: 849/20,000 calls (4%) · 14.2/s · ETA 22 min 33 s · ${WINDOW}`,
    ],
    [
      'a rate-limit pause replaces rate and ETA with the wait',
      { done: 849, planned: 20_000, rateLimited: 3, pausedUntil: { aircall: T0 + 97_000 }, window: WINDOW },
      T0 + 60_000,
      `Backfill: 849/20,000 calls (4%) · waiting for the Aircall rate limit (resets in 37 s) · 429s: 3 · ${WINDOW}`,
    ],
    [
      'a pause that has passed is not shown',
      { done: 849, planned: 20_000, rateLimited: 3, pausedUntil: { aircall: T0 + 30_000 } },
      T0 + 60_000,
      'Backfill: 849/20,000 calls (4%) · 14.2/s · ETA 22 min 33 s · 429s: 3',
    ],
    [
      'both APIs paused: the one that resets last',
      { done: 10, planned: 100, pausedUntil: { aircall: T0 + 5_000, intercom: T0 + 9_400 } },
      T0 + 1_000,
      'Backfill: 10/100 calls (10%) · waiting for the Intercom rate limit (resets in 9 s)',
    ],
    [
      'a CSV: progress by bytes',
      { done: 2_345, bytes: { read: 1_200_000, total: 4_800_000 }, window: 'rows 2001–2500' },
      T0 + 20_000,
      'Backfill: 2,345 calls · 1.2 MB/4.8 MB (25%) · 117/s · ETA 1 min 00 s · rows 2001–2500',
    ],
    [
      'no upfront count (tags sync): calls and rate, no guessed total',
      { done: 849, announced: 4_659, window: WINDOW },
      T0 + 60_000,
      `Backfill: 849 calls · 14.2/s · ${WINDOW}`,
    ],
    [
      'more calls than counted (calls arrived during the run): never over 100%',
      { done: 1_010, planned: 1_000 },
      T0 + 10_000,
      'Backfill: 1,010/1,010 calls (100%) · 101/s',
    ],
    ['the count is in but no call settled yet', { planned: 20_000 }, T0 + 5_000, 'Backfill: 0/20,000 calls (0%)'],
  ])('%s', (_name, patch, now, line) => {
    expect(progressLine(state(patch), now)).toBe(line)
  })
})

describe('windowLine: one line per finished window when no spinner runs (logs, CI)', () => {
  test.each<[string, Partial<ProgressState>, number, string]>([
    ['API run', { done: 340, planned: 1_200 }, T0 + 10_000, `${WINDOW}: 120 calls · 340/1,200 (28%) · ETA 25 s`],
    [
      'CSV',
      { done: 500, bytes: { read: 12_300, total: 50_100 } },
      T0 + 2_000,
      'rows 1–500: 120 calls · 12.3 kB/50.1 kB (24%) · ETA 6 s',
    ],
    ['no total', { done: 340 }, T0 + 10_000, `${WINDOW}: 120 calls (340 so far)`],
  ])('%s', (name, patch, now, line) => {
    expect(windowLine(state(patch), name === 'CSV' ? 'rows 1–500' : WINDOW, 120, now)).toBe(line)
  })
})

describe('pauseLine and formatBytes', () => {
  test.each([
    ['aircall', T0 + 37_000, T0, 'waiting for the Aircall rate limit (resets in 37 s)'],
    ['intercom', T0 + 200, T0, 'waiting for the Intercom rate limit (resets in 1 s)'],
  ] as const)('%s', (service, until, now, line) => expect(pauseLine(service, until, now)).toBe(line))

  test.each([
    [0, '0 B'],
    [999, '999 B'],
    [12_300, '12.3 kB'],
    [4_800_000, '4.8 MB'],
    [2_100_000_000, '2.1 GB'],
  ])('%d bytes → %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text))
})

describe('events → state', () => {
  test('the upfront count is the total; windows announced later do not replace it', () => {
    let s = initialProgress('Backfill', T0)
    s = applySourceProgress(s, { type: 'planned', calls: 20_000 })
    s = applyBackfillEvent(s, { type: 'window-started', label: WINDOW, expected: 4_659 })
    s = applyBackfillEvent(s, { type: 'call-logged', callId: '1', startedAt: 0, status: 'logged' })
    s = applyBackfillEvent(s, { type: 'call-skipped', callId: '2', startedAt: 0, reason: 'anonymous' })
    expect(s).toMatchObject({ done: 2, planned: 20_000, announced: 4_659, window: WINDOW })
  })

  test('a 429 pauses its API until the announced reset, or as long as the retry waits', () => {
    let s = initialProgress('Backfill', T0)
    s = applyHttpEvent(
      s,
      { type: 'rate-limited', service: 'aircall', endpoint: 'GET /v1/calls', resetAt: T0 + 37_000 },
      T0,
    )
    expect(s).toMatchObject({ rateLimited: 1, pausedUntil: { aircall: T0 + 37_000 } })
    s = applyHttpEvent(s, { type: 'rate-limited', service: 'intercom', endpoint: 'POST /x', resetAt: undefined }, T0)
    s = applyHttpEvent(s, retry('intercom', 429, 5_000), T0)
    expect(s.pausedUntil).toEqual({ aircall: T0 + 37_000, intercom: T0 + 5_000 })
    // A 5xx retry is not a rate-limit pause.
    s = applyHttpEvent(s, retry('aircall', 503, 90_000), T0)
    expect(s.pausedUntil.aircall).toBe(T0 + 37_000)
  })
})

describe('BackfillProgress: a printed line never shares the spinner’s line', () => {
  const fakeSpinner =
    (log: string[]): ((text: string) => Spinner) =>
    (text) => {
      const spinner: Spinner = {
        text,
        start: () => log.push(`start ${spinner.text}`),
        stop: () => log.push('stop'),
        clear: () => log.push('clear'),
        render: () => log.push(`render ${spinner.text}`),
      }
      return spinner
    }

  test('the spinner starts with the run, not before: a note printed first has its own line', () => {
    const log: string[] = []
    const progress = new BackfillProgress({
      enabled: true,
      windowLines: false,
      write: (text) => log.push(`write ${text}`),
      now: () => T0,
      spinner: fakeSpinner(log),
      every: () => () => log.push('timer stopped'),
    })
    progress.print(() => log.push('write No config file'))
    expect(log).toEqual(['write No config file'])
    progress.event({ type: 'window-started', label: WINDOW, expected: 10 })
    progress.print(() => log.push('write warning: retention'))
    progress.stop()
    expect(log).toEqual([
      'write No config file',
      `start Backfill: 0 calls · ${WINDOW}`,
      'clear',
      'write warning: retention',
      `render Backfill: 0 calls · ${WINDOW}`,
      'timer stopped',
      'stop',
    ])
  })

  test('the timer re-renders while nothing happens, so a rate-limit wait counts down', () => {
    const log: string[] = []
    let now = T0
    let tick: () => void = () => {}
    let spinner: Spinner | undefined
    const progress = new BackfillProgress({
      enabled: true,
      windowLines: false,
      write: () => {},
      now: () => now,
      spinner: (text) => (spinner = fakeSpinner(log)(text)),
      every: (_ms, callback) => {
        tick = callback
        return () => {}
      },
    })
    progress.source({ type: 'planned', calls: 100 })
    progress.http({ type: 'rate-limited', service: 'aircall', endpoint: 'GET /v1/calls', resetAt: T0 + 37_000 })
    now = T0 + 10_000
    tick()
    // ora redraws its text on its own frame timer.
    expect(spinner?.text).toBe(
      'Backfill: 0/100 calls (0%) · waiting for the Aircall rate limit (resets in 27 s) · 429s: 1',
    )
  })

  test('without a spinner: one line when a pause starts, one per window, with the run’s total', () => {
    const lines: string[] = []
    let now = T0
    const progress = new BackfillProgress({
      enabled: false,
      windowLines: true,
      write: (text) => lines.push(text),
      now: () => now,
    })
    progress.source({ type: 'planned', calls: 4 })
    progress.event({ type: 'window-started', label: WINDOW, expected: 2 })
    progress.event({ type: 'call-logged', callId: '1', startedAt: 0, status: 'logged' })
    progress.http({ type: 'rate-limited', service: 'aircall', endpoint: 'GET /v1/calls', resetAt: T0 + 3_000 })
    progress.http(retry('aircall', 429, 3_000))
    now = T0 + 4_000
    progress.event({ type: 'call-logged', callId: '2', startedAt: 0, status: 'logged' })
    progress.event({ type: 'window-done', label: WINDOW, calls: 2 })
    expect(lines).toEqual([
      'waiting for the Aircall rate limit (resets in 3 s)',
      `${WINDOW}: 2 calls · 2/4 (50%) · ETA 4 s`,
    ])
  })
})
