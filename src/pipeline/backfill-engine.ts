import type { CallRecord } from '../domain/call-record.js'
import { classifyFailure } from '../http/failure.js'
import { isCatchAll } from '../matching/catch-all.js'
import type { StateStore } from '../store/state-store.js'
import type { Resolution } from '../matching/types.js'
import type { CallLogger, CallWritePlan, LogCallOutcome } from './types.js'
import { clearDeadLetter, type DeadLetterJob, deadLetterCall, logStepKey } from './dead-letters.js'
import type { CallSource, SourceWarning } from '../sources/types.js'

/** `ambiguous`: two or more contacts were equally plausible for the caller, so the call was attached to none. */
export type SkipReason = 'anonymous' | 'invalid-number' | 'unmatched' | 'ambiguous'

export type BackfillEvent =
  | { type: 'window-started'; label: string; expected: number | null }
  | { type: 'window-done'; label: string; calls: number }
  /** `startedAt` (on the three call events): when the call started, UNIX seconds, so a run can be told per call day. */
  | {
      type: 'call-logged'
      callId: string
      startedAt: number
      status: 'logged' | 'updated' | 'already-done' | 'would-log'
    }
  | { type: 'call-skipped'; callId: string; startedAt: number; reason: SkipReason }
  | {
      type: 'call-failed'
      callId: string
      startedAt: number
      error: string
      attempts: number
      deadLetterId: number | null
    }
  | { type: 'warning'; warning: SourceWarning }
  | { type: 'rate-limited'; service: 'aircall' | 'intercom' }

export interface BackfillCounts {
  read: number
  logged: number
  updated: number
  alreadyDone: number
  /** Dry run: calls that would be logged. */
  wouldLog: number
  skipped: Record<SkipReason, number>
  contactsMatched: number
  contactsCreated: number
  deadLetters: number
  badRows: number
  windows: number
  /**
   * Every call from a number libphonenumber calls invalid, in the order decided: listed and not only counted, since
   * such a call is on no caller's contact and can only be found again by its id and the number as Aircall sent it.
   */
  invalidNumbers: InvalidNumberCall[]
  /** Calls of ambiguous callers logged on the catch-all contact (`matching.ambiguousCalls: catch-all`). */
  ambiguousOnCatchAll: AmbiguousCall[]
}

/** A call whose number two or more contacts hold equally, logged on the catch-all contact with them named. */
export interface AmbiguousCall {
  callId: string
  e164: string | null
  /** ISO 8601. */
  startedAt: string
  candidates: string[]
  loggedOn: string
}

/** A call from an invalid number: skipped (the default), or logged raw on the catch-all contact. */
export interface InvalidNumberCall {
  callId: string
  /** The number exactly as Aircall sent it. */
  number: string
  /** ISO 8601. */
  startedAt: string
  /** The catch-all contact it was (or, in a dry run, would be) logged on; null when it was skipped. */
  loggedOn: string | null
}

export interface BackfillRun {
  counts: BackfillCounts
  /** Stopped by the signal: the last window was not checkpointed and resumes on the next run. */
  interrupted: boolean
  elapsedMs: number
  /** Callers left unmatched, for audits: E.164 (or raw digits) → calls. */
  unmatched: Record<string, number>
  deadLetterIds: number[]
  /** A dry run's plan: every call it would log, in the order they were decided. */
  planned: PlannedCall[]
}

/** One call a dry run would log, with the contact it would go on and what it would write. */
export interface PlannedCall {
  call: CallRecord
  resolution: Resolution | null
  plan: CallWritePlan
}

export interface BackfillEngineOptions {
  source: CallSource
  logger: CallLogger
  store: Pick<StateStore, 'ledger' | 'checkpoints' | 'queue' | 'transaction'>
  concurrency: number
  dryRun?: boolean
  /** Start from the beginning instead of the stored checkpoint. */
  restart?: boolean
  /** Resume after the stored checkpoint (default); `sync` computes its own start and passes false. */
  resume?: boolean
  /** Aborting stops scheduling calls; those in flight finish so nothing is left half-written. */
  signal?: AbortSignal
  /** Attempts per call before it is dead-lettered (default 3). */
  maxAttempts?: number
  now?: () => number
  sleep?: (ms: number) => Promise<void>
  onEvent?: (event: BackfillEvent) => void
  /** What a call that exhausted its retries is dead-lettered as (default: a backfill's log-call job). */
  deadLetter?: DeadLetterJob
}

