import type { AircallEvent } from '../domain/aircall-event.js'
import type { IntercomEvent } from '../domain/intercom-event.js'
import {
  echoCandidates,
  fingerprintOf,
  isOwnEcho,
  type EchoVerdict,
  type WriteDescriptor,
} from '../rules/loop-guard.js'
import type { StateStore } from '../store/state-store.js'

export interface LoopGuardOptions {
  store: Pick<StateStore, 'marks'>
  ownAdminId: string | null
  ttlMs: number
  now: () => number
  /** How many of the latest marks are kept in memory for the console (default 200). */
  recentMarks?: number
}

/** One write the guard marked, as the console lists it. */
export interface LoopGuardMark {
  service: WriteDescriptor['service']
  kind: string
  /** The conversation or contact written to. */
  targetId: string
  /** The write's payload as JSON, shortened: the tag, the assignee… (null when the kind says it all). */
  detail: string | null
  markedAt: number
  expiresAt: number
  /** Echoes of this write that the guard recognised and suppressed. */
  echoes: number
  lastEchoAt: number | null
}

export interface LoopGuardMarks {
  /** Newest first. */
  marks: LoopGuardMark[]
  capacity: number
  /** Every echo suppressed since start, by how it was recognised (marks of other processes count too). */
  suppressed: Record<Extract<EchoVerdict, { echo: true }>['why'], number>
}

const DETAIL_CHARS = 120

const detailOf = (payload: unknown): string | null => {
  if (payload === null || payload === undefined) return null
  const text = JSON.stringify(payload)
  return text.length <= DETAIL_CHARS ? text : `${text.slice(0, DETAIL_CHARS - 1)}…`
}

/**
 * Remembers the writes the toolkit makes so their webhook echoes are recognised and cause no further write.
 * A write is recorded BEFORE it is sent: Intercom can deliver the echo before our request has returned.
 *
 * The store keeps only fingerprints (hashes), which say nothing to a person; the latest marks are also kept here,
 * readable, in a bounded map (insertion order is the ring's order), for the console.
 */
export class LoopGuard {
  private readonly recent = new Map<string, LoopGuardMark>()
  private readonly capacity: number
  private readonly suppressed: LoopGuardMarks['suppressed'] = { 'own-admin': 0, fingerprint: 0, 'origin-marker': 0 }

  constructor(private readonly options: LoopGuardOptions) {
    this.capacity = Math.max(1, options.recentMarks ?? 200)
  }

  async check(event: IntercomEvent | AircallEvent): Promise<EchoVerdict> {
    const { store, ownAdminId, now } = this.options
    // The rule is pure: the store is asked beforehand about the writes this event could be the echo of. Only an
    // event all of whose writes are known is an echo, so the first unknown one settles it.
    const known = new Set<string>()
    for (const write of echoCandidates(event)) {
      const fingerprint = fingerprintOf(write)
      if (!(await store.marks.hasFingerprint(fingerprint, now()))) break
      known.add(fingerprint)
    }
    const verdict = isOwnEcho({ event, ownAdminId, fingerprints: (fingerprint) => known.has(fingerprint) })
    // Fingerprints stand in for an author the payload does not name. A change signed by another admin is theirs,
    // even when it repeats ours (a person re-assigning to the agent we routed to still means "ring them").
    const author = 'authorAdminId' in event ? event.authorAdminId : null
    if (verdict.echo && verdict.why === 'fingerprint' && author !== null && author !== ownAdminId)
      return { echo: false }
    if (verdict.echo) {
      this.suppressed[verdict.why]++
      // Hashed again only for an echo, which is rare next to the events that are not.
      if (verdict.why === 'fingerprint') {
        const at = now()
        for (const write of echoCandidates(event)) {
          const mark = this.recent.get(fingerprintOf(write))
          if (!mark) continue
          mark.echoes++
          mark.lastEchoAt = at
        }
      }
    }
    return verdict
  }

  async record(write: WriteDescriptor): Promise<void> {
    const { store, ttlMs, now } = this.options
    const fingerprint = fingerprintOf(write)
    const markedAt = now()
    await store.marks.recordFingerprint(fingerprint, markedAt + ttlMs)
    const previous = this.recent.get(fingerprint)
    this.recent.delete(fingerprint)
    this.recent.set(fingerprint, {
      service: write.service,
      kind: write.kind,
      targetId: write.targetId,
      detail: detailOf(write.payload),
      markedAt,
      expiresAt: markedAt + ttlMs,
      echoes: previous?.echoes ?? 0,
      lastEchoAt: previous?.lastEchoAt ?? null,
    })
    if (this.recent.size > this.capacity) {
      const oldest = this.recent.keys().next()
      if (!oldest.done) this.recent.delete(oldest.value)
    }
  }

  /** The latest marks and the echoes suppressed, copied: the caller may keep them. */
  recentMarks(): LoopGuardMarks {
    return {
      marks: [...this.recent.values()].reverse().map((mark) => ({ ...mark })),
      capacity: this.capacity,
      suppressed: { ...this.suppressed },
    }
  }

  async prune(): Promise<number> {
    return this.options.store.marks.pruneFingerprints(this.options.now())
  }
}
