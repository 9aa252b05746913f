import { chooseContact, type ContactCandidate, type TieBreak } from './tie-break.js'

export type SharedIdentifier = {
  kind: 'phone' | 'email'
  /** E.164 for phones, lower-cased trimmed address for emails. */
  value: string
  /**
   * Whether both contacts hold the identical raw string. When false they match only after normalisation,
   * and Intercom's own duplicate check (which may compare raw strings) could still refuse the merge.
   */
  exact: boolean
}

export type PlannedMerge = {
  from: string
  into: string
  shared: SharedIdentifier
  /**
   * The address the lead takes before the merge, exactly as the user holds it: Intercom's duplicate validation
   * compares emails case-insensitively but untrimmed, so a lead that matches only once trimmed is refused
   * (`invalid_merge`) until its address is rewritten. Absent when the merge passes as the contacts are.
   */
  alignEmail?: string
}

export type DedupeGroup = {
  /** Sorted ids of every contact in the group. */
  contactIds: string[]
  /** The identifiers that tie the group together, sorted. */
  phones: string[]
  emails: string[]
  /** The user every lead merges into; null when the group has no user. */
  survivor: string | null
  /** The tie-break explanation for the survivor, for the ledger and the dry-run report. */
  reason: string
  merges: PlannedMerge[]
  /** Users other than the survivor: Intercom cannot merge a user into a user, so they stay. */
  usersNotMergeable: string[]
  /** True when the group holds only leads: a lead cannot be merged into a lead, so nothing is planned. */
  leadsOnly: boolean
  /** Leads that share no identifier with any user of the group, so no merge would pass duplicate validation. */
  leadsWithoutSharedIdentifier: string[]
}

/** The survivor of a group: a user whenever there is one, then the most recently active. */
export const SURVIVOR_ORDER: readonly TieBreak[] = ['user-first', 'most-recent-activity']

type Normalised = { candidate: ContactCandidate; phone: string | null; email: string | null }

export function normaliseEmail(email: string | null): string | null {
  const value = email?.trim().toLowerCase()
  return value ? value : null
}

