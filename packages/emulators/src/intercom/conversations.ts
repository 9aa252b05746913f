/** Conversations and messages: creation, replies, state/assignment parts, attributes, tags and search. */
import { ApiError, invalid } from './errors.js'
import type { ApiContext, ApiReply } from './context.js'
import { requireContact } from './contacts.js'
import { checkConversationAttributes } from './data-attributes.js'
import { htmlBody, renderConversation } from './render.js'
import type { RouteDef } from './routes.js'
import type { ContactRecord, ConversationRecord, PartAuthor, PartRecord, Workspace } from './state.js'

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const conversationNotFound = (): ApiError => new ApiError(404, 'not_found', 'Resource Not Found')

export function requireConversation(ws: Workspace, id: string | undefined): ConversationRecord {
  const conv = id === undefined ? undefined : ws.conversations.get(id)
  if (!conv) throw conversationNotFound()
  return conv
}

function adminAuthor(ws: Workspace, adminId: string): PartAuthor {
  const admin = ws.admins.get(adminId)
  if (!admin) throw new ApiError(404, 'admin_not_found', 'Admin for admin_id not found')
  return { type: 'admin', id: admin.id, name: admin.name, email: admin.email }
}

export function contactAuthor(c: ContactRecord): PartAuthor {
  return { type: c.role, id: c.id, name: c.name, email: c.email }
}

/** admin_id is mandatory on every admin write: the most common integration bug, so it is never defaulted. */
function requireAdminId(body: Record<string, unknown>): string {
  const id = body.admin_id
  if (id === undefined || id === null || id === '') throw invalid('admin_id is required', 'admin_id')
  if (typeof id !== 'string' && typeof id !== 'number') throw invalid('admin_id must be a string', 'admin_id')
  return String(id)
}

function addPart(
  conv: ConversationRecord,
  ws: Workspace,
  now: number,
  part: Omit<PartRecord, 'id' | 'createdAt' | 'state' | 'tags'>,
): PartRecord {
  const record: PartRecord = { ...part, id: ws.nextId('part'), createdAt: now, state: conv.state, tags: [] }
  conv.parts.push(record)
  conv.updatedAt = now
  return record
}

export function conversationEventItem(
  ctx: Pick<ApiContext, 'ws' | 'webhookVersion'>,
  conv: ConversationRecord,
): Record<string, unknown> {
  return renderConversation(conv, ctx.ws, ctx.webhookVersion, true)
}

function conversationJson(ctx: ApiContext, conv: ConversationRecord): Record<string, unknown> {
  const out = renderConversation(conv, ctx.ws, ctx.version, true)
  if (ctx.query.get('display_as') === 'plaintext' && isRecord(out.conversation_parts)) {
    const parts = out.conversation_parts.conversation_parts
    if (Array.isArray(parts)) {
      for (const p of parts) if (isRecord(p) && typeof p.body === 'string') p.body = p.body.replace(/<[^>]+>/g, '')
    }
  }
  return out
}

export function newConversation(
  ws: Workspace,
  now: number,
  init: Partial<ConversationRecord> & Pick<ConversationRecord, 'contactIds' | 'source'>,
): ConversationRecord {
  const conv: ConversationRecord = {
    id: ws.nextId('conversation'),
    title: null,
    createdAt: now,
    updatedAt: now,
    waitingSince: null,
    snoozedUntil: null,
    state: 'open',
    read: false,
    priority: 'none',
    adminAssigneeId: null,
    teamAssigneeId: null,
    parts: [],
    tags: [],
    customAttributes: {},
    ...init,
  }
  ws.conversations.set(conv.id, conv)
  return conv
}

