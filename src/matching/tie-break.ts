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

/**
 * How a candidate's stored phone reads as the caller's number, strongest first: spelled with its own country
 * code; a national spelling read under the contact's own location country, which is the caller's; a national
 * spelling read under the caller's country (which is also the workspace default's reading when they agree).
 */
export type ReadingMatch = 'international' | 'contact-country' | 'caller-country'

const READING_RANK: Record<ReadingMatch, number> = { international: 2, 'contact-country': 1, 'caller-country': 0 }

const READING_TEXT: Record<ReadingMatch, string> = {
  international: 'exact international spelling',
  'contact-country': "national spelling in the contact's own country",
  'caller-country': "national spelling read under the caller's country",
}

/** A contact that may be the caller, with how its phone reads as the caller's number (null: found by email). */
export interface MatchCandidate {
  candidate: ContactCandidate
  reading: ReadingMatch | null
}

export type MatchChoice =
  | { chosen: ContactCandidate; ambiguous: null; reason: string }
  | { chosen: null; ambiguous: ContactCandidate[]; reason: string }

/** The role rule of a configured tie-break order: the first of user-first / lead-first, if any. */
export function roleRuleOf(order: readonly TieBreak[]): 'user-first' | 'lead-first' | null {
  return (
    order.find((rule): rule is 'user-first' | 'lead-first' => rule === 'user-first' || rule === 'lead-first') ?? null
  )
}

/**
 * Picks the caller among contacts that all match them, by the rules that carry information only: a stronger
 * reading of the stored phone beats a weaker one, then (for the same reading) the role rule. Contacts still
 * equal after that are different people as far as anything tells: the answer is "ambiguous", never the lowest id
 * or the latest activity, because logging a call on the wrong customer shows them someone else's history.
 */
export function chooseMatch(
  candidates: readonly MatchCandidate[],
  roleRule: 'user-first' | 'lead-first' | null,
): MatchChoice {
  const readingOf = (c: MatchCandidate): string => (c.reading ? READING_TEXT[c.reading] : 'same email')
  // Nearly every caller has one candidate: no map, sort or ranking for them (the index resolves ~100,000/s).
  const [single] = candidates
  if (candidates.length === 1 && single) {
    const { id, role } = single.candidate
    return { chosen: single.candidate, ambiguous: null, reason: `only candidate ${id} (${role}, ${readingOf(single)})` }
  }
  const unique = [...new Map(candidates.map((c) => [c.candidate.id, c])).values()].sort((a, b) =>
    byId(a.candidate, b.candidate),
  )
  const [only] = unique
  if (!only) return { chosen: null, ambiguous: [], reason: 'no candidates' }
  if (unique.length === 1) {
    return {
      chosen: only.candidate,
      ambiguous: null,
      reason: `only candidate ${only.candidate.id} (${only.candidate.role}, ${readingOf(only)})`,
    }
  }

  const steps: string[] = []
  const rank = (c: MatchCandidate): number => (c.reading ? READING_RANK[c.reading] : 0)
  const best = Math.max(...unique.map(rank))
  let kept = unique.filter((c) => rank(c) === best)
  if (kept.length < unique.length && kept[0]) steps.push(`${readingOf(kept[0])} kept ${kept.length}`)
  if (roleRule && kept.length > 1) {
    const preferred = roleRule === 'user-first' ? 'user' : 'lead'
    const byRole = kept.filter((c) => c.candidate.role === preferred)
    if (byRole.length > 0 && byRole.length < kept.length) {
      steps.push(`${roleRule} kept ${byRole.length}`)
      kept = byRole
    }
  }
  const [winner] = kept
  if (kept.length === 1 && winner) {
    return {
      chosen: winner.candidate,
      ambiguous: null,
      reason: `chose ${winner.candidate.id} (${winner.candidate.role}) of ${unique.length}: ${steps.join('; ')}`,
    }
  }
  const tied = kept.map((c) => `${c.candidate.id} (${c.candidate.role})`).join(', ')
  const narrowed = steps.length > 0 ? ` after ${steps.join('; ')}` : ''
  return {
    chosen: null,
    ambiguous: kept.map((c) => c.candidate),
    reason: `${kept.length} contacts equally plausible${narrowed}: ${tied}, each by ${readingOf(kept[0] as MatchCandidate)}`,
  }
}
