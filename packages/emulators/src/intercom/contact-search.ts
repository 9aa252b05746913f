/**
 * POST /contacts/search (§3.1): the shared query language over contact fields, with the search-index lag. Equality
 * on id, email, phone, formatted_phone or external_id reads the workspace's indexes; any other query scans, and
 * its sorted result is kept until a contact changes, so paging through it costs one page per request.
 */
import type { ApiContext, ApiReply } from './context.js'
import { invalid } from './errors.js'
import { contactJson } from './contacts.js'
import { formattedPhone } from './render.js'
import type { RouteDef } from './routes.js'
import { planCandidates } from './search-plan.js'
import {
  cachedFieldResolver,
  compileQuery,
  searchLimitsOf,
  isDefaultSort,
  paginate,
  parseSort,
  sortRecords,
  type FieldResolver,
  type FieldSpec,
  type SortSpec,
} from './search.js'
import type { ContactRecord } from './state.js'

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const DATE_FIELDS: Record<string, (c: ContactRecord) => number | null> = {
  created_at: (c) => c.createdAt,
  updated_at: (c) => c.updatedAt,
  signed_up_at: (c) => c.signedUpAt,
  last_seen_at: (c) => c.lastSeenAt,
  last_contacted_at: () => null,
  last_replied_at: () => null,
  last_email_opened_at: () => null,
  last_email_clicked_at: () => null,
}

export function contactField(ctx: ApiContext, field: string): FieldSpec<ContactRecord> | null {
  const country = ctx.config.formattedPhoneDefaultCountry
  const str = (get: (c: ContactRecord) => unknown): FieldSpec<ContactRecord> => ({ type: 'string', get })
  switch (field) {
    case 'id':
      return str((c) => c.id)
    case 'role':
      return { type: 'string', get: (c) => c.role, allowed: ['user', 'lead'] }
    case 'name':
      return str((c) => c.name)
    case 'email':
      return str((c) => c.email)
    case 'email_domain':
      return str((c) => c.email?.split('@')[1] ?? null)
    case 'phone':
      // Exact string match on what was stored: no normalisation is documented.
      return str((c) => c.phone)
    case 'formatted_phone':
      if (!ctx.version.atLeast('2.16')) return null
      return ctx.config.formattedPhone ? str((c) => formattedPhone(c.phone, country)) : str(() => null)
    case 'external_id':
      return str((c) => c.externalId)
    case 'owner_id':
      return ctx.version.atLeast('2.16')
        ? str((c) => c.ownerId)
        : { type: 'integer', get: (c) => (c.ownerId === null ? null : Number(c.ownerId)) }
    case 'tag_id':
      return { type: 'tag', get: (c) => c.tags.map((t) => t.id) }
    case 'segment_id':
      return { type: 'string', get: () => [] }
    case 'unsubscribed_from_emails':
      return { type: 'boolean', get: (c) => c.unsubscribedFromEmails }
    case 'has_hard_bounced':
    case 'marked_email_as_spam':
      return { type: 'boolean', get: () => false }
  }
  const date = DATE_FIELDS[field]
  if (date) return { type: 'date', get: date }
  if (field.startsWith('custom_attributes.')) {
    const name = field.slice('custom_attributes.'.length)
    const def = ctx.ws.dataAttributes.find((a) => a.custom && a.model === 'contact' && a.name === name)
    if (!def) return null
    const type = def.dataType === 'options' ? 'string' : def.dataType === 'datetime' ? 'date' : def.dataType
    return { type, get: (c) => c.customAttributes[name] ?? null }
  }
  return null
}

function indexedContacts(ctx: ApiContext, field: string, value: string): Iterable<ContactRecord> | null {
  const index = ctx.ws.contactIndex
  switch (field) {
    case 'id': {
      const contact = ctx.ws.contacts.get(value)
      return contact === undefined ? [] : [contact]
    }
    case 'email':
      return index.email.lookup(value) ?? []
    case 'phone':
      return index.phone.lookup(value) ?? []
    case 'formatted_phone':
      if (!ctx.config.formattedPhone) return []
      return index.formattedPhone(ctx.config.formattedPhoneDefaultCountry).lookup(value) ?? []
    case 'external_id':
      return index.externalId.lookup(value) ?? []
    default:
      return null
  }
}

/** What a search matched, in order; `positionOf` when the result is cached and large enough to keep a table. */
interface Matches {
  items: readonly ContactRecord[]
  positionOf?: (id: string) => number
}

function matchContacts(
  ctx: ApiContext,
  query: unknown,
  predicate: (c: ContactRecord) => boolean,
  sort: SortSpec | null,
  field: FieldResolver<ContactRecord>,
): Matches {
  const nowMs = ctx.nowMs()
  const valueOf = (c: ContactRecord, f: string): unknown => field(f)?.get(c)
  const idOf = (c: ContactRecord): string => c.id
  const candidates = planCandidates(query, (f, v) => indexedContacts(ctx, f, v))
  if (candidates !== null) {
    const visible = ctx.ws.contactIndex.order
      .sort(candidates)
      .filter((c) => c.mergedInto === null && c.searchableFromMs <= nowMs && predicate(c))
    return { items: sortRecords(visible, sort, valueOf, idOf) }
  }
  const index = ctx.ws.contactIndex
  const { config } = ctx
  const key = JSON.stringify([
    ctx.version.name,
    config.formattedPhoneDefaultCountry ?? null,
    config.timezoneOffsetMinutes,
    query,
    sort,
  ])
  const cached = index.cachedScan(key, nowMs)
  if (cached !== null) return cached
  // Records already in the default order need no sort: filtering keeps their order.
  const presorted = isDefaultSort(sort)
  let floorMs = -Infinity
  let horizonMs = Infinity
  const matches: ContactRecord[] = []
  for (const c of presorted ? index.byCreatedAt() : ctx.ws.contacts.values()) {
    if (c.mergedInto !== null) continue
    if (c.searchableFromMs > nowMs) {
      horizonMs = Math.min(horizonMs, c.searchableFromMs)
      continue
    }
    floorMs = Math.max(floorMs, c.searchableFromMs)
    if (predicate(c)) matches.push(c)
  }
  const items = presorted ? matches : sortRecords(matches, sort, valueOf, idOf)
  return index.storeScan(key, items, floorMs, horizonMs)
}

function searchContacts(ctx: ApiContext): ApiReply {
  const body = ctx.body
  if (!isRecord(body) || body.query === undefined) throw invalid('query is required', 'query')
  const field = cachedFieldResolver<ContactRecord>((name) => contactField(ctx, name))
  const predicate = compileQuery(body.query, field, searchLimitsOf(ctx.config))
  const sort = parseSort(body.sort, ctx.version.atLeast('2.16'), (f) => field(f) !== null)
  const matches = matchContacts(ctx, body.query, predicate, sort, field)
  const page = paginate(
    matches.items,
    (c) => c.id,
    body.pagination,
    { q: body.query, s: body.sort ?? null },
    50,
    150,
    matches.positionOf,
  )
  return {
    body: {
      type: 'list',
      data: page.items.map((c) => contactJson(ctx, c)),
      total_count: page.totalCount,
      pages: page.pages,
    },
  }
}

export const contactSearchRoutes: RouteDef[] = [
  { method: 'POST', path: '/contacts/search', handler: searchContacts, readOnly: true },
]
