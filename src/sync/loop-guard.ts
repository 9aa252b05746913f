import type { AircallEvent } from '../domain/aircall-event.js'
import type { IntercomEvent } from '../domain/intercom-event.js'
import { fingerprintOf, isOwnEcho, type EchoVerdict, type WriteDescriptor } from '../rules/loop-guard.js'
import type { StateStore } from '../store/state-store.js'

export interface LoopGuardOptions {
  store: StateStore
  ownAdminId: string | null
  ttlMs: number
  now: () => number
}

/**
 * Remembers the writes the toolkit makes so their webhook echoes are recognised and cause no further write.
 * A write is recorded BEFORE it is sent: Intercom can deliver the echo before our request has returned.
 */
export class LoopGuard {
  constructor(private readonly options: LoopGuardOptions) {}

  check(event: IntercomEvent | AircallEvent): EchoVerdict {
    const { store, ownAdminId, now } = this.options
    const verdict = isOwnEcho({
      event,
      ownAdminId,
      fingerprints: (fingerprint) => store.hasFingerprint(fingerprint, now()),
    })
    // Fingerprints stand in for an author the payload does not name. A change signed by another admin is theirs,
    // even when it repeats ours (a person re-assigning to the agent we routed to still means "ring them").
    const author = 'authorAdminId' in event ? event.authorAdminId : null
    if (verdict.echo && verdict.why === 'fingerprint' && author !== null && author !== ownAdminId)
      return { echo: false }
    return verdict
  }

  record(write: WriteDescriptor): void {
    const { store, ttlMs, now } = this.options
    store.recordFingerprint(fingerprintOf(write), now() + ttlMs)
  }

  prune(): number {
    return this.options.store.pruneFingerprints(this.options.now())
  }
}
