/**
 * Timestamps the toolkit leaves itself: loop-guard fingerprints (a change we made, so its webhook echo is ignored)
 * with an expiry, and named marks such as when a caller was last sent a missed-call message.
 */
export interface Marks {
  /** Keeps the later expiry when the fingerprint is already recorded. */
  recordFingerprint(fingerprint: string, expiresAt: number): void
  /** True while the fingerprint is recorded and `now` is before its expiry. */
  hasFingerprint(fingerprint: string, now: number): boolean
  /** Deletes fingerprints expired at `now`; returns how many. */
  pruneFingerprints(now: number): number
  get(key: string): number | null
  set(key: string, at: number): void
}
