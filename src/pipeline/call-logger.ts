import { z } from 'zod'

import type { AppConfig } from '../config/schema.js'
import type { CallRecord } from '../domain/call-record.js'
import { ApiError, ValidationError } from '../http/errors.js'
import { realSleep } from '../http/types.js'
import type { IntercomClient } from '../intercom/client.js'
import { conversationQuery } from '../intercom/query.js'
import type { IntercomConversation } from '../intercom/schemas.js'
import { CatchAllContact } from '../matching/catch-all.js'
import type { ContactResolver, Resolution } from '../matching/types.js'
import { type ClaimContext, claimWhenFree } from '../store/claim-step.js'
import type { LedgerStep, StateStore } from '../store/state-store.js'
import { newStepOwner } from '../store/step-owner.js'
import { escapeHtml, renderCallNote } from '../templates/index.js'
import {
  type CallFacts,
  callerE164,
  callFacts,
  callTemplateContext,
  conversationSummary,
  factsHash,
  hasCallMarker,
  markerHtml,
  updateNoteBody,
} from './call-content.js'
import { DataAttributeEnsurer } from './data-attributes.js'
import { TagAttributeWriter } from './tag-attributes.js'
import type { CallLogger, CallWritePlan, LogCallOutcome } from './types.js'

export interface IntercomCallLoggerDeps {
  store: Pick<StateStore, 'ledger' | 'transaction'>
  intercom: IntercomClient
  resolver: ContactResolver
  /** The admin our notes are written as. */
  adminId: string
  config: Pick<AppConfig, 'logging' | 'matching' | 'tags'>
  /** Liquid source of the call note; the default template when absent. */
  noteTemplate?: string
  /** Shared per run so each data attribute is listed and created at most once. */
  ensurer?: DataAttributeEnsurer
  /** Who claims this logger's steps; one per process (a private owner with a 2-minute lease when absent). */
  claims?: ClaimContext
}

export interface LogOptions {
  dryRun?: boolean
  signal?: AbortSignal
  /**
   * On a ledger miss, look the call's conversation up in Intercom by its marker before creating one. A run over a
   * time range leaves this off: its pre-pass (conversation-discovery.ts) already read the range's conversations
   * into the ledger.
   */
  findExisting?: boolean
  /**
   * A run over a time range: on a ledger miss, read the conversations Intercom holds for the call's day into the
   * ledger first (conversation-discovery.ts), so a new or lost state file logs nothing twice.
   */
  prePass?: (call: CallRecord) => Promise<void>
}

/** A claim outlives any single write, including a rate-limit pause; a dead owner on this host is not waited for. */
export const DEFAULT_LEASE_MS = 120_000

export const defaultClaims = (store: Pick<StateStore, 'ledger'>): ClaimContext => ({
  ledger: store.ledger,
  owner: newStepOwner(),
  leaseMs: DEFAULT_LEASE_MS,
  now: Date.now,
  sleep: realSleep,
})

export const conversationStepKey = (callId: string): string => `call:${callId}:conversation`
export const noteStepKey = (callId: string): string => `call:${callId}:note`
export const updateStepKey = (callId: string, revision: string): string => `call:${callId}:note:${revision}`

/** Conversations of one contact read when reconciling; a caller with more is searched no further. */
const RECONCILE_LIMIT = 500

const storedResolution = z
  .object({ status: z.enum(['matched', 'created']), contactId: z.string().min(1) })
  .passthrough()

const ANONYMOUS: Resolution = {
  status: 'unmatched',
  reason: 'anonymous',
  e164: null,
  tried: [],
  detail: 'the caller withheld their number',
}

/**
 * Logs a call into Intercom through keyed ledger steps: `call:<id>:conversation` (the conversation created
 * for the call, or the contact's latest open one in note mode), `call:<id>:note` (the full note) and
 * `call:<id>:attrs` (tag → attribute writes). A step found pending was interrupted after it may have written,
 * so it is reconciled by the call's marker before anything is written again.
 */
export class IntercomCallLogger implements CallLogger {
  readonly ensurer: DataAttributeEnsurer
  private readonly attributes: TagAttributeWriter
  private readonly claims: ClaimContext
  private readonly catchAll: CatchAllContact
  private callIdAttributeReady: Promise<boolean> | null = null

