import type { AircallClient } from '../aircall/client.js'
import { normaliseAircallCall, type CallRecord } from '../domain/call-record.js'
import { parseDateInput } from '../domain/date-input.js'
import { UserError } from '../errors.js'
import type { IntercomClient } from '../intercom/client.js'
import { normalisePhone } from '../phone/index.js'
import type { ContactResolver, Resolution } from './types.js'

const DAY_MS = 86_400_000
export const DEFAULT_AUDIT_DAYS = 30

export type UnmatchedReason = Extract<Resolution, { status: 'unmatched' }>['reason']

export interface UnmatchedCaller {
  /** The number as Aircall reported it on the latest call ("anonymous" for withheld callers). */
  dialled: string
  e164: string | null
  reason: UnmatchedReason
  calls: number
  lastCallAt: string
  lastCallId: string
  /** Numbers, search variants and emails that were looked for. */
  tried: string[]
  detail: string
  /** Reason "ambiguous": the contacts that stayed equally plausible (the call was attached to none of them). */
  candidates?: string[]
  /** With --create: what the resolver made of the caller. */
  created?: { contactId: string; role: 'user' | 'lead'; status: 'created' | 'matched' } | { error: string }
}

export interface AuditResult {
  /** Things the reader should know about the range, e.g. that it started before what Aircall still serves. */
  notes: string[]
  since: string
  until: string
  callsScanned: number
  callers: number
  matchedCallers: number
  unmatched: UnmatchedCaller[]
  byReason: Record<UnmatchedReason, number>
  anonymousCalls: number
  created: number
  elapsedMs: number
  requests: { aircall: number; intercom: number }
}

export type AuditEvent =
  | { type: 'calls'; scanned: number; inWindow: number; windowEnd: number }
  | { type: 'resolved'; done: number; total: number }

export interface AuditDeps {
  aircall: AircallClient
  intercom: IntercomClient
  resolver: ContactResolver
  now: () => number
}

export interface AuditOptions {
  /** UNIX seconds, exclusive. */
  since: number
  /** UNIX seconds, inclusive. */
  until: number
  create: boolean
  notes?: string[]
  concurrency?: number
  signal?: AbortSignal
  onEvent?: (event: AuditEvent) => void
}

interface CallerCalls {
  calls: number
  latest: CallRecord
  /** The call whose Aircall contact carries emails, so email matching has something to try. */
  withEmail: CallRecord | null
}

/**
 * Lists the callers of a period that resolve to no Intercom contact (the resolver with create=false), grouped by
 * caller, and with `create` creates the ones that have a valid number.
 */
export async function auditUnmatched(deps: AuditDeps, options: AuditOptions): Promise<AuditResult> {
  const started = deps.now()
  const before = { aircall: deps.aircall.gate.stats().requests, intercom: deps.intercom.gate.stats().requests }
  const { groups, scanned } = await collectCallers(deps.aircall, options)

  const entries = [...groups.values()]
  const resolutions = await mapPool(entries, options.concurrency ?? 4, async (group, index) => {
    const resolution = await deps.resolver.resolve(group.withEmail ?? group.latest, {
      create: false,
      signal: options.signal,
    })
    options.onEvent?.({ type: 'resolved', done: index + 1, total: entries.length })
    return resolution
  })

  const unmatched: UnmatchedCaller[] = []
  const groupOf = new Map<UnmatchedCaller, CallerCalls>()
  const byReason: Record<UnmatchedReason, number> = { 'no-contact': 0, 'invalid-number': 0, anonymous: 0, ambiguous: 0 }
  let anonymousCalls = 0
  entries.forEach((group, index) => {
    const resolution = resolutions[index]
    if (!resolution || resolution.status !== 'unmatched') return
    byReason[resolution.reason]++
    if (resolution.reason === 'anonymous') anonymousCalls += group.calls
    const caller: UnmatchedCaller = {
      dialled: group.latest.rawDigits,
      e164: resolution.e164,
      reason: resolution.reason,
      calls: group.calls,
      lastCallAt: new Date(group.latest.startedAt * 1000).toISOString(),
      lastCallId: group.latest.callId,
      tried: resolution.tried,
      detail: resolution.detail,
    }
    if (resolution.candidates) caller.candidates = resolution.candidates
    unmatched.push(caller)
    groupOf.set(caller, group)
  })
  unmatched.sort((a, b) => b.calls - a.calls || (a.dialled < b.dialled ? -1 : a.dialled > b.dialled ? 1 : 0))

  let created = 0
  if (options.create) {
    for (const caller of unmatched) {
      if (caller.reason !== 'no-contact' || !caller.e164) continue
      const group = groupOf.get(caller)
      if (!group) continue
      try {
        const resolution = await deps.resolver.resolve(group.withEmail ?? group.latest, {
          create: true,
          signal: options.signal,
        })
        if (resolution.status === 'created') created++
        if (resolution.status !== 'unmatched') {
          caller.created = { contactId: resolution.contactId, role: resolution.role, status: resolution.status }
        }
      } catch (error) {
        caller.created = { error: error instanceof Error ? error.message : String(error) }
      }
    }
  }

  return {
    notes: options.notes ?? [],
    since: new Date(options.since * 1000).toISOString(),
    until: new Date(options.until * 1000).toISOString(),
    callsScanned: scanned,
    callers: entries.length,
    matchedCallers: entries.length - unmatched.length,
    unmatched,
    byReason,
    anonymousCalls,
    created,
    elapsedMs: deps.now() - started,
    requests: {
      aircall: deps.aircall.gate.stats().requests - before.aircall,
      intercom: deps.intercom.gate.stats().requests - before.intercom,
    },
  }
}

