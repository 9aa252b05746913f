import { describe, expect, test } from 'vitest'
import { sharedBudgetWarner } from '../../src/cli/shared-budget-warning.js'

describe('sharedBudgetWarner', () => {
  test('says each API once, then again only after 5 minutes of failures', () => {
    const said: string[] = []
    let now = 0
    const warn = sharedBudgetWarner(
      (text) => said.push(text),
      () => now,
    )
    warn('intercom', new Error('connection refused'))
    warn('intercom', new Error('connection refused'))
    warn('aircall', 'timeout')
    expect(said).toHaveLength(2)
    expect(said[0]).toContain('shared Intercom budget')
    expect(said[0]).toContain('(connection refused)')
    expect(said[1]).toContain('shared Aircall budget')
    now = 299_999
    warn('intercom', new Error('connection refused'))
    expect(said).toHaveLength(2)
    now = 300_000
    warn('intercom', new Error('connection refused'))
    expect(said).toHaveLength(3)
  })
})
