/**
 * The ledger: one keyed step per external write, so a re-run, a redelivery or another process writes nothing twice.
 * A step is claimed (owner and lease) before its write and completed with what the write returned.
 */

export type StepStatus = 'pending' | 'done' | 'failed'

export interface LedgerStep {
  key: string
  status: StepStatus
  externalId: string | null
  /** Small JSON document a service keeps with the step (e.g. the contact chosen and why). */
  data: Record<string, unknown>
  attempts: number
  lastError: string | null
  createdAt: number
  updatedAt: number
}

/** Who claims a step, and for how long the claim holds if its owner goes silent. */
export interface StepClaimRequest {
  /** A process-unique owner (`host/pid/nonce`, see step-owner.ts). */
  owner: string
  leaseMs: number
  /** Replaces the step's data when the claim is granted. */
  data?: Record<string, unknown>
}

/**
 * The answer to a claim. `claimed` with `resumed` set means an earlier attempt (a crash, a timeout, another
 * process whose lease lapsed) began this step and may have written: the caller reconciles before writing.
 */
export type StepClaim =
  | { status: 'claimed'; resumed: LedgerStep | null }
  | { status: 'done'; step: LedgerStep }
  | { status: 'held'; owner: string; leaseUntil: number }

export interface StepFilter {
  status?: StepStatus
  prefix?: string
  limit?: number
}

/** Another live process holds the step's claim: try again once it completes it or its lease lapses. */
export class StepHeldError extends Error {
  override readonly name = 'StepHeldError'
  readonly failure = 'retry' as const
  constructor(
    readonly key: string,
    readonly owner: string,
  ) {
    super(`ledger step ${key} is being written by another process (${owner})`)
  }
}

export interface Ledger {
  get(key: string): LedgerStep | undefined
  /** Several steps in one read, in the order of `keys` (undefined where absent). */
  getMany(keys: readonly string[]): Array<LedgerStep | undefined>
  /** In key order (by code point). */
  list(filter?: StepFilter): LedgerStep[]
  /**
   * Claims a step atomically before its external write: granted when the step is absent, failed, or pending
   * under a lapsed lease (one ends at its `leaseUntil`) or a dead owner; `held` while another owner's lease runs;
   * `done` once written. Resolves once the claim is durable, so the write it guards may then be sent.
   */
  claim(key: string, request: StepClaimRequest): Promise<StepClaim>
  /**
   * Marks a step pending for this store's own owner (creating it if absent), counts the attempt and merges `data`
   * into what the step holds; durable when it returns. Throws StepHeldError while another owner's claim holds it.
   */
  begin(key: string, data?: Record<string, unknown>): LedgerStep
  /**
   * Marks a step done with the external id, `data` merged over what the step holds. Reads through this store see
   * it at once; it is durable before any later write through this store commits, by `close()`, and otherwise
   * within moments (an implementation may commit it with the other writes of the same event-loop turn). A crash
   * before then leaves the step as it was, exactly as a crash just before the call would: a pending step is
   * reported resumed to its next claim, whose caller reconciles. A failed commit is such a crash.
   */
  complete(key: string, externalId: string | null, data?: Record<string, unknown>): void
  /** Marks a step failed (creating it if absent): claimable again at once. Durable when it returns. */
  fail(key: string, error: string): void
}
