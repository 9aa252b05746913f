/**
 * Which records a search can possibly match, read from equality indexes instead of a scan. The plan only narrows:
 * every candidate still goes through the compiled predicate, so a plan can never change what a search returns,
 * only how many records it looks at. Run it on a query `compileQuery` has already accepted.
 */

/** Records whose `field` holds exactly `value`, or null when that field has no index. */
export type IndexLookup<T> = (field: string, value: string) => Iterable<T> | null

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A superset of the records `query` matches, or null when only a full scan can tell. */
export function planCandidates<T>(query: unknown, lookup: IndexLookup<T>): Set<T> | null {
  if (!isRecord(query)) return null
  if ('field' in query) return planFilter(query, lookup)
  if (!Array.isArray(query.value)) return null
  const children = query.value.map((child) => planCandidates(child, lookup))
  if (query.operator === 'OR') {
    // Any unindexed branch can match anything, so the union would not be a superset.
    if (children.some((c) => c === null)) return null
    const union = new Set<T>()
    for (const child of children) for (const record of child ?? []) union.add(record)
    return union
  }
  if (query.operator === 'AND') {
    // Every branch must match, so the smallest indexed branch already bounds the result.
    let smallest: Set<T> | null = null
    for (const child of children)
      if (child !== null && (smallest === null || child.size < smallest.size)) smallest = child
    return smallest
  }
  return null
}

function planFilter<T>(filter: Record<string, unknown>, lookup: IndexLookup<T>): Set<T> | null {
  const { field, operator, value } = filter
  if (typeof field !== 'string') return null
  // `=` null matches empty values and IN with non-strings compares otherwise: both need the scan.
  const values = operator === '=' ? [value] : operator === 'IN' && Array.isArray(value) ? value : null
  if (values === null || !values.every((v): v is string => typeof v === 'string')) return null
  const out = new Set<T>()
  for (const v of values) {
    const found = lookup(field, v)
    if (found === null) return null
    for (const record of found) out.add(record)
  }
  return out
}