function createConversation(ctx: ApiContext): ApiReply {
  const body = ctx.body
  if (!isRecord(body)) throw invalid('Request body must be an object')
  const from = body.from
  if (!isRecord(from) || typeof from.id !== 'string') throw invalid('from is required', 'from')
  if (from.type !== 'user' && from.type !== 'lead' && from.type !== 'contact') {
    throw invalid("from.type must be one of 'user', 'lead', 'contact'", 'from.type')
  }
  if (typeof body.body !== 'string' || body.body === '') throw invalid('Body is required', 'body')
  const contact = requireContact(ctx, from.id)
  const now = ctx.nowSec()
  const createdAt = typeof body.created_at === 'number' ? body.created_at : now
  const messageId = ctx.ws.nextId('message')
  const conv = newConversation(ctx.ws, now, {
    createdAt,
    waitingSince: createdAt,
    contactIds: [contact.id],
    source: {
      type: 'conversation',
      id: messageId,
      deliveredAs: 'customer_initiated',
      subject: typeof body.subject === 'string' ? body.subject : '',
      body: htmlBody(body.body),
      author: contactAuthor(contact),
    },
  })
  ctx.ws.messages.push({
    type: 'user_message',
    id: messageId,
    createdAt,
    messageType: 'inapp',
    subject: null,
    body: body.body,
    fromId: contact.id,
    to: [],
    conversationId: conv.id,
  })
  ctx.events.emit('conversation.user.created', conversationEventItem(ctx, conv))
  return {
    body: {
      type: 'user_message',
      id: messageId,
      created_at: createdAt,
      body: body.body,
      message_type: 'inapp',
      conversation_id: conv.id,
    },
  }
}

function contactFromReplyBody(ctx: ApiContext, body: Record<string, unknown>): ContactRecord {
  if (typeof body.intercom_user_id === 'string') return requireContact(ctx, body.intercom_user_id)
  const index = ctx.ws.contactIndex
  const byEmail = typeof body.email === 'string' ? (index.email.lookup(body.email) ?? []) : []
  const byUserId = typeof body.user_id === 'string' ? (index.externalId.lookup(body.user_id) ?? []) : []
  const active = [...byEmail, ...byUserId].filter((c) => c.mergedInto === null)
  // The first match in workspace order, as a scan of every contact would find it.
  const match = index.order.first(active)
  if (!match) throw new ApiError(404, 'not_found', 'User Not Found')
  return match
}

function replyConversation(ctx: ApiContext): ApiReply {
  const body = ctx.body
  if (!isRecord(body)) throw invalid('Request body must be an object')
  let conv: ConversationRecord
  if (ctx.params.conversation_id === 'last') {
    const contact = contactFromReplyBody(ctx, body)
    const latest = ctx.ws
      .conversationsOf(contact.id)
      .sort((a, b) => b.updatedAt - a.updatedAt || Number(b.id) - Number(a.id))[0]
    if (!latest) throw conversationNotFound()
    conv = latest
  } else {
    conv = requireConversation(ctx.ws, ctx.params.conversation_id)
  }
  const now = ctx.nowSec()
  if (body.type === 'admin') {
    const messageType = body.message_type
    if (messageType !== 'comment' && messageType !== 'note' && messageType !== 'quick_reply') {
      throw invalid("message_type must be one of 'comment', 'note', 'quick_reply'", 'message_type')
    }
    const author = adminAuthor(ctx.ws, requireAdminId(body))
    if (messageType !== 'quick_reply' && (typeof body.body !== 'string' || body.body === '')) {
      throw invalid('Body is required', 'body')
    }
    addPart(conv, ctx.ws, typeof body.created_at === 'number' ? body.created_at : now, {
      partType: messageType,
      body: typeof body.body === 'string' ? htmlBody(body.body) : null,
      author,
      assignedTo: null,
    })
    if (messageType !== 'note') conv.waitingSince = null
    ctx.events.emit(
      messageType === 'note' ? 'conversation.admin.noted' : 'conversation.admin.replied',
      conversationEventItem(ctx, conv),
    )
  } else if (body.type === 'user') {
    if (body.message_type !== 'comment') throw invalid("message_type must be 'comment'", 'message_type')
    if (typeof body.body !== 'string' || body.body === '') throw invalid('Body is required', 'body')
    const contact = contactFromReplyBody(ctx, body)
    addPart(conv, ctx.ws, now, {
      partType: 'comment',
      body: htmlBody(body.body),
      author: contactAuthor(contact),
      assignedTo: null,
    })
    conv.state = 'open'
    conv.snoozedUntil = null
    conv.waitingSince ??= now
    ctx.events.emit('conversation.user.replied', conversationEventItem(ctx, conv))
  } else {
    throw invalid("type must be 'admin' or 'user'", 'type')
  }
  return { body: conversationJson(ctx, conv) }
}

