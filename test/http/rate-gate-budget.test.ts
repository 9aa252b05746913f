import { describe, expect, it } from 'vitest'

import { ConcurrencyGate } from '../../src/http/rate-gate.js'

describe('ConcurrencyGate.budget()', () => {
  it('has no budget to report', () => {
    expect(new ConcurrencyGate().budget()).toEqual({
      limit: null,
      remaining: null,
      resetsAt: null,
      pausedUntil: null,
      windowMs: null,
    })
  })
})
