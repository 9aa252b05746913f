import { insightEnvelope } from '../aircall/ai-schemas.js'
import type { AppConfig } from '../config/schema.js'
import { AuthError, ForbiddenError, NotFoundError, UnreachableError } from '../http/errors.js'
import { row, type Outcome } from './doctor-rows.js'
import type { Runtime } from './runtime.js'
import { listenerUrls, requiredAircallEvents } from './webhooks.js'

/** Doctor checks that read Aircall: the API key, the tags rules depend on, the AI plan, and the webhook. */

export const aircallTagNames = (config: AppConfig): string[] => {
  const names = config.tags.map.map((entry) => entry.tag)
  if (config.resolve.enabled) names.push(config.resolve.tag)
  if (config.vip.enabled) {
    for (const rule of config.vip.rules) names.push(...(rule.tags ?? []))
    for (const route of config.vip.routes) names.push(...(route.tags ?? []))
  }
  const seen = new Map<string, string>()
  for (const name of names) if (!seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name)
  return [...seen.values()]
}

/** Every check `doctor` runs, as rows; it never throws for what it finds, only for bugs. */
export const checkAircall = async (runtime: Runtime, signal: AbortSignal): Promise<Outcome> => {
  const title = 'Aircall credentials'
  const { aircall } = runtime.config
  if (!aircall.apiId || !aircall.apiToken) {
    return {
      rows: [
        row(
          'aircall-credentials',
          title,
          'fail',
          'AIRCALL_API_ID / AIRCALL_API_TOKEN are not set',
          'export both (Aircall Dashboard › Integrations › API keys)',
        ),
      ],
    }
  }
  try {
    await runtime.aircall.ping(signal)
    return { rows: [row('aircall-credentials', title, 'pass', `the API key works (${new URL(aircall.apiUrl).host})`)] }
  } catch (error) {
    if (error instanceof AuthError || error instanceof ForbiddenError) {
      return {
        rows: [
          row(
            'aircall-credentials',
            title,
            'fail',
            `Aircall refused the API key (${error.status})`,
            'check AIRCALL_API_ID and AIRCALL_API_TOKEN: create a new key in Dashboard › Integrations › API keys if unsure',
          ),
        ],
      }
    }
    // Refused or unresolvable: say so, with the URL, rather than the generic "no answer".
    if (error instanceof UnreachableError) {
      return { rows: [row('aircall-credentials', title, 'fail', error.message, error.hint)] }
    }
    throw error
  }
}

export const checkAircallTags = async (runtime: Runtime, signal: AbortSignal): Promise<Outcome> => {
  const wanted = aircallTagNames(runtime.config)
  if (wanted.length === 0)
    return { rows: [row('aircall-tags', 'Aircall tags', 'pass', 'the configuration names none')] }
  const known = new Set<string>()
  for await (const tag of runtime.aircall.tags.list(signal)) known.add(tag.name.trim().toLowerCase())
  const missing = wanted.filter((name) => !known.has(name.toLowerCase()))
  if (missing.length === 0)
    return { rows: [row('aircall-tags', 'Aircall tags', 'pass', `found: ${wanted.join(', ')}`)] }
  return {
    rows: [
      row(
        'aircall-tags',
        'Aircall tags',
        'fail',
        `missing: ${missing.join(', ')} (a rule on a tag nobody can set never runs)`,
        'create them in Aircall (Dashboard › Tags), fix the names, or run `doctor --fix`',
      ),
    ],
    fixes: missing.map((name) => ({
      rowId: 'aircall-tags',
      description: `create Aircall tag ${name}`,
      apply: async (fixSignal) => {
        await runtime.aircall.tags.create({ name }, { signal: fixSignal })
      },
    })),
  }
}