  constructor(private readonly deps: IntercomCallLoggerDeps) {
    this.ensurer = deps.ensurer ?? new DataAttributeEnsurer(deps.intercom)
    this.claims = deps.claims ?? defaultClaims(deps.store)
    this.catchAll = new CatchAllContact({
      store: deps.store,
      intercom: deps.intercom,
      claims: this.claims,
      settings: deps.config.matching.catchAllContact,
    })
    this.attributes = new TagAttributeWriter({
      store: deps.store,
      intercom: deps.intercom,
      ensurer: this.ensurer,
      mapping: deps.config.tags.map,
    })
  }

  async log(call: CallRecord, options: LogOptions = {}): Promise<LogCallOutcome> {
    const { dryRun = false, signal, findExisting = false, prePass } = options
    const { store } = this.deps
    const facts = callFacts(call)
    const revision = factsHash(facts)
    const keys = [conversationStepKey(call.callId), noteStepKey(call.callId)]
    let [conversationStep, noteStep] = await store.ledger.getMany(keys)
    // A ledger miss in a range run asks the pre-pass first, so a call another store logged costs no contact
    // search. Only a caller with a readable number asks here: skipped callers have nothing to find, and a number
    // only the resolver can read asks below, once it matched.
    const ask = async (): Promise<void> => {
      if (conversationStep !== undefined || !prePass) return
      await prePass(call)
      ;[conversationStep, noteStep] = await store.ledger.getMany(keys)
    }
    if (callerE164(call) !== null) await ask()
    let stored = storedResolutionOf(conversationStep)

    if (conversationStep?.status === 'done' && noteStep?.status === 'done' && stored) {
      const conversationId = conversationStep.externalId
      const contactId = stored.contactId
      const discovered = noteStep.data.revision === null || noteStep.data.revision === undefined
      const unchanged =
        (discovered || noteStep.data.revision === revision) &&
        !(await this.attributesChanged(call, contactId, conversationId))
      if (unchanged) {
        // A note found in Intercom by the pre-pass has no known revision: it is this call's note as it is now.
        if (discovered && !dryRun) {
          await store.ledger.complete(noteStepKey(call.callId), noteStep.externalId, {
            ...noteStep.data,
            revision,
            facts,
          })
        }
        return { status: 'already-done', conversationId, contactId }
      }
      if (dryRun) {
        return {
          status: 'skipped',
          reason: 'dry-run',
          resolution: stored,
          plan: this.planOf(call, conversationStep, noteStep),
        }
      }
    }

    if (call.rawDigits === 'anonymous' && this.deps.config.logging.skipAnonymous) {
      return { status: 'skipped', reason: 'anonymous', resolution: ANONYMOUS }
    }

    let resolution =
      (stored && reused(stored)) ??
      (await this.deps.resolver.resolve(call, { create: this.deps.config.matching.createUnknown, dryRun, signal }))
    // No real contact can be told from an invalid number: with log-raw the call goes on the one catch-all contact.
    const raw = resolution.status === 'unmatched' && resolution.reason === 'invalid-number'
    if (raw && this.deps.config.matching.invalidNumbers === 'log-raw') {
      resolution = { ...(await this.catchAll.resolve({ dryRun, signal })), catchAllFor: 'invalid-number' }
    }
    // Two customers hold the number: the call goes on neither, but on the catch-all with both named.
    if (
      resolution.status === 'unmatched' &&
      resolution.reason === 'ambiguous' &&
      this.deps.config.matching.ambiguousCalls === 'catch-all'
    ) {
      const { e164, candidates } = resolution
      const catchAll = await this.catchAll.resolve({ dryRun, signal })
      resolution = { ...catchAll, e164, catchAllFor: 'ambiguous', candidateIds: candidates ?? [] }
    }
    if (resolution.status === 'unmatched') {
      const reason =
        resolution.reason === 'anonymous' || resolution.reason === 'invalid-number' ? resolution.reason : 'unmatched'
      return { status: 'skipped', reason, resolution }
    }
    if (dryRun) {
      await ask()
      // Found whole in Intercom by the pre-pass: the real run would write nothing for it either.
      if (conversationStep?.status === 'done' && noteStep?.status === 'done' && conversationStep.externalId) {
        return { status: 'already-done', conversationId: conversationStep.externalId, contactId: resolution.contactId }
      }
      return { status: 'skipped', reason: 'dry-run', resolution, plan: this.planOf(call, conversationStep, noteStep) }
    }

    await ask()
    stored = storedResolutionOf(conversationStep)
    const contactId = stored?.contactId ?? resolution.contactId
    const conversation = await this.ensureConversation(
      call,
      contactId,
      resolution,
      conversationStep,
      findExisting,
      signal,
    )
    const conversationId = conversation.id
    const catchAllNote =
      resolution.status === 'matched' && resolution.via === 'catch-all' ? catchAllLine(call, resolution) : null
    const noted = await this.ensureNote(call, conversation, facts, revision, noteStep, catchAllNote, signal)
    const attributes = await this.attributes.apply({ call, contactId, conversationId, signal })
    const updated = noted === 'updated' || (noted === 'unchanged' && attributes.status === 'written')
    // Found whole in Intercom (another store logged it): nothing was written.
    if (noted === 'unchanged' && !updated) return { status: 'already-done', conversationId, contactId }
    return { status: updated ? 'updated' : 'logged', conversationId, contactId, resolution }
  }

