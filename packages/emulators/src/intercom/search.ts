/**
 * Intercom's search query language (§3.1, §3.11): AND/OR groups, the operator/type matrix, day-granular dates
 * (≤2.16), body cursors. Validation errors are 400s so a client bug never silently returns an empty page.
 */
import { createHash } from 'node:crypto'
import { ApiError, invalid } from './errors.js'

export type FieldType = 'string' | 'integer' | 'float' | 'boolean' | 'date' | 'tag'

export interface FieldSpec<T> {
  type: FieldType
  /** A scalar, or an array for multi-valued fields (tag ids, contact ids) where `=` means "contains". */
  get: (record: T) => unknown
  /** Restricts accepted values (e.g. role: user|lead). */
  allowed?: readonly string[]
}

export type FieldResolver<T> = (field: string) => FieldSpec<T> | null

/** Resolves each field once for the length of one request: a search compares it for every record. */
export function cachedFieldResolver<T>(resolve: FieldResolver<T>): FieldResolver<T> {
  const specs = new Map<string, FieldSpec<T> | null>()
  return (field) => {
    if (!specs.has(field)) specs.set(field, resolve(field))
    return specs.get(field) ?? null
  }
}

const OPERATORS: Record<FieldType, readonly string[]> = {
  string: ['=', '!=', 'IN', 'NIN', '~', '!~', '^', '$'],
  tag: ['=', '!='],
  boolean: ['=', '!=', 'IN', 'NIN'],
  integer: ['=', '!=', 'IN', 'NIN', '<', '>', '<=', '>='],
  float: ['=', '!=', 'IN', 'NIN', '<', '>', '<=', '>='],
  date: ['=', '<', '>'],
}
const ALL_OPERATORS = new Set(['=', '!=', 'IN', 'NIN', '<', '<=', '>', '>=', '~', '!~', '^', '$'])

export interface SearchLimits {
  maxNestedLevels: number
  maxFiltersPerGroup: number
  /** Workspace timezone offset for day-granular date matching. */
  timezoneOffsetMinutes: number
}

/** The emulator's configured search limits, as every search endpoint applies them. */
export const searchLimitsOf = (config: {
  searchMaxNestedLevels: number
  searchMaxFiltersPerGroup: number
  timezoneOffsetMinutes: number
}): SearchLimits => ({
  maxNestedLevels: config.searchMaxNestedLevels,
  maxFiltersPerGroup: config.searchMaxFiltersPerGroup,
  timezoneOffsetMinutes: config.timezoneOffsetMinutes,
})

type Predicate<T> = (record: T) => boolean

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function compileQuery<T>(query: unknown, resolve: FieldResolver<T>, limits: SearchLimits): Predicate<T> {
  return compileNode(query, resolve, limits, 0)
}

function compileNode<T>(node: unknown, resolve: FieldResolver<T>, limits: SearchLimits, depth: number): Predicate<T> {
  if (!isRecord(node)) throw invalid('query must be an object')
  if ('field' in node) return compileFilter(node, resolve, limits)
  const op = node.operator
  if (op !== 'AND' && op !== 'OR') throw invalid(`Unsupported group operator '${String(op)}': use AND or OR`)
  if (!Array.isArray(node.value) || node.value.length === 0)
    throw invalid(`${op} group value must be a non-empty array`)
  if (depth > limits.maxNestedLevels) {
    throw invalid(`Too many nested filters: max ${limits.maxNestedLevels} nested levels`)
  }
  if (node.value.length > limits.maxFiltersPerGroup) {
    throw invalid(`Too many filters in ${op} group: max ${limits.maxFiltersPerGroup}`)
  }
  const children = node.value.map((child) => compileNode(child, resolve, limits, depth + 1))
  return op === 'AND' ? (r) => children.every((p) => p(r)) : (r) => children.some((p) => p(r))
}

