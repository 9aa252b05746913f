/**
 * Data attributes (contact/company) and 2.16 conversation attributes: listing, creation rules, and the check that
 * a custom attribute exists (with a compatible type) before any write uses it.
 */
import { ApiError, invalid } from './errors.js'
import type { ApiContext, ApiReply } from './context.js'
import { renderDataAttribute } from './render.js'
import type {
  AttributeValue,
  ConversationAttributeRecord,
  ConversationAttributeType,
  DataAttributeRecord,
  DataType,
  Workspace,
} from './state.js'
import type { RouteDef } from './routes.js'

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const BUILT_IN: Array<[string, DataType, string]> = [
  ['name', 'string', 'Name'],
  ['email', 'string', 'Email'],
  ['phone', 'string', 'Phone'],
  ['external_id', 'string', 'User ID'],
  ['role', 'string', 'Role'],
  ['owner_id', 'integer', 'Owner'],
  ['created_at', 'date', 'Signed up'],
  ['last_seen_at', 'date', 'Last seen'],
  ['unsubscribed_from_emails', 'boolean', 'Unsubscribed from emails'],
]

export function builtInAttributes(now: number): DataAttributeRecord[] {
  return BUILT_IN.map(([name, dataType, label]) => ({
    id: null,
    model: 'contact',
    name,
    label,
    description: '',
    dataType,
    options: [],
    custom: false,
    archived: false,
    messengerWritable: false,
    createdAt: now,
    updatedAt: now,
    adminId: null,
  }))
}

function valueMatches(dataType: DataType | ConversationAttributeType, value: AttributeValue): boolean {
  if (value === null) return true
  switch (dataType) {
    case 'string':
    case 'options':
    case 'list':
      return typeof value === 'string'
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
    case 'float':
    case 'decimal':
      return typeof value === 'number'
    case 'boolean':
      return typeof value === 'boolean'
    case 'date':
    case 'datetime':
      return (
        (typeof value === 'number' && Number.isInteger(value)) ||
        (typeof value === 'string' && !Number.isNaN(Date.parse(value)))
      )
  }
}

function asAttributes(input: unknown, what: string): Record<string, AttributeValue> {
  if (!isRecord(input)) throw invalid(`${what} must be an object`, 'custom_attributes')
  const out: Record<string, AttributeValue> = {}
  for (const [key, value] of Object.entries(input)) {
    if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw invalid(`Custom attribute '${key}' must be a string, number, boolean or null`, `custom_attributes.${key}`)
    }
    out[key] = value
  }
  return out
}

/** Contact custom attributes must already exist as non-archived contact data attributes of a matching type. */
export function checkContactAttributes(ws: Workspace, input: unknown): Record<string, AttributeValue> {
  const attrs = asAttributes(input, 'custom_attributes')
  for (const [key, value] of Object.entries(attrs)) {
    const def = ws.dataAttributes.find((a) => a.custom && a.model === 'contact' && a.name === key && !a.archived)
    if (!def) throw invalid(`Custom attribute '${key}' does not exist`, `custom_attributes.${key}`)
    if (!valueMatches(def.dataType, value)) {
      throw invalid(`Custom attribute '${key}' must be of type ${def.dataType}`, `custom_attributes.${key}`)
    }
    if (def.dataType === 'options' && typeof value === 'string' && !def.options.includes(value)) {
      throw invalid(`'${value}' is not an option of custom attribute '${key}'`, `custom_attributes.${key}`)
    }
  }
  return attrs
}

export function checkConversationAttributes(ws: Workspace, input: unknown): Record<string, AttributeValue> {
  const attrs = asAttributes(input, 'custom_attributes')
  for (const [key, value] of Object.entries(attrs)) {
    const def = ws.conversationAttributes.find((a) => a.name === key && !a.archived)
    if (!def) throw invalid(`Conversation attribute '${key}' does not exist`, `custom_attributes.${key}`)
    if (!valueMatches(def.dataType, value)) {
      throw invalid(`Conversation attribute '${key}' must be of type ${def.dataType}`, `custom_attributes.${key}`)
    }
  }
  return attrs
}

const CREATE_TYPES: readonly DataType[] = ['string', 'integer', 'float', 'boolean', 'datetime', 'date', 'options']