export const checkAircallWebhook = async (
  runtime: Runtime,
  listenerUrl: string | undefined,
  signal: AbortSignal,
): Promise<Outcome> => {
  const id = 'aircall-webhook'
  const title = 'Aircall webhook'
  const needed = requiredAircallEvents(runtime.config).map((event) => event.name)
  const target = listenerUrl ? listenerUrls(listenerUrl).aircall : null
  const register = `run \`aircall-intercom webhooks register --url ${listenerUrl ?? 'https://your-listener'}\``
  const candidates = []
  for await (const webhook of runtime.aircall.webhooks.list(signal)) {
    const url = webhook.url.replace(/\/+$/, '')
    if (target ? url === target : url.endsWith('/aircall')) candidates.push(webhook)
  }
  if (candidates.length === 0) {
    return {
      rows: [
        row(
          id,
          title,
          'fail',
          target ? `none delivers to ${target}` : 'none delivers to a listener (…/aircall)',
          register,
        ),
      ],
    }
  }
  if (!target && candidates.length > 1) {
    return {
      rows: [
        row(
          id,
          title,
          'warn',
          `${candidates.length} webhooks deliver to …/aircall`,
          'pass --listener-url to check the right one',
        ),
      ],
    }
  }
  const webhook = candidates[0]!
  const missing = needed.filter((event) => !webhook.events.includes(event))
  if (!webhook.active) {
    return {
      rows: [row(id, title, 'fail', `${webhook.url} is inactive (Aircall disables one that keeps failing)`, register)],
    }
  }
  if (missing.length > 0)
    return { rows: [row(id, title, 'fail', `${webhook.url} lacks ${missing.join(', ')}`, register)] }
  if (!runtime.config.aircall.webhookToken) {
    return {
      rows: [
        row(
          id,
          title,
          'warn',
          `${webhook.url} has the ${needed.length} events needed, but AIRCALL_WEBHOOK_TOKEN is not set`,
          'export the webhook’s token (printed by `webhooks register`) where `listen` runs',
        ),
      ],
    }
  }
  const extra = webhook.events.length - (needed.length - missing.length)
  return {
    rows: [row(id, title, 'pass', `${webhook.url}: ${needed.join(', ')}${extra > 0 ? ` (+${extra} unused)` : ''}`)],
  }
}

/** How far back a call still counts as recent for the AI check, and how many answered ones are asked about. */
const AI_RECENT_DAYS = 30
const AI_PROBES = 3

/**
 * Whether Aircall's AI endpoints answer, read on the summary of recent answered calls. The plan is per line and a
 * call may have no content yet, so one call answering is enough; 403 and 404 are warnings, never failures (the
 * listener only misses the AI notes).
 */
export const checkAircallAi = async (runtime: Runtime, signal: AbortSignal): Promise<Outcome> => {
  const id = 'aircall-ai'
  const title = 'Aircall AI'
  const from = Math.floor(runtime.now() / 1000) - AI_RECENT_DAYS * 86_400
  const answered: number[] = []
  for await (const call of runtime.aircall.calls.list({ from, order: 'desc' }, signal)) {
    if (call.answered_at !== null && call.answered_at !== undefined) answered.push(call.id)
    if (answered.length >= AI_PROBES) break
  }
  if (answered.length === 0) {
    return { rows: [row(id, title, 'skip', `not checked: no answered call in the last ${AI_RECENT_DAYS} days`)] }
  }
  const answers: Array<{ callId: number; status: 403 | 404 }> = []
  for (const callId of answered) {
    try {
      await runtime.aircall.http.request({
        method: 'GET',
        path: `/v1/calls/${callId}/summary`,
        schema: insightEnvelope,
        signal,
      })
      return { rows: [row(id, title, 'pass', `the AI endpoints answer (summary of call ${callId})`)] }
    } catch (error) {
      // The call list was read with the same key: a 403 here is the plan, not the credentials.
      if (error instanceof ForbiddenError || error instanceof AuthError) answers.push({ callId, status: 403 })
      else if (error instanceof NotFoundError) answers.push({ callId, status: 404 })
      else throw error
    }
  }
  const calls = answers.map((answer) => answer.callId).join(', ')
  const forbidden = answers.every((answer) => answer.status === 403)
  const statuses = [...new Set(answers.map((answer) => answer.status))].join('/')
  return {
    rows: [
      row(
        id,
        title,
        'warn',
        forbidden
          ? `the AI endpoints answer 403 (calls ${calls}): no AI plan on these lines or this company`
          : `the AI endpoints answer ${statuses} (calls ${calls}): no AI content yet, or no AI plan`,
        forbidden
          ? 'AI notes need the AI Assist add-on with transcription on the lines; without it, set insights.enabled: false'
          : 'AI content comes seconds to minutes after a call; if it never does, check the AI Assist add-on',
      ),
    ],
  }
}
