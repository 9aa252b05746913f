import type { AppConfig, Route, RouteTarget, VipRule } from '../config/schema.js'
import type { CallRecord } from '../domain/call-record.js'
import { callerCountry, intersectsNames, valueIn } from './match.js'

export type VipDecision =
  { vip: false } | { vip: true; rule: string; note: boolean; route: RouteTarget | null; routeName: string | null }

export interface VipInput {
  call: CallRecord
  contactAttributes: Record<string, unknown>
  config: AppConfig['vip']
}

/** The name reported when no route matched and `defaultRoute` was used. */
export const DEFAULT_ROUTE_NAME = 'default'

function ruleMatches(rule: VipRule, call: CallRecord, attributes: Record<string, unknown>): boolean {
  // A rule with no condition would make every caller a VIP, which is never what a typo'd config meant.
  if (rule.tags === undefined && rule.minDurationSeconds === undefined && rule.attribute === undefined) return false
  if (rule.tags !== undefined && !intersectsNames(call.tags, rule.tags)) return false
  if (rule.minDurationSeconds !== undefined && call.durationSeconds < rule.minDurationSeconds) return false
  if (rule.attribute !== undefined && !valueIn(attributes[rule.attribute.name], rule.attribute.in)) return false
  return true
}

/** Every condition a route gives must hold; a route with none is a catch-all. */
export function routeMatches(route: Route, call: CallRecord, attributes: Record<string, unknown>): boolean {
  if (route.lines !== undefined && !(call.line.id !== null && route.lines.includes(call.line.id))) return false
  if (route.countries !== undefined) {
    const country = callerCountry(call)
    if (country === null || !route.countries.includes(country)) return false
  }
  if (route.tags !== undefined && !intersectsNames(call.tags, route.tags)) return false
  if (route.attribute !== undefined && !valueIn(attributes[route.attribute.name], route.attribute.in)) return false
  return true
}

export function chooseRoute(
  call: CallRecord,
  attributes: Record<string, unknown>,
  config: AppConfig['vip'],
): { route: RouteTarget; routeName: string } | null {
  const route = config.routes.find((candidate) => routeMatches(candidate, call, attributes))
  if (route) return { route: route.assignTo, routeName: route.name }
  return config.defaultRoute ? { route: config.defaultRoute, routeName: DEFAULT_ROUTE_NAME } : null
}

/** The first VIP rule the call and its contact satisfy, with where to route the conversation. */
export function decideVip(input: VipInput): VipDecision {
  const { call, contactAttributes, config } = input
  if (!config.enabled) return { vip: false }
  const rule = config.rules.find((candidate) => ruleMatches(candidate, call, contactAttributes))
  if (!rule) return { vip: false }
  const chosen = rule.assign ? chooseRoute(call, contactAttributes, config) : null
  return {
    vip: true,
    rule: rule.name,
    note: rule.note,
    route: chosen?.route ?? null,
    routeName: chosen?.routeName ?? null,
  }
}
