import { INTERCOM_CONTACT_CHANGE_TOPICS, INTERCOM_CONTACT_TOPICS } from '../domain/intercom-event.js'
import type { AircallWebhook } from '../aircall/schemas.js'
import type { AppConfig } from '../config/schema.js'
import { UserError } from '../errors.js'
import type { Runtime } from './runtime.js'

/** An event or topic with the rules that need it, so a person can see why it is subscribed. */
export interface Subscription {
  name: string
  neededBy: string[]
}

const add = (into: Map<string, Set<string>>, name: string, rule: string): void => {
  const rules = into.get(name) ?? new Set<string>()
  rules.add(rule)
  into.set(name, rules)
}

const toList = (from: Map<string, Set<string>>): Subscription[] =>
  [...from.entries()]
    .map(([name, rules]) => ({ name, neededBy: [...rules].sort() }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))

const callTicketsOnVoicemail = (config: AppConfig): boolean =>
  config.tickets.on.includes('voicemail') || config.missedCalls.onVoicemail === 'ticket'

/**
 * Exactly the Aircall events the enabled rules react to (see the listener pipeline): every call is logged
 * from `call.ended`; tags and comments made after a call ends arrive as `call.tagged` / `call.commented`.
 */
export const requiredAircallEvents = (config: AppConfig): Subscription[] => {
  const events = new Map<string, Set<string>>()
  add(events, 'call.ended', 'logging')
  if (config.missedCalls.enabled) add(events, 'call.hungup', 'missedCalls')
  if (config.tags.map.length > 0) add(events, 'call.tagged', 'tags')
  if (config.insights.enabled) for (const kind of config.insights.kinds) add(events, kind, 'insights')
  // message.status_updated changes nothing a thread shows, so it is not asked for.
  if (config.messages.enabled) for (const name of ['message.received', 'message.sent']) add(events, name, 'messages')
  // A voicemail's page can come after call.ended, in call.comm_assets_generated.
  const voicemailTicket = config.tickets.typeId !== undefined && callTicketsOnVoicemail(config)
  for (const name of ['call.voicemail_left', 'call.comm_assets_generated']) {
    if (config.voicemail.enabled) add(events, name, 'voicemail')
    if (voicemailTicket) add(events, name, 'tickets')
  }
  if (config.insightCards.enabled) {
    add(events, 'call.created', 'insightCards')
    add(events, 'call.ringing_on_agent', 'insightCards')
  }
  if (config.resolve.enabled) {
    add(events, 'call.tagged', 'resolve')
    add(events, 'call.commented', 'resolve')
  }
  const vipUsesTags =
    config.vip.rules.some((rule) => (rule.tags ?? []).length > 0) ||
    config.vip.routes.some((route) => (route.tags ?? []).length > 0)
  if (config.vip.enabled && vipUsesTags) add(events, 'call.tagged', 'vip')
  return toList(events)
}

/** Intercom topics the listener acts on; they are chosen in Intercom's Developer Hub, not through the API. */
export const requiredIntercomTopics = (config: AppConfig): Subscription[] => {
  const topics = new Map<string, Set<string>>()
  const { escalation } = config
  if (escalation.enabled) {
    if (escalation.onAssigned) {
      add(topics, 'conversation.admin.assigned', 'escalation')
      add(topics, 'conversation.admin.open.assigned', 'escalation')
    }
    if (escalation.priorities.length > 0) add(topics, 'conversation.priority.updated', 'escalation')
    if (escalation.tags.length > 0) add(topics, 'conversation_part.tag.created', 'escalation')
  }
  if (config.listener.followContacts) {
    for (const topic of [...INTERCOM_CONTACT_TOPICS, ...INTERCOM_CONTACT_CHANGE_TOPICS])
      add(topics, topic, 'contact index')
  }
  return toList(topics)
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

export interface ListenerUrls {
  base: string
  aircall: string
  intercom: string
}

/**
 * The listener's public base URL (a trailing `/aircall` or `/intercom` is accepted and removed). Aircall
 * only delivers to https; plain http is allowed on loopback, where the emulator and tests listen.
 */
export const listenerUrls = (input: string): ListenerUrls => {
  let parsed: URL
  try {
    parsed = new URL(input)
  } catch {
    throw new UserError(
      `not a URL: ${input}`,
      'pass the listener’s public address, e.g. --url https://hooks.example.com',
    )
  }
  const loopback = LOOPBACK.has(parsed.hostname)
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new UserError(
      `Aircall only delivers webhooks to https URLs (got ${parsed.protocol}//${parsed.host})`,
      'put the listener behind TLS (a reverse proxy or a tunnel such as `cloudflared`); http is accepted only on 127.0.0.1',
    )
  }
  parsed.search = ''
  parsed.hash = ''
  const base = parsed
    .toString()
    .replace(/\/+$/, '')
    .replace(/\/(aircall|intercom)$/, '')
  return { base, aircall: `${base}/aircall`, intercom: `${base}/intercom` }
}

