import { describe, expect, it } from 'vitest'
import { planDedupe, type DedupeGroup } from '../../src/matching/dedupe-planner.js'
import type { ContactCandidate } from '../../src/matching/tie-break.js'
import { toE164 } from '../../src/phone/index.js'
import { candidate } from './candidates.js'

const normalise = (phone: string): string | null => toE164(phone, 'US')

describe('planDedupe', () => {
  it('merges leads into the single user sharing their phone, whatever the formatting', () => {
    const contacts = [
      candidate('u1', 'user', { phone: '+16176105413', email: 'jo@example.com' }),
      candidate('l1', 'lead', { phone: '+1 617-610-5413' }),
      candidate('l2', 'lead', { phone: '(617) 610-5413' }),
      candidate('l3', 'lead', { phone: '+16176105413' }),
    ]
    expect(planDedupe(contacts, normalise)).toEqual<DedupeGroup[]>([
      {
        contactIds: ['l1', 'l2', 'l3', 'u1'],
        phones: ['+16176105413'],
        emails: ['jo@example.com'],
        survivor: 'u1',
        reason: 'only candidate u1 (user)',
        merges: [
          { from: 'l1', into: 'u1', shared: { kind: 'phone', value: '+16176105413', exact: false } },
          { from: 'l2', into: 'u1', shared: { kind: 'phone', value: '+16176105413', exact: false } },
          { from: 'l3', into: 'u1', shared: { kind: 'phone', value: '+16176105413', exact: true } },
        ],
        usersNotMergeable: [],
        leadsOnly: false,
        leadsWithoutSharedIdentifier: [],
      },
    ])
  })

  it('matches emails case- and space-insensitively', () => {
    const [group] = planDedupe(
      [candidate('u1', 'user', { email: 'Jo@Example.com ' }), candidate('l1', 'lead', { email: 'jo@example.com' })],
      normalise,
    )
    expect(group?.emails).toEqual(['jo@example.com'])
    expect(group?.merges).toMatchObject([
      { from: 'l1', into: 'u1', shared: { kind: 'email', value: 'jo@example.com', exact: false } },
    ])
  })

  describe('plans with the email Intercom compares (lower-cased, untrimmed)', () => {
    it('a lead whose address differs from the user’s only in case merges as it is', () => {
      const [group] = planDedupe(
        [candidate('u1', 'user', { email: 'Jo@Example.com' }), candidate('l1', 'lead', { email: 'jo@example.COM' })],
        normalise,
      )
      expect(group?.merges).toEqual([
        { from: 'l1', into: 'u1', shared: { kind: 'email', value: 'jo@example.com', exact: false } },
      ])
    })

    it('a padded lead first takes the user’s address exactly as the user holds it, so the merge passes', () => {
      const [group] = planDedupe(
        [candidate('u1', 'user', { email: 'G4@example.com' }), candidate('l1', 'lead', { email: ' g4@example.com' })],
        normalise,
      )
      expect(group?.merges).toEqual([
        {
          from: 'l1',
          into: 'u1',
          shared: { kind: 'email', value: 'g4@example.com', exact: false },
          alignEmail: 'G4@example.com',
        },
      ])
    })

    it('a padded user: the lead takes the padded address, and the user is left as it is', () => {
      const [group] = planDedupe(
        [candidate('u1', 'user', { email: 'u@example.com  ' }), candidate('l1', 'lead', { email: 'u@example.com' })],
        normalise,
      )
      expect(group?.merges).toEqual([
        {
          from: 'l1',
          into: 'u1',
          shared: { kind: 'email', value: 'u@example.com', exact: false },
          alignEmail: 'u@example.com  ',
        },
      ])
    })

    it('a padded lead that also shares the phone merges through the phone, with nothing rewritten', () => {
      const [group] = planDedupe(
        [
          candidate('u1', 'user', { email: 'g4@example.com', phone: '+16176105413' }),
          candidate('l1', 'lead', { email: 'g4@example.com ', phone: '(617) 610-5413' }),
        ],
        normalise,
      )
      expect(group?.merges).toEqual([
        { from: 'l1', into: 'u1', shared: { kind: 'phone', value: '+16176105413', exact: false } },
      ])
    })
  })

  it('merges transitive groups (phone links A–B, email links B–C)', () => {
    const contacts = [
      candidate('a', 'lead', { phone: '+16176105413' }),
      candidate('b', 'user', { phone: '617.610.5413', email: 'b@example.com' }),
      candidate('c', 'lead', { email: 'B@example.com' }),
      candidate('z', 'lead', { phone: '+442079460958' }),
    ]
    const groups = planDedupe(contacts, normalise)
    expect(groups).toHaveLength(1)
    expect(groups[0]).toMatchObject({
      contactIds: ['a', 'b', 'c'],
      survivor: 'b',
      merges: [
        { from: 'a', into: 'b', shared: { kind: 'phone' } },
        { from: 'c', into: 'b', shared: { kind: 'email' } },
      ],
    })
  })

  it('with two users: reports them, keeps the most active, and still merges leads', () => {
    const contacts = [
      candidate('u-idle', 'user', { phone: '+16176105413', email: 'jo@example.com', updatedAt: 10 }),
      candidate('u-busy', 'user', { email: 'JO@example.com', updatedAt: 10, lastSeenAt: 99 }),
      candidate('lead', 'lead', { email: 'jo@example.com' }),
    ]
    const [group] = planDedupe(contacts, normalise)
    expect(group).toMatchObject({
      survivor: 'u-busy',
      usersNotMergeable: ['u-idle'],
      merges: [{ from: 'lead', into: 'u-busy', shared: { kind: 'email', value: 'jo@example.com', exact: false } }],
      leadsOnly: false,
    })
    expect(group?.reason).toMatch(/most-recent-activity/)
  })

  it('a lead sharing nothing with the survivor merges into the user it does match', () => {
    const contacts = [
      candidate('u-busy', 'user', { email: 'jo@example.com', lastSeenAt: 99 }),
      candidate('u-idle', 'user', { email: 'jo@example.com', phone: '+16176105413' }),
      candidate('lead', 'lead', { phone: '+1 617 610 5413' }),
    ]
    const [group] = planDedupe(contacts, normalise)
    expect(group?.survivor).toBe('u-busy')
    expect(group?.merges).toEqual([
      { from: 'lead', into: 'u-idle', shared: { kind: 'phone', value: '+16176105413', exact: false } },
    ])
  })

  it('every planned merge is lead → user and shares an identifier (Intercom 2.16 duplicate validation)', () => {
    const contacts: ContactCandidate[] = [
      candidate('1', 'user', { phone: '+16176105413' }),
      candidate('2', 'lead', { phone: '6176105413' }),
      candidate('3', 'lead', { email: 'x@example.com', phone: '617-610-5413' }),
      candidate('4', 'lead', { email: 'X@example.com' }),
      candidate('5', 'user', { email: 'x@example.com' }),
      candidate('6', 'lead', { email: ' x@example.com ' }),
      candidate('7', 'lead', { email: 'x@example.com\t', phone: '617 610 5413' }),
    ]
    const roles = new Map(contacts.map((c) => [c.id, c]))
    for (const group of planDedupe(contacts, normalise)) {
      for (const merge of group.merges) {
        expect(roles.get(merge.from)?.role).toBe('lead')
        expect(roles.get(merge.into)?.role).toBe('user')
        const from = roles.get(merge.from)!
        const into = roles.get(merge.into)!
        const identifiers = (c: ContactCandidate) => [c.email?.trim().toLowerCase(), c.phone && normalise(c.phone)]
        expect(identifiers(from)).toContain(merge.shared.value)
        expect(identifiers(into)).toContain(merge.shared.value)
        // What Intercom compares: the phone, or the email lower-cased but untrimmed once the lead's is rewritten.
        const fromEmail = merge.alignEmail ?? from.email
        if (merge.shared.kind === 'email') expect(fromEmail?.toLowerCase()).toBe(into.email?.toLowerCase())
      }
    }
  })

  it('a lead linked to the group only through another lead is reported, not merged', () => {
    const contacts = [
      candidate('u1', 'user', { email: 'jo@example.com' }),
      candidate('l1', 'lead', { email: 'jo@example.com', phone: '+16176105413' }),
      candidate('l2', 'lead', { phone: '+16176105413' }),
    ]
    const [group] = planDedupe(contacts, normalise)
    expect(group).toMatchObject({
      contactIds: ['l1', 'l2', 'u1'],
      merges: [{ from: 'l1', into: 'u1', shared: { kind: 'email', exact: true } }],
      leadsWithoutSharedIdentifier: ['l2'],
    })
  })

  it('groups of only leads plan no merge', () => {
    const groups = planDedupe(
      [candidate('l1', 'lead', { phone: '+16176105413' }), candidate('l2', 'lead', { phone: '617 610 5413' })],
      normalise,
    )
    expect(groups).toEqual([
      expect.objectContaining({
        contactIds: ['l1', 'l2'],
        survivor: null,
        merges: [],
        leadsOnly: true,
        reason: '2 leads and no user: Intercom merges only a lead into a user',
      }),
    ])
  })

  it('ignores singletons, invalid and anonymous phones, and blank emails', () => {
    const contacts = [
      candidate('a', 'user', { phone: 'anonymous', email: ' ' }),
      candidate('b', 'lead', { phone: 'anonymous', email: '' }),
      candidate('c', 'lead', { phone: '+1 555 555 5555' }),
      candidate('d', 'user', { phone: '+15555555555' }),
      candidate('e', 'user', { phone: '+16176105413' }),
    ]
    expect(planDedupe(contacts, normalise)).toEqual([])
  })

  it('gives the same plan whatever the input order, and ignores repeated ids', () => {
    const contacts = [
      candidate('g2-user', 'user', { email: 'b@example.com' }),
      candidate('g2-lead', 'lead', { email: 'b@example.com' }),
      candidate('g1-lead', 'lead', { phone: '+16176105413' }),
      candidate('g1-user', 'user', { phone: '+16176105413' }),
      candidate('g1-lead-2', 'lead', { phone: '+16176105413' }),
    ]
    const forward = planDedupe(contacts, normalise)
    expect(planDedupe([...contacts].reverse(), normalise)).toEqual(forward)
    expect(planDedupe([...contacts, ...contacts], normalise)).toEqual(forward)
    expect(forward.map((group) => group.contactIds[0])).toEqual(['g1-lead', 'g2-lead'])
    expect(forward[0]?.merges.map((merge) => merge.from)).toEqual(['g1-lead', 'g1-lead-2'])
  })
})
