import { z } from 'zod'
import type { AppConfig } from '../config/schema.js'
import { AuthError, ForbiddenError, UnreachableError } from '../http/errors.js'
import { requiredDataAttributes, type RequiredDataAttribute } from '../rules/tag-attributes.js'
import { DataAttributeEnsurer } from '../pipeline/data-attributes.js'
import { row, type CheckRow, type Fix, type Outcome } from './doctor-rows.js'
import type { Runtime } from './runtime.js'
import { listenerUrls, requiredIntercomTopics } from './webhooks.js'

/** Doctor checks that read Intercom: the token, the admin, data attributes, escalation tags and webhook topics. */

const conversationAttributeList = z
  .object({
    data: z.array(
      z.object({ name: z.string(), data_type: z.string(), archived: z.boolean().optional() }).passthrough(),
    ),
  })
  .passthrough()

/** Intercom types a mapping type may be written into. */
const COMPATIBLE: Record<RequiredDataAttribute['dataType'], string[]> = {
  boolean: ['boolean'],
  string: ['string'],
  integer: ['integer'],
  date: ['date', 'datetime'],
}

const attributesToCheck = (config: AppConfig): RequiredDataAttribute[] => {
  const required = requiredDataAttributes(config.tags.map)
  if (config.logging.mode === 'conversation') {
    required.push({ name: config.logging.callIdAttribute, model: 'conversation', dataType: 'string' })
  }
  return required
}

export const checkIntercom = async (runtime: Runtime, signal: AbortSignal): Promise<Outcome> => {
  const title = 'Intercom credentials'
  if (!runtime.config.intercom.accessToken) {
    return {
      rows: [
        row(
          'intercom-credentials',
          title,
          'fail',
          'INTERCOM_ACCESS_TOKEN is not set',
          'export it (Developer Hub › your app › Authentication)',
        ),
      ],
    }
  }
  try {
    const me = await runtime.intercom.me(signal)
    return { rows: [row('intercom-credentials', title, 'pass', `the token works (app admin ${me.name ?? me.id})`)] }
  } catch (error) {
    if (error instanceof AuthError || error instanceof ForbiddenError) {
      return {
        rows: [
          row(
            'intercom-credentials',
            title,
            'fail',
            `Intercom refused the access token (${error.status})`,
            `check INTERCOM_ACCESS_TOKEN, and that the workspace is hosted in region "${runtime.config.intercom.region}"`,
          ),
        ],
      }
    }
    // Refused or unresolvable: say so, with the URL, rather than the generic "no answer".
    if (error instanceof UnreachableError) {
      return { rows: [row('intercom-credentials', title, 'fail', error.message, error.hint)] }
    }
    throw error
  }
}

export const checkAdmin = async (runtime: Runtime, signal: AbortSignal): Promise<Outcome> => {
  const admins = await runtime.intercom.admins.list(signal)
  const listing = admins
    .slice(0, 5)
    .map((admin) => `${admin.id} ${admin.name ?? ''}`.trim())
    .join(', ')
  const hint = `set INTERCOM_ADMIN_ID or intercom.adminId to one of: ${listing}${admins.length > 5 ? ', …' : ''}`
  const adminId = runtime.config.intercom.adminId
  if (!adminId) return { rows: [row('admin', 'Intercom admin', 'fail', 'intercom.adminId is not set', hint)] }
  const admin = admins.find((candidate) => String(candidate.id) === adminId)
  if (!admin) return { rows: [row('admin', 'Intercom admin', 'fail', `no admin has id ${adminId}`, hint)] }
  return {
    rows: [row('admin', 'Intercom admin', 'pass', `${admin.name ?? adminId}${admin.email ? ` <${admin.email}>` : ''}`)],
  }
}

