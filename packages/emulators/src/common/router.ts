/**
 * Minimal method + path router over `node:http` so emulators stay dependency-free.
 * Patterns use `:name` segments ("/v1/calls/:id"); matching is exact on segment count.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

export interface RouteContext {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  params: Record<string, string>
  query: URLSearchParams
  /** The pattern that matched, e.g. "GET /v1/calls/:id"; used for per-route request counts. */
  route: string
}

export type RouteHandler = (ctx: RouteContext) => void | Promise<void>

interface Route {
  method: string
  pattern: string
  segments: string[]
  handler: RouteHandler
}

export interface RouteMatch {
  handler: RouteHandler
  params: Record<string, string>
  route: string
}

export class Router {
  private readonly routes: Route[] = []

  add(method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method: method.toUpperCase(), pattern, segments: splitPath(pattern), handler })
    return this
  }

  get(pattern: string, handler: RouteHandler): this {
    return this.add('GET', pattern, handler)
  }

  post(pattern: string, handler: RouteHandler): this {
    return this.add('POST', pattern, handler)
  }

  put(pattern: string, handler: RouteHandler): this {
    return this.add('PUT', pattern, handler)
  }

  patch(pattern: string, handler: RouteHandler): this {
    return this.add('PATCH', pattern, handler)
  }

  delete(pattern: string, handler: RouteHandler): this {
    return this.add('DELETE', pattern, handler)
  }

  /** Finds a handler; `methodMismatch` lets callers answer 405-style errors when only the verb is wrong. */
  match(method: string, pathname: string): RouteMatch | { methodMismatch: boolean } {
    const parts = splitPath(pathname)
    let methodMismatch = false
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts)
      if (!params) continue
      if (route.method !== method.toUpperCase()) {
        methodMismatch = true
        continue
      }
      return { handler: route.handler, params, route: `${route.method} ${route.pattern}` }
    }
    return { methodMismatch }
  }
}

export function isRouteMatch(m: RouteMatch | { methodMismatch: boolean }): m is RouteMatch {
  return 'handler' in m
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0)
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string
    const v = parts[i] as string
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(v)
      } catch {
        return null
      }
    } else if (p !== v) {
      return null
    }
  }
  return params
}
