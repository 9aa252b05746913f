import { z } from 'zod'

import {
  INTERCOM_CONVERSATION_TOPICS,
  INTERCOM_CONTACT_TOPICS,
  INTERCOM_CONTACT_TAG_TOPICS,
  INTERCOM_CONTACT_CHANGE_TOPICS,
  IntercomEventParseError,
  type EventBase,
  type IntercomConversationEvent,
  type IntercomConversationTopic,
  type IntercomEvent,
  type IntercomParseResult,
} from '../domain/intercom-event.js'
import { intercomConversationPartSchema } from './schemas.js'

const id = z.union([z.string(), z.number()]).transform((value) => String(value))
const ref = z.object({ type: z.string().nullish(), id: id.nullish() })
const tag = z.object({ id: id.nullish(), name: z.string(), applied_by: ref.nullish() })
// Conversations carry `{type: 'tag.list', tags: [...]}`; a conversation part (2.x docs) carries a bare array.
const tagList = z.union([z.array(tag), z.object({ tags: z.array(tag).nullish() })]).nullish()

const conversationItem = z.object({
  type: z.string().nullish(),
  id: id,
  // A conversation_part item (2.x docs for conversation_part.tag.created) names its conversation here.
  conversation_id: id.nullish(),
  title: z.string().nullish(),
  state: z.string().nullish(),
  priority: z.string().nullish(),
  admin_assignee_id: id.nullish(),
  team_assignee_id: id.nullish(),
  // 1.x payloads (still delivered to old subscriptions) name the assignee and the contact differently.
  assignee: ref.nullish(),
  user: ref.nullish(),
  contacts: z.object({ contacts: z.array(ref).nullish() }).nullish(),
  tags: tagList,
  tags_added: tagList,
  conversation_parts: z.object({ conversation_parts: z.array(intercomConversationPartSchema).nullish() }).nullish(),
  // The conversation's first message: a new conversation reports it here, with no part yet.
  source: z
    .object({ id: id.nullish(), type: z.string().nullish(), body: z.string().nullish(), author: ref.nullish() })
    .nullish(),
  // Present when the item is itself a conversation part.
  part_type: z.string().nullish(),
  body: z.string().nullish(),
  author: ref.nullish(),
  assigned_to: ref.nullish(),
})

const contactItem = z.object({
  id: id,
  role: z.string().nullish(),
  email: z.string().nullish(),
  phone: z.string().nullish(),
  external_id: id.nullish(),
  custom_attributes: z.record(z.string(), z.unknown()).nullish(),
})

// `*.deleted` topics send only identifying fields; contact.merged adds the id merged away.
const contactChangeItem = z.object({ id: id, merged_from: ref.nullish() })

const contactTagItem = z.object({
  tag: z.object({ id: id.nullish(), name: z.string(), applied_by: ref.nullish() }),
  contact: ref.nullish(),
  user: ref.nullish(),
  admin: ref.nullish(),
})

const pingItem = z.object({ message: z.string().nullish() })

export const intercomEnvelopeSchema = z.object({
  type: z.literal('notification_event'),
  id: z.string().min(1).nullable(),
  topic: z.string().min(1),
  app_id: z.string().nullish(),
  created_at: z.number().int().nonnegative(),
  data: z.object({ item: z.record(z.string(), z.unknown()) }),
})

type Ref = z.infer<typeof ref>
type TagList = z.infer<typeof tagList>
/** The part a notification reports: a conversation part, or the first message standing in for one. */
type Part = Pick<
  z.infer<typeof intercomConversationPartSchema>,
  'part_type' | 'body' | 'created_at' | 'author' | 'assigned_to'
> & { id?: string | null }

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value)
}

function assigned(value: string | null | undefined): string | null {
  return value === null || value === undefined || value === '' || value === '0' ? null : value
}

function tagsOf(list: TagList): Array<z.infer<typeof tag>> {
  if (!list) return []
  return Array.isArray(list) ? list : (list.tags ?? [])
}

function adminIdOf(author: Ref | null | undefined): string | null {
  return author?.type === 'admin' ? assigned(author.id) : null
}

function latestPart(parts: Part[]): Part | null {
  let latest: Part | null = null
  for (const candidate of parts) {
    if (latest === null || (candidate.created_at ?? 0) >= (latest.created_at ?? 0)) latest = candidate
  }
  return latest
}

function describeIssues(error: z.ZodError, prefix: string): string[] {
  return error.issues.map((issue) => `${[prefix, ...issue.path].join('.')}: ${issue.message}`)
}

