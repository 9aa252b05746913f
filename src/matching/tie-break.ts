import type { TieBreak } from '../config/schema.js'

export type { TieBreak }

/** What the planners need to know about an Intercom contact. Times are UNIX seconds, as Intercom sends them. */
export type ContactCandidate = {
  id: string
  role: 'user' | 'lead'
  email: string | null
  phone: string | null
  createdAt: number
  updatedAt: number
  lastSeenAt: number | null
}

export type ContactChoice = { chosen: ContactCandidate | null; reason: string }

/**
 * Activity is the later of the contact's last visit and its last update: leads created from phone calls never
 * visit, so `lastSeenAt` alone would rank most of them as equally idle.
 */
export function activityOf(candidate: ContactCandidate): number {
  return Math.max(candidate.lastSeenAt ?? Number.NEGATIVE_INFINITY, candidate.updatedAt)
}

type Rule = { score: (candidate: ContactCandidate) => number; describe: (winner: ContactCandidate) => string }

const isoDate = (seconds: number): string =>
  Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString().replace('.000Z', 'Z') : 'never'

// Each rule scores candidates so that higher is better; the chain keeps the best at each step.
const RULES: Record<TieBreak, Rule> = {
  'user-first': { score: (c) => (c.role === 'user' ? 1 : 0), describe: (w) => `${w.role}s` },
  'lead-first': { score: (c) => (c.role === 'lead' ? 1 : 0), describe: (w) => `${w.role}s` },
  'most-recent-activity': {
    score: (c) => activityOf(c),
    describe: (w) => `latest activity ${isoDate(activityOf(w))}`,
  },
  'oldest-created': { score: (c) => -c.createdAt, describe: (w) => `created ${isoDate(w.createdAt)}` },
  'newest-created': { score: (c) => c.createdAt, describe: (w) => `created ${isoDate(w.createdAt)}` },
}

const byId = (a: ContactCandidate, b: ContactCandidate): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/**
 * Picks one contact among several that match the same caller, applying `order` rule by rule and finally the
 * smallest id, so the same candidates always give the same answer whatever order the API returned them in.
 * The reason names the rules that narrowed the field, for the ledger.
 */
export function chooseContact(candidates: readonly ContactCandidate[], order: readonly TieBreak[]): ContactChoice {
  if (candidates.length === 0) return { chosen: null, reason: 'no candidates' }
  const [only] = candidates
  if (candidates.length === 1 && only) return { chosen: only, reason: `only candidate ${only.id} (${only.role})` }

  let remaining = [...candidates]
  const steps: string[] = []
  const applied = new Set<TieBreak>()
  for (const name of order) {
    if (remaining.length === 1) break
    if (applied.has(name)) continue
    applied.add(name)
    const rule = RULES[name]
    const best = remaining.reduce((max, candidate) => Math.max(max, rule.score(candidate)), Number.NEGATIVE_INFINITY)
    const kept = remaining.filter((candidate) => rule.score(candidate) === best)
    const [first] = kept
    if (kept.length < remaining.length && first) {
      steps.push(`${name} kept ${kept.length} (${rule.describe(first)})`)
    }
    remaining = kept
  }

  const [chosen] = [...remaining].sort(byId)
  if (!chosen) return { chosen: null, reason: 'no candidates' }
  if (remaining.length > 1) steps.push(order.length > 0 ? `tied on ${order.join(', ')}; lowest id` : 'lowest id')
  return { chosen, reason: `chose ${chosen.id} (${chosen.role}) of ${candidates.length}: ${steps.join('; ')}` }
}