const sameUrl = (a: string, b: string): boolean => a.replace(/\/+$/, '') === b.replace(/\/+$/, '')

export const sameEvents = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n')

export type RegisterAction = 'created' | 'updated' | 'unchanged' | 'would-create' | 'would-update'

export interface RegisterWebhookResult {
  action: RegisterAction
  dryRun: boolean
  webhookId: string | null
  aircallUrl: string
  events: Subscription[]
  /** What the matched webhook subscribed to before, when one existed. */
  previousEvents: string[] | null
  /**
   * The webhook's token, printed once because the listener needs it as AIRCALL_WEBHOOK_TOKEN and Aircall
   * shows it nowhere else; null when the environment already holds it (or on a dry run).
   */
  webhookToken: string | null
  tokenAlreadySet: boolean
  /** Other webhooks on the same URL, left alone. */
  duplicates: string[]
  intercom: { url: string; topics: Subscription[] }
}

export interface RegisterWebhookOptions {
  url: string
  dryRun?: boolean
  /** The AIRCALL_WEBHOOK_TOKEN currently set, to tell whether the token still needs exporting. */
  currentToken?: string
  signal?: AbortSignal
}

/** Creates or updates (PUT) the Aircall webhook on the listener's URL with exactly the events the rules need. */
export const registerWebhook = async (
  runtime: Pick<Runtime, 'aircall' | 'config'>,
  options: RegisterWebhookOptions,
): Promise<RegisterWebhookResult> => {
  const urls = listenerUrls(options.url)
  const events = requiredAircallEvents(runtime.config)
  const names = events.map((event) => event.name)
  const matches: AircallWebhook[] = []
  for await (const webhook of runtime.aircall.webhooks.list(options.signal)) {
    if (sameUrl(webhook.url, urls.aircall)) matches.push(webhook)
  }
  const existing = matches[0]
  const dryRun = options.dryRun ?? false
  let action: RegisterAction
  let webhook: AircallWebhook | undefined = existing
  if (!existing) {
    action = dryRun ? 'would-create' : 'created'
    if (!dryRun) {
      webhook = await runtime.aircall.webhooks.create(
        { url: urls.aircall, events: names, customName: 'aircall-intercom listener' },
        { signal: options.signal },
      )
    }
  } else if (existing.active && sameEvents(existing.events, names)) {
    action = 'unchanged'
  } else {
    action = dryRun ? 'would-update' : 'updated'
    if (!dryRun) {
      webhook = await runtime.aircall.webhooks.update(
        existing.webhook_id,
        { url: urls.aircall, events: names, active: true },
        options.signal,
      )
    }
  }
  const token = webhook?.token ?? null
  const tokenAlreadySet = token !== null && options.currentToken === token
  return {
    action,
    dryRun,
    webhookId: webhook?.webhook_id ?? null,
    aircallUrl: urls.aircall,
    events,
    previousEvents: existing ? [...existing.events].sort() : null,
    webhookToken: dryRun || tokenAlreadySet ? null : token,
    tokenAlreadySet,
    duplicates: matches.slice(1).map((duplicate) => duplicate.webhook_id),
    intercom: { url: urls.intercom, topics: requiredIntercomTopics(runtime.config) },
  }
}
