import type { ContactCandidate } from '../../src/matching/tie-break.js'

export function candidate(
  id: string,
  role: 'user' | 'lead',
  overrides: Partial<Omit<ContactCandidate, 'id' | 'role'>> = {},
): ContactCandidate {
  return { id, role, email: null, phone: null, createdAt: 1_000, updatedAt: 1_000, lastSeenAt: null, ...overrides }
}
