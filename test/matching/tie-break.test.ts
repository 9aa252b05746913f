import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  activityOf,
  chooseContact,
  chooseMatch,
  type ContactCandidate,
  type MatchCandidate,
  type ReadingMatch,
  roleRuleOf,
  type TieBreak,
} from '../../src/matching/tie-break.js'
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

describe('chooseMatch: only rules that carry information decide between contacts', () => {
  const at = (c: ContactCandidate, reading: ReadingMatch | null): MatchCandidate => ({ candidate: c, reading })
  // Activity and age differ on purpose: they must never decide between two people.
  const userA = candidate('a', 'user', { createdAt: 1, updatedAt: 9_000 })
  const userB = candidate('b', 'user', { createdAt: 2, updatedAt: 10 })
  const leadC = candidate('c', 'lead', { createdAt: 3, updatedAt: 99_999 })

  it.each<[string, MatchCandidate[], 'user-first' | 'lead-first' | null, string | string[]]>([
    [
      'an exact international spelling beats a national reading',
      [at(leadC, 'international'), at(userA, 'caller-country')],
      'user-first',
      'c',
    ],
    [
      "the contact's own country beats a reading under the caller's",
      [at(userB, 'contact-country'), at(userA, 'caller-country')],
      'user-first',
      'b',
    ],
    [
      'a user beats a lead for the same reading',
      [at(leadC, 'caller-country'), at(userA, 'caller-country')],
      'user-first',
      'a',
    ],
    ['lead-first turns that round', [at(leadC, 'caller-country'), at(userA, 'caller-country')], 'lead-first', 'c'],
    [
      'two users with the same reading: ambiguous, whatever their activity',
      [at(userA, 'international'), at(userB, 'international')],
      'user-first',
      ['a', 'b'],
    ],
    [
      'no role rule: a user and a lead stay ambiguous',
      [at(userA, 'caller-country'), at(leadC, 'caller-country')],
      null,
      ['a', 'c'],
    ],
    [
      'users tied after the role rule stay ambiguous',
      [at(userB, 'caller-country'), at(leadC, 'caller-country'), at(userA, 'caller-country')],
      'user-first',
      ['a', 'b'],
    ],
    [
      'two leads sharing an email: ambiguous',
      [at(leadC, null), at(candidate('d', 'lead'), null)],
      'user-first',
      ['c', 'd'],
    ],
  ])('%s', (_name, candidates, roleRule, expected) => {
    const choice = chooseMatch(candidates, roleRule)
    if (typeof expected === 'string') expect(choice.chosen?.id).toBe(expected)
    else
      expect({ chosen: choice.chosen, ambiguous: choice.ambiguous?.map((c) => c.id) }).toEqual({
        chosen: null,
        ambiguous: expected,
      })
  })

  it('explains the decision and the tie', () => {
    expect(chooseMatch([at(leadC, 'international'), at(userA, 'caller-country')], 'user-first').reason).toBe(
      'chose c (lead) of 2: exact international spelling kept 1',
    )
    expect(chooseMatch([at(userB, 'caller-country'), at(userA, 'caller-country')], 'user-first').reason).toBe(
      "2 contacts equally plausible: a (user), b (user), each by national spelling read under the caller's country",
    )
    expect(chooseMatch([at(userA, 'international')], 'user-first').reason).toBe(
      'only candidate a (user, exact international spelling)',
    )
  })

  it('the role rule is the first of user-first / lead-first in the configured order', () => {
    expect(roleRuleOf(['most-recent-activity', 'lead-first', 'user-first'])).toBe('lead-first')
    expect(roleRuleOf(['oldest-created'])).toBeNull()
  })

  it('is decided by the candidates, not by the order they arrive in or by their ids', () => {
    const readings: ReadingMatch[] = ['international', 'contact-country', 'caller-country']
    const arbitrary = fc.record({
      id: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      role: fc.constantFrom<'user' | 'lead'>('user', 'lead'),
      reading: fc.constantFrom(...readings),
      updatedAt: fc.integer({ min: 0, max: 10_000 }),
    })
    fc.assert(
      fc.property(fc.uniqueArray(arbitrary, { selector: (c) => c.id, minLength: 1, maxLength: 5 }), (items) => {
        const candidates = items.map((i) => at(candidate(i.id, i.role, { updatedAt: i.updatedAt }), i.reading))
        const choice = chooseMatch(candidates, 'user-first')
        const reversed = chooseMatch([...candidates].reverse(), 'user-first')
        expect(reversed).toEqual(choice)
        // Whoever is chosen holds the strongest reading, and is the only one left with it and its role.
        const rank = (r: ReadingMatch | null): number => (r === null ? -1 : 2 - readings.indexOf(r))
        const best = Math.max(...candidates.map((c) => rank(c.reading)))
        const top = candidates.filter((c) => rank(c.reading) === best)
        const users = top.filter((c) => c.candidate.role === 'user')
        const finalists = users.length > 0 ? users : top
        if (finalists.length === 1) expect(choice.chosen?.id).toBe(finalists[0]!.candidate.id)
        else expect(choice.ambiguous?.map((c) => c.id).sort()).toEqual(finalists.map((c) => c.candidate.id).sort())
      }),
    )
  })
})