export const checkAttributes = async (runtime: Runtime, signal: AbortSignal): Promise<Outcome> => {
  const required = attributesToCheck(runtime.config)
  if (required.length === 0)
    return { rows: [row('data-attributes', 'data attributes', 'pass', 'the configuration writes none')] }
  const models = new Set(required.map((attribute) => attribute.model))
  const existing = new Map<string, string>()
  if (models.has('contact')) {
    for (const attribute of await runtime.intercom.dataAttributes.list('contact', { signal })) {
      if (!attribute.archived) existing.set(`contact:${attribute.name.toLowerCase()}`, attribute.data_type)
    }
  }
  if (models.has('conversation')) {
    const { data } = await runtime.intercom.http.request({
      method: 'GET',
      path: '/conversations/attributes',
      schema: conversationAttributeList,
      signal,
    })
    for (const attribute of data.data) {
      if (!attribute.archived) existing.set(`conversation:${attribute.name.toLowerCase()}`, attribute.data_type)
    }
  }
  const rows: CheckRow[] = []
  const fixes: Fix[] = []
  for (const attribute of required) {
    const id = `attribute:${attribute.model}:${attribute.name}`
    const title = `${attribute.model} attribute ${attribute.name}`
    const found = existing.get(`${attribute.model}:${attribute.name.toLowerCase()}`)
    if (found === undefined) {
      rows.push(row(id, title, 'fail', `missing (${attribute.dataType})`, 'run `doctor --fix` to create it'))
      fixes.push({
        rowId: id,
        description: `create ${attribute.model} attribute ${attribute.name} (${attribute.dataType})`,
        apply: (fixSignal) =>
          new DataAttributeEnsurer(runtime.intercom, { signal: fixSignal }).ensure(
            attribute.model,
            attribute.name,
            attribute.dataType,
          ),
      })
    } else if (!COMPATIBLE[attribute.dataType].includes(found)) {
      rows.push(
        row(
          id,
          title,
          'fail',
          `is ${found}, the configuration writes ${attribute.dataType}`,
          'change the type in the configuration, or map the tag to another attribute name',
        ),
      )
    } else {
      rows.push(row(id, title, 'pass', `exists (${found})`))
    }
  }
  return { rows, fixes }
}

export const checkIntercomTags = async (runtime: Runtime, signal: AbortSignal): Promise<Outcome> => {
  const wanted = runtime.config.escalation.tags
  const known = new Set((await runtime.intercom.tags.list(signal)).map((tag) => tag.name.trim().toLowerCase()))
  const missing = wanted.filter((name) => !known.has(name.toLowerCase()))
  if (missing.length === 0)
    return { rows: [row('intercom-tags', 'Intercom tags', 'pass', `found: ${wanted.join(', ')}`)] }
  return {
    rows: [
      row(
        'intercom-tags',
        'Intercom tags',
        'fail',
        `escalation tags missing: ${missing.join(', ')}`,
        'run `doctor --fix` or create them in Intercom',
      ),
    ],
    fixes: missing.map((name) => ({
      rowId: 'intercom-tags',
      description: `create Intercom tag ${name}`,
      apply: async (fixSignal) => {
        await runtime.intercom.tags.upsert(name, fixSignal)
      },
    })),
  }
}

export const intercomTopicsRow = (config: AppConfig, listenerUrl: string | undefined): CheckRow => {
  const topics = requiredIntercomTopics(config)
  if (topics.length === 0)
    return row('intercom-topics', 'Intercom webhook topics', 'info', 'none needed (escalation is off)')
  let endpoint = 'https://your-listener/intercom'
  try {
    if (listenerUrl) endpoint = listenerUrls(listenerUrl).intercom
  } catch {
    // An unusable listener URL is reported by the listener row.
  }
  const detail = `subscribe ${endpoint} to ${topics.map((topic) => topic.name).join(', ')}`
  if (!config.intercom.clientSecret) {
    return row(
      'intercom-topics',
      'Intercom webhook topics',
      'warn',
      `${detail}; INTERCOM_CLIENT_SECRET is not set`,
      'export the app’s client secret: the listener verifies signatures with it',
    )
  }
  return row(
    'intercom-topics',
    'Intercom webhook topics',
    'info',
    detail,
    'set in Developer Hub › your app › Webhooks (not available through the API)',
  )
}
