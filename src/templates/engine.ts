import { Liquid, type Template } from 'liquidjs'
import {
  describeMissedReason,
  escapeHtml,
  escapeHtmlOnce,
  formatDuration,
  formatLocalTime,
  formatPhoneForDisplay,
  safeLink,
} from './filters.js'

export type TemplateCheck = { ok: true } | { ok: false; error: string; line?: number; column?: number }

export type TemplateRenderer = {
  /** Renders synchronously; every output is HTML-escaped unless its last filter is `raw`. */
  render(source: string, scope: object): string
  /** Parses without rendering; errors carry the line and column Liquid reports. */
  check(source: string): TemplateCheck
  /** How many times a source was parsed: the cache's effect, observable without a clock. */
  parseCount(): number
}

export type TemplateRendererOptions = {
  /** Parsed templates kept, by source text. */
  cacheSize?: number
  /** Plain text (a ticket title or attribute, not HTML): nothing is escaped. */
  plainText?: boolean
}

// User templates come from a config file; they must not read files or pull in other templates.
const FORBIDDEN_TAGS = ['include', 'render', 'layout']

export class TemplateError extends Error {
  override readonly name = 'TemplateError'
  /** A template that cannot render fails the same way on every retry: dead-letter the item, fix the template. */
  readonly failure = 'permanent' as const
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message)
  }
}

function toTemplateError(error: unknown): TemplateError {
  const message = error instanceof Error ? error.message : String(error)
  const position = /^(.*), line:(\d+), col:(\d+)$/s.exec(message)
  if (!position) return new TemplateError(message)
  const [, detail = message, line = '0', column = '0'] = position
  return new TemplateError(`line ${line}, column ${column}: ${detail}`, Number(line), Number(column))
}

function createLiquid(plainText: boolean): Liquid {
  const liquid = new Liquid({
    ...(plainText ? {} : { outputEscape: escapeHtml }),
    strictFilters: true,
    strictVariables: false,
    ownPropertyOnly: true,
    // Empty strings and null read as false, as template authors expect from `{% if agent.name %}`.
    jsTruthy: true,
    // An in-memory template map switches off every file-system lookup.
    templates: {},
    parseLimit: 100_000,
    renderLimit: 1_000,
    memoryLimit: 10_000_000,
  })
  for (const tag of FORBIDDEN_TAGS) delete liquid.tags[tag]

  liquid.registerFilter('duration', (seconds: unknown) => formatDuration(seconds))
  liquid.registerFilter('local_time', (seconds: unknown, timeZone?: unknown) => formatLocalTime(seconds, timeZone))
  liquid.registerFilter('phone', (phone: unknown) => formatPhoneForDisplay(phone))
  liquid.registerFilter('missed_reason', (reason: unknown) => describeMissedReason(reason))
  liquid.registerFilter('safe_url', (url: unknown) => safeLink(url))
  // Output is escaped by default, so an explicit `escape` must not escape twice; `raw` tells Liquid it is done.
  liquid.registerFilter('escape', { handler: (value: unknown) => escapeHtml(value), raw: true })
  liquid.registerFilter('escape_once', { handler: (value: unknown) => escapeHtmlOnce(value), raw: true })
  liquid.registerFilter('newline_to_br', {
    handler: (value: unknown) => escapeHtml(value).replace(/\r?\n/g, '<br>'),
    raw: true,
  })
  return liquid
}

export function createTemplateRenderer(options: TemplateRendererOptions = {}): TemplateRenderer {
  const cacheSize = options.cacheSize ?? 64
  const liquid = createLiquid(options.plainText ?? false)
  const cache = new Map<string, Template[]>()
  let parses = 0

  const parse = (source: string): Template[] => {
    const cached = cache.get(source)
    if (cached) {
      // Re-insert so eviction drops the least recently used source.
      cache.delete(source)
      cache.set(source, cached)
      return cached
    }
    let parsed: Template[]
    parses += 1
    try {
      parsed = liquid.parse(source)
    } catch (error) {
      throw toTemplateError(error)
    }
    cache.set(source, parsed)
    if (cache.size > cacheSize) {
      const oldest = cache.keys().next()
      if (!oldest.done) cache.delete(oldest.value)
    }
    return parsed
  }

  return {
    parseCount: () => parses,
    render(source, scope) {
      const templates = parse(source)
      try {
        return String(liquid.renderSync(templates, scope))
      } catch (error) {
        throw toTemplateError(error)
      }
    },
    check(source) {
      try {
        parse(source)
        return { ok: true }
      } catch (error) {
        const templateError = error instanceof TemplateError ? error : toTemplateError(error)
        const result: TemplateCheck = { ok: false, error: templateError.message }
        if (templateError.line !== undefined) result.line = templateError.line
        if (templateError.column !== undefined) result.column = templateError.column
        return result
      }
    },
  }
}