function compileFilter<T>(
  node: Record<string, unknown>,
  resolve: FieldResolver<T>,
  limits: SearchLimits,
): Predicate<T> {
  const { field, operator, value } = node
  if (typeof field !== 'string') throw invalid('filter field must be a string')
  if (typeof operator !== 'string' || !ALL_OPERATORS.has(operator)) {
    throw invalid(`Unsupported operator '${String(operator)}' for field '${field}'`)
  }
  const spec = resolve(field)
  if (!spec) throw invalid(`'${field}' is not a searchable field`, field)
  if (!OPERATORS[spec.type].includes(operator)) {
    throw invalid(`Operator '${operator}' is not supported for field '${field}' of type ${spec.type}`, field)
  }
  const multi = operator === 'IN' || operator === 'NIN'
  if (multi) {
    if (!Array.isArray(value)) throw invalid(`Operator '${operator}' needs an array value for field '${field}'`, field)
    for (const v of value) checkValue(field, spec, v, operator)
  } else {
    if (Array.isArray(value)) throw invalid(`Operator '${operator}' does not accept an array for '${field}'`, field)
    checkValue(field, spec, value, operator)
  }
  const day = (seconds: number): number => Math.floor((seconds + limits.timezoneOffsetMinutes * 60) / 86_400)
  return (record) => {
    const raw = spec.get(record)
    const values: unknown[] = Array.isArray(raw) ? raw : [raw]
    const isEmpty = raw === null || raw === undefined || raw === '' || (Array.isArray(raw) && raw.length === 0)
    switch (operator) {
      case '=':
        if (value === null) return isEmpty
        return spec.type === 'date'
          ? values.some((v) => typeof v === 'number' && day(v) === day(Number(value)))
          : values.some((v) => v === value)
      case '!=':
        if (value === null) return !isEmpty
        return spec.type === 'date'
          ? !values.some((v) => typeof v === 'number' && day(v) === day(Number(value)))
          : !values.some((v) => v === value)
      case 'IN':
        return Array.isArray(value) && values.some((v) => value.includes(v))
      case 'NIN':
        return Array.isArray(value) && !values.some((v) => value.includes(v))
      case '<':
      case '<=':
      case '>':
      case '>=':
        return values.some(
          (v) =>
            typeof v === 'number' &&
            compareNumbers(
              operator,
              spec.type === 'date' ? day(v) : v,
              spec.type === 'date' ? day(Number(value)) : Number(value),
            ),
        )
      case '~':
        return values.some((v) => typeof v === 'string' && v.includes(String(value)))
      case '!~':
        return !values.some((v) => typeof v === 'string' && v.includes(String(value)))
      case '^':
        return values.some((v) => typeof v === 'string' && v.startsWith(String(value)))
      case '$':
        return values.some((v) => typeof v === 'string' && v.endsWith(String(value)))
      default:
        return false
    }
  }
}

function compareNumbers(operator: string, a: number, b: number): boolean {
  if (operator === '<') return a < b
  if (operator === '<=') return a <= b
  if (operator === '>') return a > b
  return a >= b
}

function checkValue<T>(field: string, spec: FieldSpec<T>, value: unknown, operator: string): void {
  if (value === null) {
    if (operator === '=' || operator === '!=') return
    throw invalid(`Operator '${operator}' does not accept null for '${field}'`, field)
  }
  const bad = (expected: string): ApiError => invalid(`Value for '${field}' must be ${expected}`, field)
  switch (spec.type) {
    case 'string':
    case 'tag':
      if (typeof value !== 'string') throw bad('a string')
      if (spec.allowed && !spec.allowed.includes(value)) throw bad(`one of ${spec.allowed.join(', ')}`)
      return
    case 'boolean':
      if (typeof value !== 'boolean') throw bad('a boolean')
      return
    case 'integer':
    case 'date':
      if (typeof value !== 'number' || !Number.isInteger(value))
        throw bad(spec.type === 'date' ? 'a UNIX timestamp' : 'an integer')
      return
    case 'float':
      if (typeof value !== 'number') throw bad('a number')
      return
  }
}

export interface SortSpec {
  field: string
  order: 'ascending' | 'descending'
}

export function parseSort(
  sort: unknown,
  strictOrder: boolean,
  resolveSortable: (field: string) => boolean,
): SortSpec | null {
  if (sort === undefined || sort === null) return null
  if (!isRecord(sort) || typeof sort.field !== 'string') throw invalid('sort.field must be a string')
  if (!resolveSortable(sort.field)) throw invalid(`'${sort.field}' is not a sortable field`, 'sort.field')
  const order = sort.order ?? 'descending'
  if (order !== 'ascending' && order !== 'descending') {
    if (strictOrder) {
      throw new ApiError(
        400,
        'invalid_sort_order',
        `Invalid sort order '${typeof order === 'string' ? order : JSON.stringify(order)}'. Must be one of: ascending, descending`,
      )
    }
    return { field: sort.field, order: 'descending' }
  }
  return { field: sort.field, order }
}

