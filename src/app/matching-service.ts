import type { Runtime } from './runtime.js'
import { auditUnmatched, parseAuditRange, type AuditEvent, type AuditResult } from '../matching/audit.js'
import { dedupeContacts, type DedupeOptions, type DedupeResult } from '../matching/dedupe.js'
import {
  refreshContactIndex,
  type ContactIndexDeps,
  type RefreshOptions,
  type RefreshResult,
} from '../matching/refresh.js'
import type { ContactResolver } from '../matching/types.js'

/** The runtime's one resolver, so every sync path of a process shares its in-flight lookups and creates. */
export function resolverFor(runtime: Runtime): ContactResolver {
  return runtime.resolver
}

function indexDeps(runtime: Runtime): ContactIndexDeps {
  return { matching: runtime.config.matching, store: runtime.store, intercom: runtime.intercom, now: runtime.now }
}

export function refreshContacts(runtime: Runtime, options: RefreshOptions = {}): Promise<RefreshResult> {
  return refreshContactIndex(indexDeps(runtime), options)
}

/**
 * Keeps matching independent of anyone remembering `contacts refresh`: the runtime's resolver runs an incremental
 * refresh (a full one the first time) before the first caller it looks up. `backfill`, `sync` and `audit` call it
 * before their run.
 */
export function refreshContactsBeforeMatching(runtime: Runtime): void {
  runtime.resolver.refreshBeforeFirstLookup()
}

export function dedupe(runtime: Runtime, options: DedupeOptions): Promise<DedupeResult> {
  return dedupeContacts(indexDeps(runtime), options)
}

export interface AuditRequest {
  since?: string
  until?: string
  create: boolean
  signal?: AbortSignal
  onEvent?: (event: AuditEvent) => void
}

export function auditUnmatchedCallers(runtime: Runtime, request: AuditRequest): Promise<AuditResult> {
  const range = parseAuditRange({ since: request.since, until: request.until }, runtime.now())
  // Aircall serves no call older than its retention: reading those windows would only spend the rate budget.
  const { retentionDays } = runtime.config.aircall
  const horizon = Math.floor(runtime.now() / 1000) - retentionDays * 86_400
  const notes: string[] = []
  if (range.since < horizon && horizon < range.until) {
    notes.push(
      `Aircall keeps ${retentionDays} days of calls: the audit starts at ${new Date(horizon * 1000).toISOString()}`,
    )
    range.since = horizon
  }
  refreshContactsBeforeMatching(runtime)
  return auditUnmatched(
    { aircall: runtime.aircall, intercom: runtime.intercom, resolver: resolverFor(runtime), now: runtime.now },
    { ...range, create: request.create, notes, signal: request.signal, onEvent: request.onEvent },
  )
}