  /** What logging this call would write, from what the ledger knows of it. */
  private planOf(call: CallRecord, conversation: LedgerStep | undefined, note: LedgerStep | undefined): CallWritePlan {
    const known = conversation?.status === 'done' ? conversation.externalId : null
    return {
      conversationId: known ?? null,
      note: known && note?.status === 'done' ? 'update' : 'add',
      tagAttributes: this.attributes.plan(call).writes.map((write) => write.attribute),
    }
  }

  private async attributesChanged(
    call: CallRecord,
    contactId: string,
    conversationId: string | null,
  ): Promise<boolean> {
    if (!this.attributes.enabled) return false
    const plan = this.attributes.plan(call)
    if (plan.writes.length === 0) return false
    const step = await this.deps.store.ledger.get(`call:${call.callId}:attrs`)
    return !(
      step?.status === 'done' &&
      step.data.hash === plan.hash &&
      step.data.target === `${contactId}/${conversationId ?? '-'}`
    )
  }

  /**
   * Claims the conversation step, then finds what an earlier attempt or another store may have written before
   * creating anything. The step is completed by `ensureNote`, in the commit that claims the note step (grouped
   * writes: one commit serves every call that reached that point in the same event-loop turn).
   */
  private async ensureConversation(
    call: CallRecord,
    contactId: string,
    resolution: Resolution,
    step: LedgerStep | undefined,
    findExisting: boolean,
    signal: AbortSignal | undefined,
  ): Promise<EnsuredConversation> {
    const { store, intercom } = this.deps
    const key = conversationStepKey(call.callId)
    const completing = (id: string, created: boolean, reconcileNote: boolean): EnsuredConversation => ({
      id,
      created,
      reconcileNote,
      complete: () => store.ledger.complete(key, id, { contactId, resolution, created }),
    })
    const settled = (done: LedgerStep): EnsuredConversation | null =>
      done.externalId
        ? {
            id: done.externalId,
            created: done.data.created !== false,
            // A conversation the pre-pass found may or may not carry the note yet.
            reconcileNote: done.data.discovered === true,
            complete: () => Promise.resolve(),
          }
        : null
    if (step?.status === 'done') {
      const known = settled(step)
      if (known) return known
    }
    const claim = await claimWhenFree(this.claims, key, { contactId, resolution }, signal)
    if (claim.status === 'done') {
      const known = settled(claim.step)
      if (known) return known
    }
    const resumed = claim.status === 'claimed' && claim.resumed !== null
    if (resumed || findExisting) {
      const found = await this.findCallConversation(contactId, call, signal)
      if (found !== null) return completing(found, true, true)
    }
    if (this.deps.config.logging.mode === 'note') {
      const open = await this.latestOpenConversation(contactId, signal)
      if (open !== null) return completing(open, false, true)
    }
    const message = await intercom.conversations.create(
      { contactId, body: conversationSummary(call), createdAt: call.startedAt },
      { signal },
    )
    return completing(message.conversation_id, true, false)
  }

