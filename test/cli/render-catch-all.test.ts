import { describe, expect, it } from 'vitest'

import { renderAmbiguousOnCatchAll, renderInvalidNumbers } from '../../src/cli/render-backfill.js'

describe('what the backfill summary says of calls kept off a real contact', () => {
  it('lists each invalid-number call with the number as Aircall sent it, printable, and points at --json past 20', () => {
    const calls = Array.from({ length: 22 }, (_, index) => ({
      callId: String(100 + index),
      number: index === 0 ? '12\u001b[31m345' : '12345',
      startedAt: '2026-12-01T10:00:00.000Z',
      loggedOn: null,
    }))
    const text = renderInvalidNumbers(calls, false) ?? ''
    expect(text.split('\n')[0]).toBe(
      '22 call(s) from invalid numbers were skipped (matching.invalidNumbers: log-raw logs them on one catch-all contact):',
    )
    expect(text).toContain('call 100 ')
    expect(text).not.toContain('\u001b')
    expect(text).toContain('… and 2 more: --json lists every one (result.counts.invalidNumbers).')
    expect(renderInvalidNumbers([], false)).toBeNull()
  })

  it('names the catch-all contact and every candidate of an ambiguous caller', () => {
    const text =
      renderAmbiguousOnCatchAll(
        [
          {
            callId: '7',
            e164: '+33612345678',
            startedAt: '2026-12-01T10:00:00.000Z',
            candidates: ['a1', 'b2'],
            loggedOn: 'c9',
          },
        ],
        true,
      ) ?? ''
    expect(text).toContain(
      '1 call(s) from numbers several contacts hold equally would be logged on the catch-all contact c9',
    )
    expect(text).toContain('call 7  from +33612345678  candidates a1, b2')
  })
})
