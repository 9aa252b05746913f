/**
 * POST /conversations/search: the shared query language over conversation fields. Equality on contact_ids or id
 * reads the workspace's indexes (a contact's conversations, as the call logger reconciles); anything else scans.
 */
import type { ApiContext, ApiReply } from './context.js'
import { invalid } from './errors.js'
import { renderConversation } from './render.js'
import type { RouteDef } from './routes.js'
import { planCandidates } from './search-plan.js'
import {
  cachedFieldResolver,
  compileQuery,
  paginate,
  parseSort,
  searchLimitsOf,
  sortRecords,
  type FieldSpec,
} from './search.js'
import type { ConversationRecord, Priority, Workspace } from './state.js'

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const PRIORITIES: readonly Priority[] = ['none', 'low', 'medium', 'high', 'urgent']

export function conversationField(ctx: ApiContext, field: string): FieldSpec<ConversationRecord> | null {
  const v216 = ctx.version.atLeast('2.16')
  const str = (get: (c: ConversationRecord) => unknown): FieldSpec<ConversationRecord> => ({ type: 'string', get })
  const assignee = (id: string | null): number | null => (id !== null ? Number(id) : v216 ? 0 : null)
  switch (field) {
    case 'id':
      return str((c) => c.id)
    case 'created_at':
      return { type: 'date', get: (c) => c.createdAt }
    case 'updated_at':
      return { type: 'date', get: (c) => c.updatedAt }
    case 'waiting_since':
      return { type: 'date', get: (c) => c.waitingSince }
    case 'snoozed_until':
      return { type: 'date', get: (c) => c.snoozedUntil }
    case 'title':
      return str((c) => c.title)
    case 'source.type':
      return str((c) => c.source.type)
    case 'source.id':
      return str((c) => c.source.id)
    case 'source.delivered_as':
      return str((c) => c.source.deliveredAs)
    case 'source.subject':
      return str((c) => c.source.subject)
    case 'source.body':
      // Matches individual words, not phrases (§3.11).
      return str((c) =>
        c.source.body
          .replace(/<[^>]+>/g, ' ')
          .split(/\s+/)
          .filter(Boolean),
      )
    case 'source.author.name':
      return str((c) => c.source.author.name)
    case 'source.author.email':
      return str((c) => c.source.author.email)
    case 'contact_ids':
      return str((c) => c.contactIds)
    case 'teammate_ids':
      return str((c) => [...new Set(c.parts.filter((p) => p.author.type === 'admin').map((p) => p.author.id))])
    case 'admin_assignee_id':
      return { type: 'integer', get: (c) => assignee(c.adminAssigneeId) }
    case 'team_assignee_id':
      return { type: 'integer', get: (c) => assignee(c.teamAssigneeId) }
    case 'open':
      return { type: 'boolean', get: (c) => c.state !== 'closed' }
    case 'read':
      return { type: 'boolean', get: (c) => c.read }
    case 'state':
      return { type: 'string', get: (c) => c.state, allowed: ['open', 'closed', 'snoozed'] }
    case 'tag_ids':
      return str((c) => c.tags.map((t) => t.id))
    case 'priority':
      return v216
        ? { type: 'string', get: (c) => c.priority, allowed: PRIORITIES }
        : {
            type: 'string',
            get: (c) => (c.priority === 'none' ? 'not_priority' : 'priority'),
            allowed: ['priority', 'not_priority'],
          }
    case 'statistics.count_conversation_parts':
      return { type: 'integer', get: (c) => c.parts.length + 1 }
  }
  if (field.startsWith('custom_attributes.') && ctx.config.conversationCustomAttributeSearch) {
    const name = field.slice('custom_attributes.'.length)
    const def = ctx.ws.conversationAttributes.find((a) => a.name === name)
    if (!def) return null
    const type =
      def.dataType === 'list'
        ? 'string'
        : def.dataType === 'decimal'
          ? 'float'
          : def.dataType === 'datetime'
            ? 'date'
            : def.dataType
    return { type, get: (c) => c.customAttributes[name] ?? null }
  }
  return null
}

function indexedConversations(ws: Workspace, field: string, value: string): Iterable<ConversationRecord> | null {
  if (field === 'contact_ids') return ws.conversationIndex.contactIds.lookup(value) ?? []
  if (field !== 'id') return null
  const conv = ws.conversations.get(value)
  return conv === undefined ? [] : [conv]
}

function searchConversations(ctx: ApiContext): ApiReply {
  const body = ctx.body
  if (!isRecord(body) || body.query === undefined) throw invalid('query is required', 'query')
  const field = cachedFieldResolver<ConversationRecord>((name) => conversationField(ctx, name))
  const predicate = compileQuery(body.query, field, searchLimitsOf(ctx.config))
  const sort = parseSort(body.sort, ctx.version.atLeast('2.16'), (f) => field(f) !== null)
  const candidates = planCandidates(body.query, (f, v) => indexedConversations(ctx.ws, f, v))
  // Candidates are put back in workspace order so the sort sees what a full scan would have given it.
  const pool =
    candidates === null ? [...ctx.ws.conversations.values()] : ctx.ws.conversationIndex.order.sort(candidates)
  const sorted = sortRecords(
    pool.filter(predicate),
    sort,
    (c, f) => field(f)?.get(c),
    (c) => c.id.padStart(20, '0'),
  )
  const page = paginate(sorted, (c) => c.id, body.pagination, { q: body.query, s: body.sort ?? null }, 20, 150)
  return {
    body: {
      type: 'conversation.list',
      conversations: page.items.map((c) => renderConversation(c, ctx.ws, ctx.version, false)),
      total_count: page.totalCount,
      pages: page.pages,
    },
  }
}

export const conversationSearchRoutes: RouteDef[] = [
  { method: 'POST', path: '/conversations/search', handler: searchConversations, readOnly: true },
]
