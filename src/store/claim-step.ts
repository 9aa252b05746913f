import type { Ledger, LedgerStep, StepClaim } from './ledger.js'

/** What a service needs to claim ledger steps: one owner per process, one lease length, an injected clock. */
export interface ClaimContext {
  ledger: Pick<Ledger, 'claim'>
  owner: string
  leaseMs: number
  now: () => number
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
}

export type GrantedClaim = Exclude<StepClaim, { status: 'held' }>

/** How often a held claim is asked again: short enough that a finished step is picked up at once. */
const POLL_MS = 200

/**
 * Claims a step, waiting while another owner holds it: the holder either completes it (`done`, whose result the
 * caller uses instead of writing) or its lease lapses (`claimed` with `resumed`, which the caller reconciles).
 */
export async function claimWhenFree(
  context: ClaimContext,
  key: string,
  data: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<GrantedClaim> {
  const { ledger, owner, leaseMs, now, sleep } = context
  for (;;) {
    const claim = await ledger.claim(key, { owner, leaseMs, data })
    if (claim.status !== 'held') return claim
    signal?.throwIfAborted()
    await sleep(Math.max(10, Math.min(POLL_MS, claim.leaseUntil - now())), signal)
  }
}

/** The step an earlier attempt left, when the claim says one may have written. */
export const resumedStep = (claim: GrantedClaim): LedgerStep | null =>
  claim.status === 'claimed' ? claim.resumed : null
