/** POST /messages: admin-initiated in-app or email messages, which only become conversations on request. */
import { ApiError, invalid } from './errors.js'
import type { ApiContext, ApiReply } from './context.js'
import { requireContact } from './contacts.js'
import { conversationEventItem, newConversation } from './conversations.js'
import { htmlBody } from './render.js'
import type { RouteDef } from './routes.js'

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function createMessage(ctx: ApiContext): ApiReply {
  const body = ctx.body
  if (!isRecord(body)) throw invalid('Request body must be an object')
  const rawType = body.message_type
  if (rawType !== 'inapp' && rawType !== 'in_app' && rawType !== 'email') {
    throw invalid("message_type must be one of 'inapp', 'in_app', 'email'", 'message_type')
  }
  const messageType = rawType === 'email' ? 'email' : 'inapp'
  if (messageType === 'email') {
    if (typeof body.subject !== 'string' || body.subject === '') {
      throw new ApiError(422, 'parameter_not_found', 'No subject supplied for email message', {}, 'subject')
    }
    if (body.template !== 'plain' && body.template !== 'personal') {
      throw new ApiError(422, 'parameter_not_found', 'No template supplied for email message', {}, 'template')
    }
  }
  if (typeof body.body !== 'string' || body.body === '') throw invalid('Body is required', 'body')
  const from = body.from
  if (!isRecord(from) || from.type !== 'admin' || (typeof from.id !== 'number' && typeof from.id !== 'string')) {
    throw invalid("from must be {type: 'admin', id}", 'from')
  }
  const adminId = String(from.id)
  const admin = ctx.ws.admins.get(adminId)
  if (!admin) throw new ApiError(404, 'not_found', 'Admin not found')
  const toList = Array.isArray(body.to) ? body.to : body.to === undefined ? [] : [body.to]
  if (toList.length === 0) throw invalid('to is required', 'to')
  const recipients = toList.map((to) => {
    if (!isRecord(to) || typeof to.id !== 'string' || !['user', 'lead', 'contact'].includes(String(to.type))) {
      throw invalid("to must be {type: 'user'|'lead'|'contact', id}", 'to')
    }
    return requireContact(ctx, to.id)
  })
  const now = ctx.nowSec()
  const messageId = ctx.ws.nextId('message')
  let conversationId: string | null = null
  if (body.create_conversation_without_contact_reply === true) {
    const conv = newConversation(ctx.ws, now, {
      contactIds: recipients.map((c) => c.id),
      adminAssigneeId: null,
      source: {
        type: messageType === 'email' ? 'email' : 'conversation',
        id: messageId,
        deliveredAs: 'admin_initiated',
        subject: typeof body.subject === 'string' ? body.subject : '',
        body: htmlBody(body.body),
        author: { type: 'admin', id: admin.id, name: admin.name, email: admin.email },
      },
    })
    conversationId = conv.id
    ctx.events.emit('conversation.admin.single.created', conversationEventItem(ctx, conv))
  }
  ctx.ws.messages.push({
    type: 'admin_message',
    id: messageId,
    createdAt: now,
    messageType,
    subject: typeof body.subject === 'string' ? body.subject : null,
    body: body.body,
    fromId: admin.id,
    to: recipients.map((c) => ({ type: c.role, id: c.id })),
    conversationId,
  })
  const out: Record<string, unknown> = {
    type: 'admin_message',
    id: messageId,
    created_at: now,
    subject: typeof body.subject === 'string' ? body.subject : '',
    body: body.body,
    message_type: messageType,
    owner: { type: 'admin', id: admin.id, name: admin.name, email: admin.email },
  }
  if (conversationId !== null) out.conversation_id = conversationId
  return { body: out }
}

export const messageRoutes: RouteDef[] = [{ method: 'POST', path: '/messages', handler: createMessage }]
