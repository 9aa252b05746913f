import { describe, expect, test } from 'vitest'
import { RejectionLog, type RejectedEvent } from '../../src/listener/rejection-log.js'

/** A scheduler the test advances by hand: the interval passes when the test says so, not on the wall clock. */
const manualTimer = () => {
  const pending: Array<{ fn: () => void; ms: number }> = []
  return {
    schedule: (fn: () => void, ms: number) => {
      const entry = { fn, ms }
      pending.push(entry)
      return () => {
        const index = pending.indexOf(entry)
        if (index >= 0) pending.splice(index, 1)
      }
    },
    pending,
    /** Runs what is due at the end of the current interval. */
    tick: () => {
      for (const entry of pending.splice(0)) entry.fn()
    },
  }
}

const setup = () => {
  const timer = manualTimer()
  const events: RejectedEvent[] = []
  const log = new RejectionLog({ intervalMs: 10_000, schedule: timer.schedule, emit: (event) => events.push(event) })
  return { timer, events, log }
}

const badToken = {
  source: 'aircall',
  status: 401,
  cause: 'invalid webhook token',
  reason: 'invalid webhook token',
} as const
const tooLarge = {
  source: 'aircall',
  status: 413,
  cause: 'body too large',
  reason: 'body larger than 1024 bytes',
} as const

describe('rejection log', () => {
  test('the first rejection of a cause is logged at once, the rest as one counted line per cause per interval', () => {
    const { timer, events, log } = setup()
    for (let i = 0; i < 420; i++) log.record(badToken)
    for (let i = 0; i < 11; i++) log.record(tooLarge)
    expect(events).toEqual([
      { type: 'rejected', source: 'aircall', status: 401, reason: 'invalid webhook token', count: 1 },
      { type: 'rejected', source: 'aircall', status: 413, reason: 'body larger than 1024 bytes', count: 1 },
    ])
    expect(timer.pending).toHaveLength(1)
    timer.tick()
    expect(events.slice(2)).toEqual([
      {
        type: 'rejected',
        source: 'aircall',
        status: 401,
        reason: 'invalid webhook token (419 more in the last 10 s)',
        count: 419,
      },
      {
        type: 'rejected',
        source: 'aircall',
        status: 413,
        reason: 'body too large (10 more in the last 10 s)',
        count: 10,
      },
    ])
    // Every rejection is counted exactly once across the lines.
    expect(events.reduce((sum, event) => sum + event.count, 0)).toBe(431)
  })

  test('a cause that keeps coming stays on one line per interval; once quiet, the next one is logged at once', () => {
    const { timer, events, log } = setup()
    log.record(badToken)
    log.record(badToken)
    timer.tick()
    expect(events.map((event) => event.count)).toEqual([1, 1])
    log.record(badToken)
    log.record(badToken)
    expect(events).toHaveLength(2)
    timer.tick()
    expect(events.map((event) => event.count)).toEqual([1, 1, 2])
    // A quiet interval forgets the cause and stops the timer.
    timer.tick()
    expect(events).toHaveLength(3)
    expect(timer.pending).toHaveLength(0)
    log.record(badToken)
    expect(events.map((event) => event.count)).toEqual([1, 1, 2, 1])
    expect(events[3]?.reason).toBe('invalid webhook token')
  })

  test('the same cause from another source or with another status is another line', () => {
    const { events, log } = setup()
    log.record(badToken)
    log.record({ ...badToken, source: 'intercom' })
    log.record({ ...badToken, status: 400 })
    log.record({ ...badToken, source: null })
    expect(events).toHaveLength(4)
  })

  test('close reports what was counted but not yet logged, and stops the timer', () => {
    const { timer, events, log } = setup()
    log.record(badToken)
    log.record(badToken)
    log.record(badToken)
    log.close()
    expect(events.map((event) => event.count)).toEqual([1, 2])
    expect(timer.pending).toHaveLength(0)
  })
})