class UnionFind {
  private readonly parent: number[]
  constructor(size: number) {
    this.parent = Array.from({ length: size }, (_, index) => index)
  }
  find(index: number): number {
    let root = index
    while (this.parent[root] !== root) root = this.parent[root] ?? root
    // Path compression keeps large contact lists near-linear.
    let node = index
    while (this.parent[node] !== root) {
      const next = this.parent[node] ?? root
      this.parent[node] = root
      node = next
    }
    return root
  }
  union(a: number, b: number): void {
    const rootA = this.find(a)
    const rootB = this.find(b)
    if (rootA !== rootB) this.parent[Math.max(rootA, rootB)] = Math.min(rootA, rootB)
  }
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** The spelling Intercom's merge validation compares: lower-cased, padding kept. */
const mergeComparedEmail = (email: string | null): string | null => (email ? email.toLowerCase() : null)

type SharedPath = { shared: SharedIdentifier; alignEmail?: string }

/**
 * What ties a lead to a user for a merge Intercom accepts. Email first (a shared email is the less coincidental
 * match) when Intercom compares it equal as it is; else a shared phone, which needs no rewrite; else an email equal
 * only once trimmed, with the lead rewritten to the user's exact spelling first.
 */
function sharedIdentifier(lead: Normalised, user: Normalised): SharedPath | null {
  const sameEmail = lead.email !== null && lead.email === user.email
  const email = (): SharedIdentifier => ({
    kind: 'email',
    value: lead.email ?? '',
    exact: lead.candidate.email === user.candidate.email,
  })
  const comparedEqual = mergeComparedEmail(lead.candidate.email) === mergeComparedEmail(user.candidate.email)
  if (sameEmail && comparedEqual) return { shared: email() }
  if (lead.phone && lead.phone === user.phone) {
    return { shared: { kind: 'phone', value: lead.phone, exact: lead.candidate.phone === user.candidate.phone } }
  }
  if (sameEmail && user.candidate.email) return { shared: email(), alignEmail: user.candidate.email }
  return null
}

const mergeOf = (lead: Normalised, user: Normalised, path: SharedPath): PlannedMerge => ({
  from: lead.candidate.id,
  into: user.candidate.id,
  shared: path.shared,
  ...(path.alignEmail === undefined ? {} : { alignEmail: path.alignEmail }),
})

function planGroup(members: Normalised[]): DedupeGroup {
  const sorted = [...members].sort((a, b) => compareStrings(a.candidate.id, b.candidate.id))
  const group: DedupeGroup = {
    contactIds: sorted.map((member) => member.candidate.id),
    phones: [...new Set(sorted.flatMap((member) => (member.phone ? [member.phone] : [])))].sort(compareStrings),
    emails: [...new Set(sorted.flatMap((member) => (member.email ? [member.email] : [])))].sort(compareStrings),
    survivor: null,
    reason: '',
    merges: [],
    usersNotMergeable: [],
    leadsOnly: false,
    leadsWithoutSharedIdentifier: [],
  }

  const users = sorted.filter((member) => member.candidate.role === 'user')
  const leads = sorted.filter((member) => member.candidate.role === 'lead')
  if (users.length === 0) {
    group.leadsOnly = true
    group.reason = `${leads.length} leads and no user: Intercom merges only a lead into a user`
    return group
  }

  const { chosen, reason } = chooseContact(
    users.map((member) => member.candidate),
    SURVIVOR_ORDER,
  )
  const survivor = users.find((member) => member.candidate.id === chosen?.id)
  if (!survivor) return group
  group.survivor = survivor.candidate.id
  group.reason = reason
  group.usersNotMergeable = users.filter((member) => member !== survivor).map((member) => member.candidate.id)

  // Other users in survivor order, for a lead that shares nothing with the survivor itself.
  const fallbackUsers = rankUsers(users.filter((member) => member !== survivor))
  for (const lead of leads) {
    const direct = sharedIdentifier(lead, survivor)
    if (direct) {
      group.merges.push(mergeOf(lead, survivor, direct))
      continue
    }
    // Merged into the survivor it would fail Intercom's duplicate check; into a user it does match, it passes.
    const other = fallbackUsers.map((user) => ({ user, shared: sharedIdentifier(lead, user) })).find((m) => m.shared)
    if (other?.shared) group.merges.push(mergeOf(lead, other.user, other.shared))
    else group.leadsWithoutSharedIdentifier.push(lead.candidate.id)
  }
  return group
}

function rankUsers(users: Normalised[]): Normalised[] {
  const remaining = [...users]
  const ranked: Normalised[] = []
  while (remaining.length > 0) {
    const { chosen } = chooseContact(
      remaining.map((member) => member.candidate),
      SURVIVOR_ORDER,
    )
    const index = remaining.findIndex((member) => member.candidate.id === chosen?.id)
    const [next] = remaining.splice(index < 0 ? 0 : index, 1)
    if (next) ranked.push(next)
  }
  return ranked
}

/**
 * Groups contacts that share a normalised phone or email (transitively) and plans the merges Intercom allows:
 * each lead into the group's chosen user through an identifier they share. Pure; output order depends only
 * on the contacts' ids and data, never on input order.
 */
export function planDedupe(
  contacts: readonly ContactCandidate[],
  normalise: (phone: string) => string | null,
): DedupeGroup[] {
  const byId = new Map<string, ContactCandidate>()
  for (const contact of contacts) if (!byId.has(contact.id)) byId.set(contact.id, contact)
  const members: Normalised[] = [...byId.values()]
    .sort((a, b) => compareStrings(a.id, b.id))
    .map((candidate) => ({
      candidate,
      phone: candidate.phone ? normalise(candidate.phone) : null,
      email: normaliseEmail(candidate.email),
    }))

  const sets = new UnionFind(members.length)
  const firstWith = new Map<string, number>()
  members.forEach((member, index) => {
    const keys = [member.phone && `phone:${member.phone}`, member.email && `email:${member.email}`]
    for (const key of keys) {
      if (!key) continue
      const first = firstWith.get(key)
      if (first === undefined) firstWith.set(key, index)
      else sets.union(first, index)
    }
  })

  const groups = new Map<number, Normalised[]>()
  members.forEach((member, index) => {
    const root = sets.find(index)
    const list = groups.get(root)
    if (list) list.push(member)
    else groups.set(root, [member])
  })

  return [...groups.values()]
    .filter((group) => group.length > 1)
    .map(planGroup)
    .sort((a, b) => compareStrings(a.contactIds[0] ?? '', b.contactIds[0] ?? ''))
}
