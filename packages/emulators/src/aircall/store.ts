/**
 * In-memory state of one Aircall company. Calls are kept sorted by (started_at, id) so a time window
 * is two binary searches, which keeps listing fast with 100k+ calls.
 */
import type {
  AircallCall,
  AircallContact,
  AircallMessage,
  AircallNumber,
  AircallSeed,
  AircallTag,
  AircallTeam,
  AircallUser,
} from './model.js'

export interface WebhookRecord {
  webhookId: string
  id: number
  url: string
  customName: string | null
  events: string[]
  token: string
  active: boolean
  createdAt: string
  consecutiveFailures: number
}

export interface DialerNumber {
  id: number
  number: string
  called: boolean
  createdAt: string
}

export interface DialerCampaign {
  id: number
  numberId: number | null
  createdAt: string
  numbers: DialerNumber[]
}

export interface InsightCardRecord {
  callId: number
  at: number
  contents: unknown[]
}

function compareCalls(a: AircallCall, b: AircallCall): number {
  return a.startedAt - b.startedAt || a.id - b.id
}

export class AircallStore {
  companyName = 'Emulated Company'
  calls: AircallCall[] = []
  readonly callsById = new Map<number, AircallCall>()
  readonly users = new Map<number, AircallUser>()
  readonly teams = new Map<number, AircallTeam>()
  readonly numbers = new Map<number, AircallNumber>()
  readonly tags = new Map<number, AircallTag>()
  readonly contacts = new Map<number, AircallContact>()
  readonly webhooks = new Map<string, WebhookRecord>()
  readonly dialer = new Map<number, DialerCampaign>()
  readonly insightCards: InsightCardRecord[] = []
  /** Every message, oldest first. */
  readonly messages: AircallMessage[] = []
  private nextIds = { call: 1, contact: 1, tag: 1, comment: 1, detail: 1, webhook: 1, dialer: 1, dialerNumber: 1 }

  clear(): void {
    this.calls = []
    this.callsById.clear()
    this.users.clear()
    this.teams.clear()
    this.numbers.clear()
    this.tags.clear()
    this.contacts.clear()
    this.webhooks.clear()
    this.dialer.clear()
    this.insightCards.length = 0
    this.messages.length = 0
    this.nextIds = { call: 1, contact: 1, tag: 1, comment: 1, detail: 1, webhook: 1, dialer: 1, dialerNumber: 1 }
  }

  load(seed: AircallSeed): void {
    this.clear()
    if (seed.company) this.companyName = seed.company.name
    for (const u of seed.users) this.users.set(u.id, structuredClone(u))
    for (const t of seed.teams) this.teams.set(t.id, structuredClone(t))
    for (const n of seed.numbers) this.numbers.set(n.id, structuredClone(n))
    for (const t of seed.tags) this.tags.set(t.id, structuredClone(t))
    for (const c of seed.contacts) this.contacts.set(c.id, structuredClone(c))
    // One clone of the whole list keeps what calls share (generated AI transcripts) shared in the copy too.
    this.addCalls(structuredClone(seed.calls))
    for (const m of seed.messages ?? []) this.messages.push(structuredClone(m))
    this.messages.sort((a, b) => a.createdAt - b.createdAt)
    this.bumpIds()
  }

  nextId(kind: keyof AircallStore['nextIds']): number {
    const id = this.nextIds[kind]
    this.nextIds[kind] = id + 1
    return id
  }

  /** Appends then re-sorts once: bulk planting of tens of thousands of calls stays O(n log n). */
  addCalls(calls: AircallCall[]): void {
    for (const c of calls) {
      const existing = this.callsById.get(c.id)
      if (existing) this.removeFromSorted(existing)
      this.callsById.set(c.id, c)
    }
    const sortedAlready = calls.every((c, i) => i === 0 || compareCalls(calls[i - 1] as AircallCall, c) <= 0)
    const last = this.calls[this.calls.length - 1]
    const first = calls[0]
    if (sortedAlready && (!last || !first || compareCalls(last, first) <= 0)) this.calls.push(...calls)
    else {
      this.calls.push(...calls)
      this.calls.sort(compareCalls)
    }
    for (const c of calls) if (c.id >= this.nextIds.call) this.nextIds.call = c.id + 1
    for (const c of calls)
      for (const cm of c.comments) if (cm.id >= this.nextIds.comment) this.nextIds.comment = cm.id + 1
  }

  addCall(call: AircallCall): void {
    this.callsById.set(call.id, call)
    this.calls.splice(this.insertionIndex(call), 0, call)
    if (call.id >= this.nextIds.call) this.nextIds.call = call.id + 1
  }

  /** Moving started_at (finalisation may add 1 s) must keep the array sorted. */
  setStartedAt(call: AircallCall, startedAt: number): void {
    this.removeFromSorted(call)
    call.startedAt = startedAt
    this.calls.splice(this.insertionIndex(call), 0, call)
  }

  /** When the customer last wrote on this line and channel (UNIX ms), or null. */
  lastInboundAt(numberId: number, externalNumber: string, channel: AircallMessage['channel']): number | null {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const m = this.messages[i] as AircallMessage
      if (
        m.direction === 'inbound' &&
        m.numberId === numberId &&
        m.channel === channel &&
        m.externalNumber === externalNumber
      )
        return m.createdAt
    }
    return null
  }

  /** Index range [lo, hi) of calls with from < started_at <= to. */
  window(fromExclusive: number, toInclusive: number): [number, number] {
    return [this.upperBound(fromExclusive), this.upperBound(toInclusive)]
  }

  private upperBound(t: number): number {
    let lo = 0
    let hi = this.calls.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.calls[mid] as AircallCall).startedAt <= t) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  private insertionIndex(call: AircallCall): number {
    let lo = 0
    let hi = this.calls.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareCalls(this.calls[mid] as AircallCall, call) <= 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  private removeFromSorted(call: AircallCall): void {
    const idx = this.insertionIndex(call) - 1
    if (this.calls[idx] === call) {
      this.calls.splice(idx, 1)
      return
    }
    const fallback = this.calls.indexOf(call)
    if (fallback >= 0) this.calls.splice(fallback, 1)
  }

  private bumpIds(): void {
    const maxOf = (ids: Iterable<number>): number => {
      let m = 0
      for (const id of ids) if (id > m) m = id
      return m
    }
    this.nextIds.contact = maxOf(this.contacts.keys()) + 1
    this.nextIds.tag = maxOf(this.tags.keys()) + 1
    let detail = 0
    for (const c of this.contacts.values()) {
      for (const d of [...c.phoneNumbers, ...c.emails]) if (d.id > detail) detail = d.id
    }
    this.nextIds.detail = detail + 1
  }
}
