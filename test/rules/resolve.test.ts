import { describe, expect, it } from 'vitest'

import { decideResolve, findTicketReference } from '../../src/rules/resolve.js'
import { makeCall, makeConfig } from './fixtures.js'

const enabled = makeConfig({ resolve: { enabled: true } }).resolve

describe('decideResolve', () => {
  it.each([
    ['disabled', makeConfig().resolve, makeCall({ tags: ['resolved'] }), { resolve: false, reason: 'disabled' }],
    ['no resolve tag', enabled, makeCall({ tags: ['VIP'] }), { resolve: false, reason: 'not-tagged' }],
    ['tagged, no reference', enabled, makeCall({ tags: ['Resolved'] }), { resolve: true, conversationId: null }],
    [
      'tagged with a ticket reference',
      enabled,
      makeCall({ tags: ['resolved'], comments: ['called back', 'fixed, see #12345 and #999'] }),
      { resolve: true, conversationId: '12345' },
    ],
    [
      'custom tag and pattern',
      makeConfig({ resolve: { enabled: true, tag: 'done', ticketPattern: 'conv[ -](\\d+)' } }).resolve,
      makeCall({ tags: ['Done'], comments: ['#1 is unrelated', 'conv 778'] }),
      { resolve: true, conversationId: '778' },
    ],
  ])('%s', (_name, config, call, decision) => {
    expect(decideResolve({ call, config })).toEqual(decision)
  })
})

describe('findTicketReference', () => {
  it.each([
    [['nothing here'], '#(\\d+)', null],
    [['#42'], '#(\\d+)', '42'],
    [['ticket T-9'], 'T-\\d+', 'T-9'],
    [['first #1', 'second #2'], '#(\\d+)', '1'],
    [['optional group #'], '#(\\d+)?', null],
  ])('%o with %s → %s', (comments, pattern, reference) => {
    expect(findTicketReference(comments, pattern)).toBe(reference)
  })
})
