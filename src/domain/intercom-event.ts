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

export interface EventBase {
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

export type IntercomParseResult = { ok: true; event: IntercomEvent } | { ok: false; error: IntercomEventParseError }
