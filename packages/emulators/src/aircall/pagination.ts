/**
 * Aircall pagination: page/per_page (default 20, silently clamped to 50), the positional 10k cap
 * (page × per_page > 10 000 → 400 even when total is tiny), and `meta` links that echo the query
 * with keys sorted like Rails' `to_query`, including defaults the client did not send (`order=asc`).
 */
import type { ServerResponse } from 'node:http'
import { sendJson } from '../common/http.js'
import { PAGINATION_CAP_BODY } from './errors.js'

export const DEFAULT_PER_PAGE = 20
export const MAX_PER_PAGE = 50
export const MAX_POSITION = 10_000

export interface PageRequest {
  page: number
  perPage: number
  /** Absolute offset of the first item. */
  offset: number
}

export interface PageMeta {
  count: number
  total: number
  current_page: number
  per_page: number
  next_page_link?: string | null
  previous_page_link?: string | null
}

function parsePositive(value: string | null, fallback: number): number {
  if (value === null || value.trim() === '') return fallback
  const n = Number.parseInt(value, 10)
  return Number.isFinite(n) && n >= 1 ? n : fallback
}

/** Returns null after answering the cap 400. */
export function readPage(query: URLSearchParams, res: ServerResponse): PageRequest | null {
  const page = parsePositive(query.get('page'), 1)
  const perPage = Math.min(parsePositive(query.get('per_page'), DEFAULT_PER_PAGE), MAX_PER_PAGE)
  if (page * perPage > MAX_POSITION) {
    sendJson(res, 400, PAGINATION_CAP_BODY)
    return null
  }
  return { page, perPage, offset: (page - 1) * perPage }
}

export interface LinkOptions {
  baseUrl: string
  pathname: string
  query: URLSearchParams
  /** Defaults the server applied that must be echoed, e.g. { order: 'asc' }. */
  defaults?: Record<string, string>
  /** /v1/webhooks lists carry no link keys at all. */
  withLinks?: boolean
}

export function buildMeta(page: PageRequest, count: number, total: number, links: LinkOptions): PageMeta {
  const meta: PageMeta = { count, total, current_page: page.page, per_page: page.perPage }
  if (links.withLinks === false) return meta
  // Like the live API, the link does not know about the 10k cap: following it blindly past the cap 400s.
  const hasNext = page.offset + page.perPage < total
  meta.next_page_link = hasNext ? pageLink(links, page.page + 1, page.perPage) : null
  meta.previous_page_link = page.page > 1 ? pageLink(links, page.page - 1, page.perPage) : null
  return meta
}

function pageLink(links: LinkOptions, page: number, perPage: number): string {
  const entries = new Map<string, string[]>()
  for (const [k, v] of links.query) {
    const list = entries.get(k) ?? []
    list.push(v)
    entries.set(k, list)
  }
  for (const [k, v] of Object.entries(links.defaults ?? {})) if (!entries.has(k)) entries.set(k, [v])
  entries.set('page', [String(page)])
  entries.set('per_page', [String(perPage)])
  const parts: string[] = []
  for (const key of [...entries.keys()].sort()) {
    for (const v of entries.get(key) ?? []) parts.push(`${encodeQueryPart(key)}=${encodeQueryPart(v)}`)
  }
  return `${links.baseUrl}${links.pathname}?${parts.join('&')}`
}

function encodeQueryPart(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+')
}

/** Slices an in-memory list and writes `{[key]: items, meta}`. */
export function sendPage<T>(
  res: ServerResponse,
  key: string,
  items: readonly T[],
  page: PageRequest,
  links: LinkOptions,
  serialize: (item: T) => unknown,
): void {
  const slice = items.slice(page.offset, page.offset + page.perPage)
  sendJson(res, 200, {
    [key]: slice.map(serialize),
    meta: buildMeta(page, slice.length, items.length, links),
  })
}