export interface AssignInput {
  adminId: string
  assigneeType: 'admin' | 'team'
  assigneeId: string
  body?: string
}

/** Shared by the REST route and the control API ("a human assigned it in the Intercom UI"). */
export function assignConversation(ws: Workspace, conv: ConversationRecord, now: number, input: AssignInput): void {
  const author = adminAuthor(ws, input.adminId)
  let assignedTo: PartRecord['assignedTo']
  if (input.assigneeId === '0') {
    if (input.assigneeType === 'admin') conv.adminAssigneeId = null
    else conv.teamAssigneeId = null
    assignedTo = { type: 'nobody_admin', id: null }
  } else if (input.assigneeType === 'admin') {
    if (!ws.admins.has(input.assigneeId)) throw new ApiError(404, 'admin_not_found', 'Admin not found')
    conv.adminAssigneeId = input.assigneeId
    assignedTo = { type: 'admin', id: input.assigneeId }
  } else {
    if (!ws.teams.has(input.assigneeId)) throw new ApiError(404, 'team_not_found', 'Team not found')
    conv.teamAssigneeId = input.assigneeId
    assignedTo = { type: 'team', id: input.assigneeId }
  }
  addPart(conv, ws, now, { partType: 'assignment', body: input.body ? htmlBody(input.body) : null, author, assignedTo })
}

function manageConversation(ctx: ApiContext): ApiReply {
  const conv = requireConversation(ctx.ws, ctx.params.conversation_id)
  const body = ctx.body
  if (!isRecord(body)) throw invalid('Request body must be an object')
  const now = ctx.nowSec()
  const messageType = body.message_type
  const adminId = requireAdminId(body)
  const author = adminAuthor(ctx.ws, adminId)
  const text = typeof body.body === 'string' && body.body !== '' ? htmlBody(body.body) : null
  switch (messageType) {
    case 'close':
      if (body.type !== 'admin') throw invalid("type must be 'admin'", 'type')
      conv.state = 'closed'
      conv.snoozedUntil = null
      conv.waitingSince = null
      addPart(conv, ctx.ws, now, { partType: 'close', body: text, author, assignedTo: null })
      ctx.events.emit('conversation.admin.closed', conversationEventItem(ctx, conv))
      break
    case 'open':
      conv.state = 'open'
      conv.snoozedUntil = null
      addPart(conv, ctx.ws, now, { partType: 'open', body: text, author, assignedTo: null })
      ctx.events.emit('conversation.admin.opened', conversationEventItem(ctx, conv))
      break
    case 'snoozed': {
      const until = body.snoozed_until
      if (typeof until !== 'number' || !Number.isInteger(until))
        throw invalid('snoozed_until is required', 'snoozed_until')
      if (until <= now) throw invalid('snoozed_until must be in the future', 'snoozed_until')
      conv.state = 'snoozed'
      conv.snoozedUntil = until
      addPart(conv, ctx.ws, now, { partType: 'snoozed', body: text, author, assignedTo: null })
      ctx.events.emit('conversation.admin.snoozed', conversationEventItem(ctx, conv))
      break
    }
    case 'assignment': {
      if (body.type !== 'admin' && body.type !== 'team') throw invalid("type must be 'admin' or 'team'", 'type')
      if (typeof body.assignee_id !== 'string' && typeof body.assignee_id !== 'number') {
        throw invalid('assignee_id is required', 'assignee_id')
      }
      const input: AssignInput = { adminId, assigneeType: body.type, assigneeId: String(body.assignee_id) }
      if (typeof body.body === 'string') input.body = body.body
      assignConversation(ctx.ws, conv, now, input)
      ctx.events.emit('conversation.admin.assigned', conversationEventItem(ctx, conv))
      break
    }
    default:
      throw invalid("message_type must be one of 'close', 'open', 'snoozed', 'assignment'", 'message_type')
  }
  return { body: conversationJson(ctx, conv) }
}