function conversationEvent(
  base: EventBase,
  topic: IntercomConversationTopic,
  item: z.infer<typeof conversationItem>,
): IntercomConversationEvent | IntercomEventParseError {
  const itemIsPart = item.type === 'conversation_part'
  const conversationId = itemIsPart ? item.conversation_id : item.id
  if (conversationId === null || conversationId === undefined) {
    return new IntercomEventParseError(`No conversation id in ${topic}`, ['data.item.conversation_id: Required'])
  }

  const source = item.source
  const part: Part | null = itemIsPart
    ? { id: item.id, part_type: item.part_type, body: item.body, author: item.author, assigned_to: item.assigned_to }
    : (latestPart(item.conversation_parts?.conversation_parts ?? []) ??
      (topic === 'conversation.user.created' && source
        ? { id: source.id, part_type: source.type, body: source.body, author: source.author }
        : null))

  const added = itemIsPart ? tagsOf(item.tags) : tagsOf(item.tags_added)
  const tagger = added.map((entry) => adminIdOf(entry.applied_by)).find((adminId) => adminId !== null) ?? null

  const contactIds = new Set<string>()
  for (const contact of item.contacts?.contacts ?? []) if (contact.id) contactIds.add(contact.id)
  if (item.user?.id) contactIds.add(item.user.id)

  let assigneeAdminId = assigned(item.admin_assignee_id)
  let assigneeTeamId = assigned(item.team_assignee_id)
  for (const legacy of [item.assignee, part?.assigned_to]) {
    if (legacy?.type === 'admin') assigneeAdminId ??= assigned(legacy.id)
    if (legacy?.type === 'team') assigneeTeamId ??= assigned(legacy.id)
  }

  return {
    ...base,
    kind: 'conversation',
    topic,
    subject: `intercom:conversation:${conversationId}`,
    conversationId,
    contactIds: [...contactIds],
    assigneeAdminId,
    assigneeTeamId,
    priority: item.priority ?? null,
    state: item.state ?? null,
    title: item.title ?? null,
    tags: itemIsPart ? [] : tagsOf(item.tags).map((entry) => entry.name),
    tagsAdded: added.map((entry) => entry.name),
    authorAdminId: tagger ?? adminIdOf(part?.author),
    authorType: tagger !== null ? 'admin' : (part?.author?.type ?? null),
    part: part === null ? null : { id: part.id ?? null, type: part.part_type ?? null, body: part.body ?? null },
  }
}

export function safeParseIntercomEvent(body: unknown): IntercomParseResult {
  const envelope = intercomEnvelopeSchema.safeParse(body)
  if (!envelope.success) {
    const issues = describeIssues(envelope.error, 'body')
    return { ok: false, error: new IntercomEventParseError('Not an Intercom notification', issues) }
  }
  const { id: notificationId, topic, created_at: createdAt, app_id: appId, data } = envelope.data
  const base: EventBase = {
    identity: notificationId ?? `intercom:${topic}:${createdAt}`,
    notificationId,
    topic,
    createdAt,
    appId: appId ?? null,
  }
  const fail = (error: z.ZodError): IntercomParseResult => ({
    ok: false,
    error: new IntercomEventParseError(`Malformed item in ${topic}`, describeIssues(error, 'data.item')),
  })

  if (topic === 'ping') {
    const item = pingItem.safeParse(data.item)
    if (!item.success) return fail(item.error)
    return { ok: true, event: { ...base, kind: 'ping', topic, subject: null, message: item.data.message ?? null } }
  }

  if (isOneOf(INTERCOM_CONVERSATION_TOPICS, topic)) {
    const item = conversationItem.safeParse(data.item)
    if (!item.success) return fail(item.error)
    const event = conversationEvent(base, topic, item.data)
    return event instanceof IntercomEventParseError ? { ok: false, error: event } : { ok: true, event }
  }

  if (isOneOf(INTERCOM_CONTACT_TOPICS, topic)) {
    const item = contactItem.safeParse(data.item)
    if (!item.success) return fail(item.error)
    const contact = item.data
    return {
      ok: true,
      event: {
        ...base,
        kind: 'contact',
        topic,
        subject: `intercom:contact:${contact.id}`,
        contactId: contact.id,
        role: topic === 'contact.user.updated' ? 'user' : 'lead',
        email: contact.email ?? null,
        phone: contact.phone ?? null,
        externalId: contact.external_id ?? null,
        customAttributes: contact.custom_attributes ?? {},
        authorAdminId: null,
      },
    }
  }

  if (isOneOf(INTERCOM_CONTACT_TAG_TOPICS, topic)) {
    const item = contactTagItem.safeParse(data.item)
    if (!item.success) return fail(item.error)
    const contactId = item.data.contact?.id ?? item.data.user?.id
    if (!contactId) {
      const error = new IntercomEventParseError(`No contact id in ${topic}`, ['data.item.contact.id: Required'])
      return { ok: false, error }
    }
    return {
      ok: true,
      event: {
        ...base,
        kind: 'contact-tag',
        topic,
        subject: `intercom:contact:${contactId}`,
        contactId,
        role: topic === 'contact.user.tag.created' ? 'user' : 'lead',
        tagId: item.data.tag.id ?? null,
        tagName: item.data.tag.name,
        authorAdminId: adminIdOf(item.data.tag.applied_by) ?? adminIdOf(item.data.admin),
      },
    }
  }

  if (isOneOf(INTERCOM_CONTACT_CHANGE_TOPICS, topic)) {
    const item = contactChangeItem.safeParse(data.item)
    if (!item.success) return fail(item.error)
    return {
      ok: true,
      event: {
        ...base,
        kind: 'contact-change',
        topic,
        subject: `intercom:contact:${item.data.id}`,
        contactId: item.data.id,
        mergedFromId: topic === 'contact.merged' ? (item.data.merged_from?.id ?? null) : null,
        removed: topic === 'contact.archived' || topic === 'contact.deleted',
      },
    }
  }

  return { ok: true, event: { ...base, kind: 'other', subject: null } }
}

/** Throws IntercomEventParseError on an unknown or malformed body (the listener answers 400). */
export function parseIntercomEvent(body: unknown): IntercomEvent {
  const result = safeParseIntercomEvent(body)
  if (!result.ok) throw result.error
  return result.event
}
