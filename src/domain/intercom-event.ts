import { z } from 'zod'

export const INTERCOM_CONVERSATION_TOPICS = [
  'conversation.admin.assigned',
  'conversation.admin.open.assigned',
  'conversation.priority.updated',
  'conversation_part.tag.created',
  'conversation.admin.noted',
  'conversation.admin.closed',
  'conversation.admin.replied',
  // Read for the loop guard: a conversation or reply the toolkit wrote as the contact (messages) comes back here.
  'conversation.user.created',
  'conversation.user.replied',
] as const
export const INTERCOM_CONTACT_TOPICS = ['contact.user.updated', 'contact.lead.updated'] as const
export const INTERCOM_CONTACT_TAG_TOPICS = ['contact.user.tag.created', 'contact.lead.tag.created'] as const
/** Contact topics that change who a phone or email finds, beyond the updates above: the contact index follows them. */
export const INTERCOM_CONTACT_CHANGE_TOPICS = [
  'contact.user.created',
  'contact.lead.created',
  'contact.lead.signed_up',
  'contact.lead.added_email',
  'contact.email.updated',
  'contact.merged',
  'contact.archived',
  'contact.deleted',
] as const

export type IntercomConversationTopic = (typeof INTERCOM_CONVERSATION_TOPICS)[number]
export type IntercomContactTopic = (typeof INTERCOM_CONTACT_TOPICS)[number]
export type IntercomContactTagTopic = (typeof INTERCOM_CONTACT_TAG_TOPICS)[number]
export type IntercomContactChangeTopic = (typeof INTERCOM_CONTACT_CHANGE_TOPICS)[number]

interface EventBase {
  /** Dedupe key: the notification id (`notif_…`), or topic + created_at for pings, whose id is null. */
  identity: string
  notificationId: string | null
  topic: string
  createdAt: number
  appId: string | null
}

export interface IntercomConversationEvent extends EventBase {
  kind: 'conversation'
  topic: IntercomConversationTopic
  subject: string
  conversationId: string
  contactIds: string[]
  /** Null when unassigned (Intercom sends "0", 0 or null depending on the version). */
  assigneeAdminId: string | null
  assigneeTeamId: string | null
  /** `priority`/`not_priority` in 2.x; kept as sent. */
  priority: string | null
  state: string | null
  title: string | null
  /** Every tag now on the conversation. */
  tags: string[]
  /** The tags this notification reports as added (conversation_part.tag.created). */
  tagsAdded: string[]
  /** The admin who made the change, when the payload says: loop guards compare it with our own admin. */
  authorAdminId: string | null
  authorType: string | null
  /** The newest conversation part (the note, reply or assignment that caused the notification). */
  part: { id: string | null; type: string | null; body: string | null } | null
}

export interface IntercomContactEvent extends EventBase {
  kind: 'contact'
  topic: IntercomContactTopic
  subject: string
  contactId: string
  role: 'user' | 'lead'
  email: string | null
  phone: string | null
  externalId: string | null
  customAttributes: Record<string, unknown>
  /** Contact updates do not say who made them. */
  authorAdminId: null
}

export interface IntercomContactTagEvent extends EventBase {
  kind: 'contact-tag'
  topic: IntercomContactTagTopic
  subject: string
  contactId: string
  role: 'user' | 'lead'
  tagId: string | null
  tagName: string
  authorAdminId: string | null
}

/** A contact created, merged or removed: what the index needs is its id (and, merged, the id merged away). */
export interface IntercomContactChangeEvent extends EventBase {
  kind: 'contact-change'
  topic: IntercomContactChangeTopic
  subject: string
  contactId: string
  /** contact.merged: the contact merged into `contactId`, gone from Intercom now. */
  mergedFromId: string | null
  /** contact.archived and contact.deleted: the contact no longer answers a search. */
  removed: boolean
}

export interface IntercomPingEvent extends EventBase {
  kind: 'ping'
  topic: 'ping'
  subject: null
  message: string | null
}

export interface IntercomOtherEvent extends EventBase {
  kind: 'other'
  subject: null
}

export type IntercomEvent =
  | IntercomConversationEvent
  | IntercomContactEvent
  | IntercomContactTagEvent
  | IntercomContactChangeEvent
  | IntercomPingEvent
  | IntercomOtherEvent

export class IntercomEventParseError extends Error {
  override readonly name = 'IntercomEventParseError'
  readonly failure = 'permanent' // a replay cannot fix the payload: classifyFailure dead-letters it at once
  constructor(
    message: string,
    readonly issues: string[],
  ) {
    super(message)
  }
}

const id = z.union([z.string(), z.number()]).transform((value) => String(value))
const ref = z.object({ type: z.string().nullish(), id: id.nullish() })
const tag = z.object({ id: id.nullish(), name: z.string(), applied_by: ref.nullish() })
// Conversations carry `{type: 'tag.list', tags: [...]}`; a conversation part (2.x docs) carries a bare array.
const tagList = z.union([z.array(tag), z.object({ tags: z.array(tag).nullish() })]).nullish()
const part = z.object({
  id: id.nullish(),
  part_type: z.string().nullish(),
  body: z.string().nullish(),
  created_at: z.number().nullish(),
  author: ref.nullish(),
  assigned_to: ref.nullish(),
})

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
  conversation_parts: z.object({ conversation_parts: z.array(part).nullish() }).nullish(),
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
type Part = z.infer<typeof part>

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

export type IntercomParseResult = { ok: true; event: IntercomEvent } | { ok: false; error: IntercomEventParseError }

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