function getConversation(ctx: ApiContext): ApiReply {
  return { body: conversationJson(ctx, requireConversation(ctx.ws, ctx.params.conversation_id)) }
}

function updateConversation(ctx: ApiContext): ApiReply {
  const conv = requireConversation(ctx.ws, ctx.params.conversation_id)
  const body = ctx.body
  if (!isRecord(body)) throw invalid('Request body must be an object')
  const attrs = body.custom_attributes == null ? {} : checkConversationAttributes(ctx.ws, body.custom_attributes)
  if (body.read !== undefined) {
    if (typeof body.read !== 'boolean') throw invalid('read must be a boolean', 'read')
    conv.read = body.read
  }
  if (body.title !== undefined) {
    if (typeof body.title !== 'string') throw invalid('title must be a string', 'title')
    conv.title = body.title
  }
  Object.assign(conv.customAttributes, attrs)
  conv.updatedAt = ctx.nowSec()
  return { body: conversationJson(ctx, conv) }
}

function attachConversationTag(ctx: ApiContext): ApiReply {
  const conv = requireConversation(ctx.ws, ctx.params.conversation_id)
  const body = ctx.body
  if (!isRecord(body)) throw invalid('Request body must be an object')
  const adminId = requireAdminId(body)
  const author = adminAuthor(ctx.ws, adminId)
  const tag = typeof body.id === 'string' ? ctx.ws.tags.get(body.id) : undefined
  if (!tag) throw new ApiError(404, 'tag_not_found', 'Tag not found')
  const now = ctx.nowSec()
  let applied = conv.tags.find((t) => t.id === tag.id)
  if (!applied) {
    applied = { id: tag.id, appliedAt: now, appliedBy: { type: 'admin', id: adminId } }
    conv.tags.push(applied)
    const part = addPart(conv, ctx.ws, now, {
      partType: 'conversation_attribute_updated_by_admin',
      body: null,
      author,
      assignedTo: null,
    })
    part.tags.push(tag.id)
    ctx.events.emit('conversation_part.tag.created', {
      ...conversationEventItem(ctx, conv),
      tags_added: { type: 'tag.list', tags: [{ type: 'tag', id: tag.id, name: tag.name }] },
    })
  }
  return {
    body: { type: 'tag', id: tag.id, name: tag.name, applied_at: applied.appliedAt, applied_by: applied.appliedBy },
  }
}

function detachConversationTag(ctx: ApiContext): ApiReply {
  const conv = requireConversation(ctx.ws, ctx.params.conversation_id)
  const body = isRecord(ctx.body) ? ctx.body : {}
  const adminId = requireAdminId(body)
  adminAuthor(ctx.ws, adminId)
  const tag = ctx.ws.tags.get(ctx.params.tag_id ?? '')
  if (!tag) throw new ApiError(404, 'tag_not_found', 'Tag not found')
  conv.tags = conv.tags.filter((t) => t.id !== tag.id)
  conv.updatedAt = ctx.nowSec()
  return { body: { type: 'tag', id: tag.id, name: tag.name } }
}

export const conversationRoutes: RouteDef[] = [
  { method: 'POST', path: '/conversations', handler: createConversation },
  { method: 'GET', path: '/conversations/{conversation_id}', handler: getConversation },
  { method: 'PUT', path: '/conversations/{conversation_id}', handler: updateConversation },
  { method: 'POST', path: '/conversations/{conversation_id}/reply', handler: replyConversation },
  { method: 'POST', path: '/conversations/{conversation_id}/parts', handler: manageConversation },
  { method: 'POST', path: '/conversations/{conversation_id}/tags', handler: attachConversationTag },
  { method: 'DELETE', path: '/conversations/{conversation_id}/tags/{tag_id}', handler: detachConversationTag },
]