const emptyCounts = (): BackfillCounts => ({
  read: 0,
  logged: 0,
  updated: 0,
  alreadyDone: 0,
  wouldLog: 0,
  skipped: { anonymous: 0, 'invalid-number': 0, unmatched: 0, ambiguous: 0 },
  contactsMatched: 0,
  contactsCreated: 0,
  deadLetters: 0,
  badRows: 0,
  windows: 0,
  invalidNumbers: [],
  ambiguousOnCatchAll: [],
})

/** Failures a later attempt can get past; a permanent one (validation, a missing record) is dead-lettered at once. */
const isTransient = (error: unknown): boolean => classifyFailure(error) === 'retry'

/**
 * Failures that stop the run: no call gets past bad credentials, and a bug would otherwise be dead-lettered
 * call after call with nobody told; it surfaces instead, with its stack under --json.
 */
const isFatal = (error: unknown): boolean => {
  const failure = classifyFailure(error)
  return failure === 'auth' || failure === 'bug'
}

const errorText = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error)

/**
 * Reads a source window by window, logs each call through the ledger-checked logger with bounded
 * concurrency, and checkpoints a window only once every call in it is logged, skipped or dead-lettered,
 * so a crash at any instant resumes at the first unfinished window and repeats nothing already written.
 */
export async function runBackfillEngine(options: BackfillEngineOptions): Promise<BackfillRun> {
  const { source, logger, store, signal, dryRun = false } = options
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const maxAttempts = options.maxAttempts ?? 3
  const emit = options.onEvent ?? (() => {})
  const counts = emptyCounts()
  const unmatched: Record<string, number> = {}
  const deadLetterIds: number[] = []
  const planned: PlannedCall[] = []
  const matched = new Set<string>()
  const created = new Set<string>()
  const started = now()
  const callerLocks = new Map<string, Promise<void>>()
  // Read once: checking every call's `call:<id>:log` step would cost a query per call for a rare case.
  const failedBefore = new Set(
    dryRun ? [] : (await store.ledger.list({ status: 'failed', prefix: 'call:' })).map((step) => step.key),
  )

  if (options.restart && !dryRun) await store.checkpoints.deleteByPrefix(source.checkpointName)
  const resume =
    options.restart || options.resume === false
      ? undefined
      : (await store.checkpoints.get(source.checkpointName))?.value

  const invalidNumber = (call: CallRecord, loggedOn: string | null): void => {
    const startedAt = new Date(call.startedAt * 1000).toISOString()
    counts.invalidNumbers.push({ callId: call.callId, number: call.rawDigits, startedAt, loggedOn })
  }

  /** The catch-all is nobody's contact: its calls are listed by why they are there, not counted as matched. */
  const onCatchAll = (call: CallRecord, resolution: Resolution | null, contactId: string): boolean => {
    if (!isCatchAll(resolution) || resolution?.status !== 'matched') return false
    if (resolution.catchAllFor === 'ambiguous') {
      counts.ambiguousOnCatchAll.push({
        callId: call.callId,
        e164: resolution.e164,
        startedAt: new Date(call.startedAt * 1000).toISOString(),
        candidates: resolution.candidateIds ?? [],
        loggedOn: contactId,
      })
    } else invalidNumber(call, contactId)
    return true
  }

  const record = (call: CallRecord, outcome: LogCallOutcome): void => {
    switch (outcome.status) {
      case 'logged':
      case 'updated': {
        if (outcome.status === 'logged') counts.logged++
        else counts.updated++
        if (!onCatchAll(call, outcome.resolution, outcome.contactId)) {
          ;(outcome.resolution.status === 'created' ? created : matched).add(outcome.contactId)
        }
        emit({ type: 'call-logged', callId: call.callId, startedAt: call.startedAt, status: outcome.status })
        return
      }
      case 'already-done':
        counts.alreadyDone++
        emit({ type: 'call-logged', callId: call.callId, startedAt: call.startedAt, status: 'already-done' })
        return
      case 'skipped': {
        const resolution = outcome.resolution
        if (outcome.reason === 'dry-run') {
          counts.wouldLog++
          if (outcome.plan) planned.push({ call, resolution, plan: outcome.plan })
          const listed = resolution?.status === 'matched' && onCatchAll(call, resolution, resolution.contactId)
          if (!listed && resolution && resolution.status !== 'unmatched') {
            ;(resolution.status === 'created' ? created : matched).add(resolution.contactId)
          }
          emit({ type: 'call-logged', callId: call.callId, startedAt: call.startedAt, status: 'would-log' })
          return
        }
        const ambiguous = resolution?.status === 'unmatched' && resolution.reason === 'ambiguous'
        counts.skipped[ambiguous ? 'ambiguous' : outcome.reason]++
        if (outcome.reason === 'invalid-number') invalidNumber(call, null)
        if (outcome.reason === 'unmatched') {
          const key = (resolution?.status === 'unmatched' ? resolution.e164 : null) ?? call.rawDigits
          unmatched[key] = (unmatched[key] ?? 0) + 1
        }
        emit({ type: 'call-skipped', callId: call.callId, startedAt: call.startedAt, reason: outcome.reason })
        return
      }
    }
  }

  const logOne = async (call: CallRecord): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await logger.log(call, { dryRun })
        if (failedBefore.has(logStepKey(call.callId))) await clearDeadLetter(store, call.callId)
        record(call, outcome)
        return
      } catch (error) {
        if (isFatal(error)) throw error
        if (isTransient(error) && attempt < maxAttempts) {
          await sleep(Math.min(10_000, 500 * 2 ** (attempt - 1)))
          continue
        }
        const text = errorText(error)
        const id = dryRun
          ? null
          : await deadLetterCall(store, options.deadLetter ?? { kind: 'log-call', via: 'backfill' }, call, text, now())
        if (id !== null) deadLetterIds.push(id)
        counts.deadLetters++
        emit({
          type: 'call-failed',
          callId: call.callId,
          startedAt: call.startedAt,
          error: text,
          attempts: attempt,
          deadLetterId: id,
        })
        return
      }
    }
  }

  // Calls from one number run one after another, so a new caller is never created twice by two workers.
  const serialised = (call: CallRecord): Promise<void> => {
    const key = call.rawDigits
    const previous = callerLocks.get(key) ?? Promise.resolve()
    const next = previous.then(() => logOne(call))
    const tail = next.catch(() => {})
    callerLocks.set(key, tail)
    void tail.then(() => {
      if (callerLocks.get(key) === tail) callerLocks.delete(key)
    })
    return next
  }

  const onWarning = (warning: SourceWarning): void => {
    if (warning.code === 'bad-row') counts.badRows++
    emit({ type: 'warning', warning })
  }

  let interrupted = false
  try {
    for await (const window of source.windows({ resume, signal, onWarning })) {
      if (signal?.aborted) {
        interrupted = true
        break
      }
      emit({ type: 'window-started', label: window.label, expected: window.expected })
      const inFlight = new Set<Promise<void>>()
      const failed: { error: Error | null } = { error: null }
      let calls = 0
      for await (const call of window.calls) {
        if (signal?.aborted || failed.error !== null) break
        counts.read++
        calls++
        const task = serialised(call).catch((error: unknown) => {
          failed.error ??= error instanceof Error ? error : new Error(String(error))
        })
        inFlight.add(task)
        void task.finally(() => inFlight.delete(task))
        while (inFlight.size >= options.concurrency) await Promise.race(inFlight)
      }
      await Promise.all(inFlight)
      if (failed.error !== null) throw failed.error
      if (signal?.aborted) {
        interrupted = true
        break
      }
      counts.windows++
      if (!dryRun) {
        await store.transaction(
          async (tx) => {
            const next = source.advance
              ? source.advance((await tx.checkpoints.get(source.checkpointName))?.value, window)
              : window.position
            if (next !== null) await tx.checkpoints.set(source.checkpointName, next)
          },
          { lockKeys: [source.checkpointName] },
        )
      }
      emit({ type: 'window-done', label: window.label, calls })
    }
  } catch (error) {
    if (!(signal?.aborted && isAbort(error))) throw error
    interrupted = true
  }

  // A contact created by this run and found again for the caller's next call is counted as created only.
  counts.contactsMatched = [...matched].filter((id) => !created.has(id)).length
  counts.contactsCreated = created.size
  return { counts, interrupted, elapsedMs: now() - started, unmatched, deadLetterIds, planned }
}

const isAbort = (error: unknown): boolean =>
  error instanceof Error &&
  (error.name === 'AbortError' || error.name === 'TimeoutError' || error.name === 'NetworkError')