  private async ensureNote(
    call: CallRecord,
    ensured: EnsuredConversation,
    facts: CallFacts,
    revision: string,
    stepRead: LedgerStep | undefined,
    catchAllNote: string | null,
    signal: AbortSignal | undefined,
  ): Promise<'logged' | 'updated' | 'unchanged'> {
    const { store, intercom, adminId } = this.deps
    const conversationId = ensured.id
    const key = noteStepKey(call.callId)
    let step = stepRead?.status === 'done' ? stepRead : undefined
    // Queued before the note's claim, so the conversation's completion and that claim share one commit.
    await ensured.complete()
    if (!step) {
      const claim = await claimWhenFree(this.claims, key, { conversationId, revision, facts }, signal)
      if (claim.status === 'done') {
        step = claim.step
      } else {
        let partId =
          claim.resumed !== null || ensured.reconcileNote
            ? await this.findNotePart(conversationId, call.callId, undefined, signal)
            : null
        // A note an interrupted attempt (this store's, or another host's) already wrote is not logged again,
        // nor counted as logged by this run.
        const written = partId === null
        if (partId === null) {
          const body =
            renderCallNote(callTemplateContext(call), this.deps.noteTemplate) +
            (catchAllNote ?? '') +
            markerHtml(call.callId, revision)
          const conversation = await intercom.conversations.addNote(conversationId, { adminId, body }, { signal })
          partId = lastMarkedPart(conversation, call.callId) ?? conversationId
        }
        // The attribute is written after the note and before the step completes: a conversation carrying it is
        // known to carry its note (a pre-pass over a fresh state file then reads nothing more), and a crash in
        // between leaves the step pending, so the next attempt finds the note and writes the attribute.
        if (ensured.created) await this.recordCallId(conversationId, call.callId, signal)
        await store.ledger.complete(key, partId, { conversationId, revision, facts })
        return written ? 'logged' : 'unchanged'
      }
    }
    if (step.data.revision === revision || step.data.revision === null || step.data.revision === undefined) {
      return 'unchanged'
    }

    const updateKey = updateStepKey(call.callId, revision)
    const update = await claimWhenFree(this.claims, updateKey, { conversationId }, signal)
    let partId = update.status === 'done' ? update.step.externalId : null
    if (update.status === 'claimed' && update.resumed !== null)
      partId = await this.findNotePart(conversationId, call.callId, revision, signal)
    if (update.status === 'claimed' && partId === null) {
      const before = (step.data.facts ?? {}) as Partial<CallFacts>
      const body = updateNoteBody(call.callId, before, facts, revision)
      const conversation = await intercom.conversations.addNote(conversationId, { adminId, body }, { signal })
      partId = lastMarkedPart(conversation, call.callId) ?? conversationId
    }
    const done = partId
    const noteId = step.externalId
    await store.transaction(async (tx) => {
      await tx.ledger.complete(updateKey, done, { conversationId })
      await tx.ledger.complete(key, noteId, { revision, facts })
    })
    return 'updated'
  }

  /** Writes the call id into the conversation attribute; the body marker still reconciles when it cannot. */
  private async recordCallId(conversationId: string, callId: string, signal: AbortSignal | undefined): Promise<void> {
    const name = this.deps.config.logging.callIdAttribute
    // Only success or a refusal is remembered: a transient failure (5xx, reset, timeout) must not switch the
    // attribute off for the rest of the run. It is thrown instead, the step stays pending, and the retry
    // finds the conversation by its marker and writes the id then.
    this.callIdAttributeReady ??= this.ensurer.ensure('conversation', name, 'string').then(
      () => true,
      (error: unknown) => {
        if (isRefusal(error)) return false
        this.callIdAttributeReady = null
        throw error
      },
    )
    if (!(await this.callIdAttributeReady)) return
    try {
      await this.deps.intercom.conversations.update(conversationId, { customAttributes: { [name]: callId } }, signal)
    } catch (error) {
      if (!isRefusal(error)) throw error
    }
  }

