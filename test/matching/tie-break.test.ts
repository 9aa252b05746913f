import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { activityOf, chooseContact, type ContactCandidate, type TieBreak } from '../../src/matching/tie-break.js'
import { candidate } from './candidates.js'

const userOld = candidate('u-old', 'user', { createdAt: 100, updatedAt: 500, lastSeenAt: 400 })
const userNew = candidate('u-new', 'user', { createdAt: 900, updatedAt: 950, lastSeenAt: 2_000 })
const leadActive = candidate('l-active', 'lead', { createdAt: 300, updatedAt: 5_000, lastSeenAt: null })
const leadIdle = candidate('l-idle', 'lead', { createdAt: 50, updatedAt: 60, lastSeenAt: null })
const all = [userOld, userNew, leadActive, leadIdle]

describe('chooseContact', () => {
  it.each<[string, ContactCandidate[], TieBreak[], string]>([
    ['user-first then activity', all, ['user-first', 'most-recent-activity'], 'u-new'],
    ['user-first then oldest', all, ['user-first', 'oldest-created'], 'u-old'],
    ['user-first then newest', all, ['user-first', 'newest-created'], 'u-new'],
    ['lead-first then activity', all, ['lead-first', 'most-recent-activity'], 'l-active'],
    ['lead-first then oldest', all, ['lead-first', 'oldest-created'], 'l-idle'],
    // Activity counts updates too: a lead that never visited but was updated recently is the most active.
    ['activity alone', all, ['most-recent-activity'], 'l-active'],
    ['oldest alone', all, ['oldest-created'], 'l-idle'],
    ['newest alone', all, ['newest-created'], 'u-new'],
    ['config default', all, ['user-first', 'most-recent-activity', 'oldest-created'], 'u-new'],
    ['rules after a decision are not needed', [userOld, leadIdle], ['user-first', 'newest-created'], 'u-old'],
    ['only leads with user-first', [leadActive, leadIdle], ['user-first', 'oldest-created'], 'l-idle'],
  ])('%s → %s', (_name, candidates, order, expected) => {
    expect(chooseContact(candidates, order).chosen?.id).toBe(expected)
  })

  it('falls back to the lowest id when every rule ties', () => {
    const twins = [candidate('b', 'user'), candidate('c', 'user'), candidate('a', 'user')]
    const { chosen, reason } = chooseContact(twins, ['user-first', 'oldest-created'])
    expect(chosen?.id).toBe('a')
    expect(reason).toBe('chose a (user) of 3: tied on user-first, oldest-created; lowest id')
    expect(chooseContact(twins, []).reason).toBe('chose a (user) of 3: lowest id')
  })

  it('explains which rules narrowed the field', () => {
    expect(chooseContact(all, ['user-first', 'most-recent-activity']).reason).toBe(
      'chose u-new (user) of 4: user-first kept 2 (users); most-recent-activity kept 1 (latest activity 1970-01-01T00:33:20Z)',
    )
  })

  it('handles no and one candidate', () => {
    expect(chooseContact([], ['user-first'])).toEqual({ chosen: null, reason: 'no candidates' })
    expect(chooseContact([leadIdle], ['user-first'])).toEqual({
      chosen: leadIdle,
      reason: 'only candidate l-idle (lead)',
    })
  })

  it('activity is the later of last seen and last update', () => {
    expect(activityOf(candidate('x', 'lead', { updatedAt: 10, lastSeenAt: null }))).toBe(10)
    expect(activityOf(candidate('x', 'lead', { updatedAt: 10, lastSeenAt: 20 }))).toBe(20)
    expect(activityOf(candidate('x', 'lead', { updatedAt: 30, lastSeenAt: 20 }))).toBe(30)
  })

  it('does not depend on the order candidates arrive in', () => {
    const arbitraryCandidate = fc.record({
      id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
      role: fc.constantFrom('user' as const, 'lead' as const),
      email: fc.constant(null),
      phone: fc.constant(null),
      createdAt: fc.integer({ min: 0, max: 5 }),
      updatedAt: fc.integer({ min: 0, max: 5 }),
      lastSeenAt: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
    })
    const rule = fc.constantFrom<TieBreak>(
      'user-first',
      'lead-first',
      'most-recent-activity',
      'oldest-created',
      'newest-created',
    )
    fc.assert(
      fc.property(
        fc.uniqueArray(arbitraryCandidate, { minLength: 1, maxLength: 6, selector: (c) => c.id }),
        fc.array(rule, { maxLength: 4 }),
        (candidates, order) => {
          const forward = chooseContact(candidates, order)
          const backward = chooseContact([...candidates].reverse(), order)
          expect(backward).toEqual(forward)
          expect(candidates).toContain(forward.chosen)
        },
      ),
    )
  })
})