async function collectCallers(
  aircall: AircallClient,
  options: AuditOptions,
): Promise<{ groups: Map<string, CallerCalls>; scanned: number }> {
  const groups = new Map<string, CallerCalls>()
  const seen = new Set<number>()
  let scanned = 0
  for await (const window of aircall.calls.windows({
    since: options.since,
    until: options.until,
    signal: options.signal,
  })) {
    const before = scanned
    // `fetch_contact` brings the Aircall contact's emails, which the resolver tries when the number matches nobody.
    const calls = aircall.calls.list(
      { from: window.from, to: window.to, order: 'asc', fetchContact: true },
      options.signal,
    )
    for await (const raw of calls) {
      if (seen.has(raw.id)) continue
      seen.add(raw.id)
      scanned++
      const call = normaliseAircallCall(raw)
      const key = callerKey(call.rawDigits)
      const group = groups.get(key)
      const hasEmail = (call.contact?.emails.length ?? 0) > 0
      if (!group) {
        groups.set(key, { calls: 1, latest: call, withEmail: hasEmail ? call : null })
        continue
      }
      group.calls++
      if (call.startedAt >= group.latest.startedAt) group.latest = call
      if (hasEmail) group.withEmail = call
    }
    options.onEvent?.({ type: 'calls', scanned, inWindow: scanned - before, windowEnd: window.to })
  }
  return { groups, scanned }
}

/** One group per E.164 number when valid (a number spelled two ways is one caller), else per raw string. */
function callerKey(rawDigits: string): string {
  const phone = normalisePhone(rawDigits)
  if (phone.kind === 'valid') return phone.e164
  return phone.kind === 'anonymous' ? 'anonymous' : rawDigits.trim().toLowerCase()
}

async function mapPool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  let done = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index] as T, done++)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, Math.max(1, items.length)) }, worker))
  return results
}

/**
 * `--since`/`--until` as UNIX seconds: ISO dates (`2026-05-01`, UTC midnight; an `--until` date includes that whole
 * day) or ISO datetimes (UTC unless they carry an offset). Default: the last 30 days.
 */
export function parseAuditRange(
  input: { since?: string | undefined; until?: string | undefined },
  nowMs: number,
): { since: number; until: number } {
  const untilMs = input.until === undefined ? nowMs : parseDateInput('--until', input.until, nowMs, 'end')
  const sinceMs =
    input.since === undefined
      ? untilMs - DEFAULT_AUDIT_DAYS * DAY_MS
      : parseDateInput('--since', input.since, nowMs, 'start')
  if (!(sinceMs < untilMs)) {
    throw new UserError(
      `--since (${new Date(sinceMs).toISOString()}) must be before --until (${new Date(untilMs).toISOString()})`,
      'pass an earlier --since or a later --until',
    )
  }
  return { since: Math.floor(sinceMs / 1000), until: Math.floor(untilMs / 1000) }
}