  /**
   * The call's conversation among the contact's, by the call-id attribute or the marker of its first message. It
   * was created with the call's start time, so only conversations from two days before on are read (dates are
   * compared by calendar day in the workspace's zone).
   */
  private async findCallConversation(
    contactId: string,
    call: CallRecord,
    signal: AbortSignal | undefined,
  ): Promise<string | null> {
    const attribute = this.deps.config.logging.callIdAttribute
    const callId = call.callId
    let read = 0
    const query = conversationQuery.and(
      conversationQuery.eq('contact_ids', contactId),
      conversationQuery.gt('created_at', call.startedAt - 2 * 86_400),
    )
    for await (const conversation of this.deps.intercom.conversations.search(query, { perPage: 150, signal })) {
      if (conversation.custom_attributes?.[attribute] === callId) return conversation.id
      if (hasCallMarker(conversation.source?.body, callId)) return conversation.id
      if (++read >= RECONCILE_LIMIT) break
    }
    return null
  }

  private async latestOpenConversation(contactId: string, signal: AbortSignal | undefined): Promise<string | null> {
    const query = conversationQuery.and(
      conversationQuery.eq('contact_ids', contactId),
      conversationQuery.eq('open', true),
    )
    for await (const conversation of this.deps.intercom.conversations.search(query, {
      perPage: 1,
      sort: { field: 'updated_at', order: 'descending' },
      signal,
    })) {
      return conversation.id
    }
    return null
  }

  private async findNotePart(
    conversationId: string,
    callId: string,
    revision: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<string | null> {
    const conversation = await this.deps.intercom.conversations.get(conversationId, signal)
    return lastMarkedPart(conversation, callId, revision)
  }
}

interface EnsuredConversation {
  id: string
  /** Created for this call (it takes the call-id attribute), not an open conversation the note joins. */
  created: boolean
  /** The conversation existed before this attempt: it may already carry the note. */
  reconcileNote: boolean
  /** Records the conversation step as done; idempotent in effect (the same row written again). */
  complete: () => Promise<void>
}

/**
 * The contact a call was already logged on, as this run sees it: matched, never "created" again (a rerun after
 * Aircall rewrote the call would otherwise count the contact as created by this run).
 */
function reused(stored: Exclude<Resolution, { status: 'unmatched' }>): Resolution {
  if (stored.status === 'matched') return stored
  return {
    status: 'matched',
    contactId: stored.contactId,
    role: stored.role,
    e164: stored.e164,
    via: 'index',
    reason: 'the contact this call was logged on',
    candidates: 1,
  }
}

function storedResolutionOf(step: LedgerStep | undefined): Exclude<Resolution, { status: 'unmatched' }> | null {
  if (step?.data.resolution === undefined) return null
  const parsed = storedResolution.safeParse(step.data.resolution)
  return parsed.success ? (parsed.data as unknown as Exclude<Resolution, { status: 'unmatched' }>) : null
}

/** The newest conversation part carrying the call's marker (and revision, when given). */
function lastMarkedPart(conversation: IntercomConversation, callId: string, revision?: string): string | null {
  const parts = conversation.conversation_parts?.conversation_parts ?? []
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i]
    if (part && hasCallMarker(part.body, callId, revision)) return part.id
  }
  return null
}

/**
 * A call on the catch-all contact: the template sees no caller phone (it only ever shows a valid one), so the number
 * as Aircall sent it is written under the note, the one place a reader can still recognise the caller.
 */
const catchAllLine = (call: CallRecord, resolution: Extract<Resolution, { status: 'matched' }>): string =>
  resolution.catchAllFor === 'ambiguous'
    ? `<p>Caller ${escapeHtml(resolution.e164 ?? call.rawDigits)} matches several Intercom contacts equally ` +
      `(${escapeHtml((resolution.candidateIds ?? []).join(', '))}): logged here rather than on one of them. ` +
      `Merge or correct them in Intercom.</p>`
    : `<p>Caller number as Aircall sent it: ${escapeHtml(call.rawDigits)} (not a valid phone number)</p>`

/** Intercom refused the attribute itself (invalid, over the 250 limit, not allowed): retrying cannot help. */
const isRefusal = (error: unknown): boolean =>
  error instanceof ValidationError || (error instanceof ApiError && (error.status === 422 || error.status === 403))
