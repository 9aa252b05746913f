import { parsePhoneNumberFromString } from 'libphonenumber-js'
import { describe, expect, test } from 'vitest'
import { generateWorld } from '../../src/seed/world.js'

const normalise = (s: string | null): string | null => {
  if (!s) return null
  const cleaned = s.replace(/\(0\)/, '').replace(/^00/, '+')
  return parsePhoneNumberFromString(cleaned, 'FR')?.number ?? null
}

describe('generateWorld', () => {
  test('same seed → byte-identical world; another seed differs', () => {
    const a = JSON.stringify(generateWorld({ seed: 42, calls: 800, days: 20 }))
    const b = JSON.stringify(generateWorld({ seed: 42, calls: 800, days: 20 }))
    expect(a).toBe(b)
    expect(JSON.stringify(generateWorld({ seed: 43, calls: 800, days: 20 }))).not.toBe(a)
  })

  test('truth is consistent with both sides', () => {
    const w = generateWorld({ seed: 7, calls: 1500 })
    const byId = new Map(w.intercom.contacts.map((c) => [c.id, c]))
    const phonesInIntercom = new Set(w.intercom.contacts.map((c) => normalise(c.phone)).filter(Boolean))
    // Mixed formats really are mixed.
    const formats = new Set(
      w.intercom.contacts
        .map((c) => c.phone)
        .filter((p): p is string => !!p)
        .map((p) => p.replace(/\d/g, '9')),
    )
    expect(formats.size).toBeGreaterThan(5)
    for (const [e164, id] of Object.entries(w.truth.callerToContact)) {
      const c = byId.get(id)
      expect(c).toBeDefined()
      if (w.truth.matchedBy[e164] === 'phone') expect(normalise(c!.phone)).toBe(e164)
      else expect(c!.phone).toBeNull()
    }
    for (const e164 of w.truth.unknownCallers) expect(phonesInIntercom.has(e164)).toBe(false)
    for (const m of w.truth.emailOnlyMatches) {
      const ac = w.aircall.contacts.find((c) => c.id === m.aircallContactId)!
      expect(ac.emails.map((e) => e.value)).toContain(m.email)
      expect(normalise(ac.phoneNumbers[0]!.value)).toBe(m.phone)
      expect(byId.get(m.contactId)!.email).toBe(m.email)
    }
    const kinds = w.truth.duplicateGroups.map((g) => g.kind)
    expect(kinds.filter((k) => k === 'lead-user-phone')).toHaveLength(3)
    expect(kinds.filter((k) => k === 'users-phone')).toHaveLength(2)
    expect(kinds.filter((k) => k === 'leads-email')).toHaveLength(2)
    for (const g of w.truth.duplicateGroups.filter((g) => g.kind !== 'leads-email')) {
      expect(g.storedPhones[0]).not.toBe(g.storedPhones[1])
      expect(g.storedPhones.map(normalise)).toEqual([g.key, g.key])
    }
    const users = w.truth.duplicateGroups.find((g) => g.kind === 'users-phone')!
    expect(users.mergeable).toBe(false)
    expect(users.contactIds.map((id) => byId.get(id)!.role)).toEqual(['user', 'user'])
    const calls = new Map(w.aircall.calls.map((c) => [c.id, c]))
    expect(w.truth.anonymousCallIds.length).toBeGreaterThan(0)
    for (const id of w.truth.anonymousCallIds) expect(calls.get(id)!.rawDigits).toBe('anonymous')
    expect(w.truth.invalidCallIds.map((id) => calls.get(id)!.rawDigits).sort()).toEqual(
      [...w.truth.invalidCallers].sort(),
    )
    const admin = w.intercom.admins.find((a) => a.id === w.truth.adminMatchingAircallUser.adminId)!
    expect(w.aircall.users.find((u) => u.email === admin.email)).toBeDefined()
  })

  test('Aircall side: formatted raw_digits, lines with zones and hours, every caller number valid', () => {
    const w = generateWorld({ seed: 3, calls: 2000, days: 60 })
    const starts = w.aircall.calls.map((c) => c.startedAt)
    expect(starts).toEqual([...starts].sort((a, b) => a - b))
    expect(Math.min(...starts)).toBeGreaterThan(w.now / 1000 - 60 * 86_400)
    for (const c of w.aircall.calls) {
      if (c.rawDigits === 'anonymous' || w.truth.invalidCallers.includes(c.rawDigits)) continue
      expect(c.rawDigits).toMatch(/^\+\d{1,3}[ \d-]+$/)
      expect(parsePhoneNumberFromString(c.rawDigits)?.isValid()).toBe(true)
    }
    expect(new Set(w.aircall.numbers.map((n) => n.timeZone)).size).toBeGreaterThanOrEqual(4)
    expect(w.aircall.numbers.some((n) => n.businessHours === null)).toBe(true)
    expect(w.aircall.tags.map((t) => t.name)).toEqual(['VIP', 'resolved', 'billing', 'callback', 'sales'])
    expect(w.aircall.calls.some((c) => c.tags.length > 0 && c.comments.length >= 0)).toBe(true)
    expect(w.aircall.calls.some((c) => c.hasVoicemail)).toBe(true)
    expect(w.aircall.calls.some((c) => c.direction === 'outbound')).toBe(true)
  })

  test('AI content for a seeded subset of answered calls, none on the line without the plan; message threads', () => {
    const w = generateWorld({ seed: 3, calls: 2000, days: 60 })
    const byId = new Map(w.aircall.calls.map((c) => [c.id, c]))
    expect(w.truth.noAiNumberIds).toEqual([105])
    expect(w.aircall.numbers.find((n) => n.id === 105)?.aiPlan).toBe('none')
    const answered = w.aircall.calls.filter((c) => c.answeredAt !== null)
    const withContent = answered.filter((c) => c.insights)
    expect(w.truth.aiCallIds).toEqual(withContent.map((c) => c.id))
    // Most answered calls have content, some do not (their endpoints answer 404), none on line 105.
    expect(withContent.length / answered.length).toBeGreaterThan(0.5)
    expect(answered.some((c) => c.insights === null && c.numberId !== 105)).toBe(true)
    expect(w.aircall.calls.filter((c) => c.numberId === 105).every((c) => c.insights === null)).toBe(true)
    expect(w.aircall.calls.filter((c) => c.answeredAt === null).every((c) => c.insights === null)).toBe(true)
    for (const c of withContent) {
      expect(c.insights).toMatchObject({ type: 'call', language: 'en', summary: expect.any(String) })
      expect(c.insights!.transcript!.length).toBeGreaterThan(2)
      expect(c.insights!.customSummary !== null).toBe(c.numberId === 102)
    }
    expect(withContent.some((c) => c.insights!.actionItems === null)).toBe(true)
    expect(withContent.some((c) => c.insights!.actionItems !== null)).toBe(true)
    expect(w.truth.voicemailCallIds.length).toBeGreaterThan(0)
    for (const id of w.truth.voicemailCallIds)
      expect(byId.get(id)).toMatchObject({ hasVoicemail: true, answeredAt: null })

    const messages = new Map((w.aircall.messages ?? []).map((m) => [m.id, m]))
    expect(w.truth.messageThreads.map((t) => [t.numberId, t.channel])).toEqual([
      [101, 'sms'],
      [101, 'whatsapp'],
      [102, 'whatsapp'],
      [102, 'sms'],
    ])
    expect(w.truth.messageThreads.map((t) => t.windowOpen)).toEqual([false, true, false, false])
    for (const thread of w.truth.messageThreads) {
      for (const id of thread.messageIds) {
        expect(messages.get(id)).toMatchObject({
          numberId: thread.numberId,
          channel: thread.channel,
          externalNumber: thread.phone,
        })
      }
    }
    expect([...messages.values()].some((m) => m.media.length > 0)).toBe(true)
    expect(w.truth.knownCallers).toContain(w.truth.messageThreads[0]!.phone)
  })

  test('100,000 calls generate quickly', () => {
    const t = Date.now()
    const w = generateWorld({ seed: 1, calls: 100_000, days: 90 })
    expect(w.aircall.calls).toHaveLength(100_000)
    // Generous bound: the CI box is shared; alone it takes well under a second or two.
    expect(Date.now() - t).toBeLessThan(20_000)
  })
})