export interface Page<T> {
  items: T[]
  totalCount: number
  pages: Record<string, unknown>
}

/**
 * Keyset pagination: the cursor names the last item seen (by id) and the query it belongs to, so records created
 * between pages neither repeat nor shift the next page, and a cursor replayed against another query is refused.
 */
export function paginate<T>(
  sorted: readonly T[],
  idOf: (item: T) => string,
  pagination: unknown,
  queryFingerprint: unknown,
  defaultPerPage: number,
  maxPerPage: number,
  /** Position of an id in `sorted` (-1 when absent), for results large enough to keep a lookup table. */
  positionOf: (id: string) => number = (id) => sorted.findIndex((item) => idOf(item) === id),
): Page<T> {
  let perPage = defaultPerPage
  let startingAfter: string | null = null
  if (pagination !== undefined && pagination !== null) {
    if (!isRecord(pagination)) throw invalid('pagination must be an object')
    if (pagination.per_page !== undefined) {
      const pp = pagination.per_page
      if (typeof pp !== 'number' || !Number.isInteger(pp) || pp < 1 || pp > maxPerPage) {
        throw invalid(`per_page must be an integer between 1 and ${maxPerPage}`, 'pagination.per_page')
      }
      perPage = pp
    }
    if (pagination.starting_after !== undefined && pagination.starting_after !== null) {
      if (typeof pagination.starting_after !== 'string') throw invalid('starting_after must be a string')
      startingAfter = pagination.starting_after
    }
  }
  const fingerprint = createHash('sha1').update(JSON.stringify(queryFingerprint)).digest('hex').slice(0, 12)
  let start = 0
  if (startingAfter !== null) {
    const decoded = decodeCursor(startingAfter)
    if (!decoded || decoded.q !== fingerprint)
      throw invalid('Invalid starting_after cursor', 'pagination.starting_after')
    const index = positionOf(decoded.id)
    // A vanished anchor (merged away) falls back to its recorded position rather than restarting at page 1.
    start = index >= 0 ? index + 1 : Math.min(decoded.pos, sorted.length)
  }
  const items = sorted.slice(start, start + perPage)
  const totalPages = Math.ceil(sorted.length / perPage)
  const pages: Record<string, unknown> = {
    type: 'pages',
    page: Math.floor(start / perPage) + 1,
    per_page: perPage,
    total_pages: totalPages,
  }
  const last = items[items.length - 1]
  if (last !== undefined && start + perPage < sorted.length) {
    pages.next = {
      per_page: perPage,
      starting_after: encodeCursor({ q: fingerprint, id: idOf(last), pos: start + perPage }),
    }
  }
  return { items, totalCount: sorted.length, pages }
}

interface Cursor {
  q: string
  id: string
  pos: number
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url')
}

function decodeCursor(text: string): Cursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
    if (
      !isRecord(value) ||
      typeof value.q !== 'string' ||
      typeof value.id !== 'string' ||
      typeof value.pos !== 'number'
    ) {
      return null
    }
    return { q: value.q, id: value.id, pos: value.pos }
  } catch {
    return null
  }
}

/** Sort order when a search names none. */
export const DEFAULT_SORT_FIELD = 'created_at'

/** True when `sort` orders like no sort at all: created_at ascending, ties by id. */
export function isDefaultSort(sort: SortSpec | null): boolean {
  return sort === null || (sort.field === DEFAULT_SORT_FIELD && sort.order === 'ascending')
}

/** `valueOf` must be pure: each record's value and id are read once, then compared. */
export function sortRecords<T>(
  records: readonly T[],
  sort: SortSpec | null,
  valueOf: (r: T, field: string) => unknown,
  idOf: (r: T) => string,
): T[] {
  const field = sort?.field ?? DEFAULT_SORT_FIELD
  const dir = (sort?.order ?? 'ascending') === 'ascending' ? 1 : -1
  const keyed = records.map((record) => ({ record, value: valueOf(record, field), id: idOf(record) }))
  keyed.sort((a, b) => {
    const cmp = compareValues(a.value, b.value)
    if (cmp !== 0) return cmp * dir
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  })
  return keyed.map((k) => k.record)
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0
  if (a === null || a === undefined) return -1
  if (b === null || b === undefined) return 1
  if (typeof a === 'number' && typeof b === 'number') return a - b
  const sa = typeof a === 'string' ? a : JSON.stringify(a)
  const sb = typeof b === 'string' ? b : JSON.stringify(b)
  return sa < sb ? -1 : 1
}