function listDataAttributes(ctx: ApiContext): ApiReply {
  const model = ctx.query.get('model')
  if (model === 'conversation' && ctx.version.atLeast('2.16')) {
    throw new ApiError(
      422,
      'parameter_invalid',
      'model=conversation is no longer supported. Use GET /conversations/attributes instead',
    )
  }
  if (model !== null && model !== 'contact' && model !== 'company' && model !== 'conversation') {
    throw invalid('The Data Attribute model field must be either contact or company', 'model')
  }
  const includeArchived = ctx.query.get('include_archived') === 'true'
  if (model === 'conversation') {
    // ≤2.15 still served conversation attributes through this endpoint, in data_attribute shape.
    const data = ctx.ws.conversationAttributes
      .filter((a) => includeArchived || !a.archived)
      .map((a) => ({ ...renderConversationAttributeAsData(a) }))
    return { body: { type: 'list', data } }
  }
  const data = ctx.ws.dataAttributes
    .filter((a) => (model === null || a.model === model) && (includeArchived || !a.archived))
    .map(renderDataAttribute)
  return { body: { type: 'list', data } }
}

function renderConversationAttributeAsData(a: ConversationAttributeRecord): Record<string, unknown> {
  return {
    type: 'data_attribute',
    id: a.id,
    model: 'conversation',
    name: a.name,
    full_name: `custom_attributes.${a.name}`,
    label: a.name,
    description: a.description,
    data_type: a.dataType,
    custom: true,
    archived: a.archived,
  }
}

function createDataAttribute(ctx: ApiContext): ApiReply {
  const body = ctx.body
  if (!isRecord(body)) throw invalid('Request body must be an object')
  const { name, model, data_type: dataType } = body
  if (typeof name !== 'string' || name.trim() === '') throw invalid('name is required', 'name')
  if (model !== 'contact' && model !== 'company') {
    throw invalid('The Data Attribute model field must be either contact or company', 'model')
  }
  if (typeof dataType !== 'string' || !CREATE_TYPES.includes(dataType as DataType)) {
    throw invalid("Data Type isn't an option", 'data_type')
  }
  if (!ctx.config.dataAttributeNamePattern.test(name)) {
    throw invalid(
      'Your name for this attribute must only contain alphanumeric characters, currency symbols, and hyphens',
      'name',
    )
  }
  const people = (m: string): string => (m === 'contact' ? 'people' : 'company')
  const clash = ctx.ws.dataAttributes.find((a) => a.name.toLowerCase() === name.toLowerCase())
  if (clash) {
    throw invalid(
      `You already have '${name}' in your ${people(clash.model)} data. To save this as new ${people(model)} data, use a different name.`,
      'name',
    )
  }
  let options: string[] = []
  if (dataType === 'options') {
    const raw = body.options
    if (!Array.isArray(raw) || raw.length < 2) throw invalid('options must have at least 2 entries', 'options')
    options = raw.map((o) => {
      if (!isRecord(o) || typeof o.value !== 'string') throw invalid('each option needs a string value', 'options')
      return o.value
    })
  }
  if (ctx.ws.customAttributeCount() >= ctx.config.customDataAttributeLimit) {
    throw new ApiError(
      400,
      'custom_data_limit_reached',
      `You have reached the limit of ${ctx.config.customDataAttributeLimit} custom data attributes. Archive unused attributes.`,
    )
  }
  const now = ctx.nowSec()
  const record: DataAttributeRecord = {
    id: Number(ctx.ws.nextId('attribute')),
    model,
    name,
    label: name,
    description: typeof body.description === 'string' ? body.description : '',
    dataType: dataType as DataType,
    options,
    custom: true,
    archived: false,
    messengerWritable: body.messenger_writable === true,
    createdAt: now,
    updatedAt: now,
    adminId: ctx.config.tokenAdminId ?? null,
  }
  ctx.ws.dataAttributes.push(record)
  return { body: renderDataAttribute(record) }
}

