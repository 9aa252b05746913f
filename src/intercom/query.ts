/**
 * Typed builders for Intercom's search query language (`POST /contacts/search`, `/conversations/search`):
 * at most 2 levels of nesting and 15 filters per AND/OR group, which `and`/`or` check eagerly.
 */

export type SearchOperator = '=' | '!=' | 'IN' | 'NIN' | '<' | '<=' | '>' | '>=' | '~' | '!~' | '^' | '$'
export type SearchScalar = string | number | boolean | null

export interface SingleFilter<F extends string = string> {
  field: F
  operator: SearchOperator
  value: SearchScalar | SearchScalar[]
}

export interface CompoundFilter<F extends string = string> {
  operator: 'AND' | 'OR'
  value: Array<SearchQuery<F>>
}

export type SearchQuery<F extends string = string> = SingleFilter<F> | CompoundFilter<F>

export type ContactField =
  | 'id'
  | 'role'
  | 'name'
  | 'email'
  | 'email_domain'
  | 'phone'
  | 'formatted_phone'
  | 'external_id'
  | 'owner_id'
  | 'created_at'
  | 'updated_at'
  | 'signed_up_at'
  | 'last_seen_at'
  | 'tag_id'
  | 'segment_id'
  | `custom_attributes.${string}`

export type ConversationField =
  | 'id'
  | 'created_at'
  | 'updated_at'
  | 'source.type'
  | 'source.body'
  | 'source.author.email'
  | 'contact_ids'
  | 'admin_assignee_id'
  | 'team_assignee_id'
  | 'open'
  | 'state'
  | 'tag_ids'
  | 'priority'
  | `custom_attributes.${string}`

const MAX_GROUP = 15
const MAX_DEPTH = 2

function depth(query: SearchQuery): number {
  return 'field' in query ? 0 : 1 + Math.max(0, ...query.value.map(depth))
}

function group<F extends string>(operator: 'AND' | 'OR', filters: Array<SearchQuery<F>>): CompoundFilter<F> {
  if (filters.length === 0) throw new RangeError(`${operator} needs at least one filter`)
  if (filters.length > MAX_GROUP)
    throw new RangeError(`Intercom allows at most ${MAX_GROUP} filters per ${operator} group`)
  const built: CompoundFilter<F> = { operator, value: filters }
  if (depth(built) > MAX_DEPTH) throw new RangeError(`Intercom allows at most ${MAX_DEPTH} levels of nested filters`)
  return built
}

function single<F extends string>(
  field: F,
  operator: SearchOperator,
  value: SearchScalar | SearchScalar[],
): SingleFilter<F> {
  return { field, operator, value }
}

/** Builders typed by field set: `contactQuery.eq('phone', '+33…')`, `contactQuery.or(a, b)`. */
export function queryBuilder<F extends string>() {
  return {
    eq: (field: F, value: SearchScalar) => single(field, '=', value),
    ne: (field: F, value: SearchScalar) => single(field, '!=', value),
    in: (field: F, values: SearchScalar[]) => single(field, 'IN', values),
    nin: (field: F, values: SearchScalar[]) => single(field, 'NIN', values),
    lt: (field: F, value: number) => single(field, '<', value),
    lte: (field: F, value: number) => single(field, '<=', value),
    gt: (field: F, value: number) => single(field, '>', value),
    gte: (field: F, value: number) => single(field, '>=', value),
    contains: (field: F, value: string) => single(field, '~', value),
    notContains: (field: F, value: string) => single(field, '!~', value),
    startsWith: (field: F, value: string) => single(field, '^', value),
    endsWith: (field: F, value: string) => single(field, '$', value),
    and: (...filters: Array<SearchQuery<F>>) => group('AND', filters),
    or: (...filters: Array<SearchQuery<F>>) => group('OR', filters),
  }
}

export const contactQuery = queryBuilder<ContactField>()

/**
 * Conversation search documents `= != IN NIN > < ~ !~ ^ $` only (reference/intercom-api.md T.10): `>=` and `<=`
 * are not offered, so a query Intercom would refuse with a 400 cannot be written.
 */
const { gte: _gte, lte: _lte, ...conversationOperators } = queryBuilder<ConversationField>()
export const conversationQuery = conversationOperators