function updateDataAttribute(ctx: ApiContext): ApiReply {
  const id = Number(ctx.params.data_attribute_id)
  const record = ctx.ws.dataAttributes.find((a) => a.custom && a.id === id)
  if (!record) throw new ApiError(404, 'field_not_found', "We couldn't find that data attribute to update")
  const body = ctx.body
  if (!isRecord(body)) throw invalid('Request body must be an object')
  if (body.archived !== undefined) {
    if (typeof body.archived !== 'boolean') throw invalid('archived must be a boolean', 'archived')
    record.archived = body.archived
  }
  if (typeof body.description === 'string') record.description = body.description
  if (typeof body.messenger_writable === 'boolean') record.messengerWritable = body.messenger_writable
  if (body.options !== undefined) {
    if (record.dataType !== 'options') throw invalid('options can only be set on a list attribute', 'options')
    if (!Array.isArray(body.options) || body.options.length < 2)
      throw invalid('options must have at least 2 entries', 'options')
    record.options = body.options.map((o) => (isRecord(o) && typeof o.value === 'string' ? o.value : String(o)))
  }
  record.updatedAt = ctx.nowSec()
  return { body: renderDataAttribute(record) }
}

export function renderConversationAttribute(a: ConversationAttributeRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: 'conversation_attribute',
    id: a.id,
    name: a.name,
    description: a.description,
    data_type: a.dataType,
    required: false,
    visible_to_team_ids: [],
    archived: a.archived,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  }
  if (a.dataType === 'list') out.options = a.options.map((label, i) => ({ id: String(i + 1), label, archived: false }))
  return out
}

function requires216(ctx: ApiContext): void {
  if (!ctx.version.atLeast('2.16')) {
    throw new ApiError(400, 'intercom_version_invalid', 'Requested resource is not available in current API version.')
  }
}

const CONVERSATION_TYPES: readonly ConversationAttributeType[] = [
  'string',
  'integer',
  'list',
  'decimal',
  'boolean',
  'datetime',
]

function listConversationAttributes(ctx: ApiContext): ApiReply {
  requires216(ctx)
  const includeArchived = ctx.query.get('include_archived') === 'true'
  const data = ctx.ws.conversationAttributes
    .filter((a) => includeArchived || !a.archived)
    .map(renderConversationAttribute)
  return { body: { type: 'list', data } }
}

function createConversationAttribute(ctx: ApiContext): ApiReply {
  requires216(ctx)
  const body = ctx.body
  if (!isRecord(body)) throw invalid('Request body must be an object')
  const { name, data_type: dataType } = body
  if (typeof name !== 'string' || name.trim() === '') throw new ApiError(422, 'parameter_invalid', 'name is required')
  if (typeof dataType !== 'string' || !CONVERSATION_TYPES.includes(dataType as ConversationAttributeType)) {
    throw new ApiError(422, 'parameter_invalid', `data_type must be one of ${CONVERSATION_TYPES.join(', ')}`)
  }
  if (ctx.ws.conversationAttributes.some((a) => a.name.toLowerCase() === name.toLowerCase() && !a.archived)) {
    throw new ApiError(422, 'parameter_invalid', `A conversation attribute named '${name}' already exists`)
  }
  let options: string[] = []
  if (dataType === 'list') {
    if (!Array.isArray(body.options) || body.options.length < 2) {
      throw new ApiError(422, 'parameter_invalid', 'options must have at least 2 entries')
    }
    options = body.options.map((o) => (isRecord(o) && typeof o.label === 'string' ? o.label : String(o)))
  }
  const now = ctx.nowSec()
  const record: ConversationAttributeRecord = {
    id: Number(ctx.ws.nextId('attribute')),
    name,
    description: typeof body.description === 'string' ? body.description : '',
    dataType: dataType as ConversationAttributeType,
    options,
    archived: false,
    createdAt: now,
    updatedAt: now,
  }
  ctx.ws.conversationAttributes.push(record)
  return { body: renderConversationAttribute(record) }
}

export const dataAttributeRoutes: RouteDef[] = [
  { method: 'GET', path: '/data_attributes', handler: listDataAttributes },
  { method: 'POST', path: '/data_attributes', handler: createDataAttribute },
  { method: 'PUT', path: '/data_attributes/{data_attribute_id}', handler: updateDataAttribute },
  { method: 'GET', path: '/conversations/attributes', handler: listConversationAttributes },
  { method: 'POST', path: '/conversations/attributes', handler: createConversationAttribute },
]
