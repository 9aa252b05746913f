/** In-memory Intercom workspace: the records every route reads and writes. Times are UNIX seconds. */
import { ObservedMap } from './key-index.js'
import { newTicketing, type Ticketing } from './ticket-records.js'
import { ContactIndex, ConversationIndex } from './workspace-index.js'

export type Role = 'user' | 'lead'
export type Priority = 'none' | 'low' | 'medium' | 'high' | 'urgent'
export type ConversationState = 'open' | 'closed' | 'snoozed'
export type AttributeValue = string | number | boolean | null

export interface AppliedTag {
  id: string
  appliedAt: number
  appliedBy: { type: 'admin'; id: string } | null
}

export interface ContactRecord {
  id: string
  role: Role
  name: string | null
  email: string | null
  phone: string | null
  /** `location.country` as Intercom names it; Intercom sets it from where the contact was seen, never the API. */
  locationCountry?: string | null
  externalId: string | null
  ownerId: string | null
  avatar: string | null
  signedUpAt: number | null
  lastSeenAt: number | null
  unsubscribedFromEmails: boolean
  createdAt: number
  updatedAt: number
  /** Clock milliseconds from which search sees the contact (search-index lag). */
  searchableFromMs: number
  customAttributes: Record<string, AttributeValue>
  tags: AppliedTag[]
  /** Set when merged away: the contact it was merged into. */
  mergedInto: string | null
  mergeHistory: Array<{ sourceContactId: string; sourceContactRole: Role; mergedAt: number }>
}

export interface NoteRecord {
  id: string
  contactId: string
  adminId: string
  body: string
  createdAt: number
}

export interface PartAuthor {
  type: 'admin' | 'user' | 'lead' | 'bot' | 'team'
  id: string
  name: string | null
  email: string | null
}

export interface PartRecord {
  id: string
  partType: string
  body: string | null
  createdAt: number
  author: PartAuthor
  assignedTo: { type: 'admin' | 'team' | 'nobody_admin'; id: string | null } | null
  state: ConversationState
  tags: string[]
}

export interface ConversationRecord {
  id: string
  title: string | null
  createdAt: number
  updatedAt: number
  waitingSince: number | null
  snoozedUntil: number | null
  state: ConversationState
  read: boolean
  priority: Priority
  adminAssigneeId: string | null
  teamAssigneeId: string | null
  contactIds: string[]
  source: {
    type: string
    id: string
    deliveredAs: string
    subject: string
    body: string
    author: PartAuthor
  }
  parts: PartRecord[]
  tags: AppliedTag[]
  customAttributes: Record<string, AttributeValue>
}

export type DataType = 'string' | 'integer' | 'float' | 'boolean' | 'date' | 'datetime' | 'options'

export interface DataAttributeRecord {
  id: number | null
  model: 'contact' | 'company'
  name: string
  label: string
  description: string
  dataType: DataType
  options: string[]
  custom: boolean
  archived: boolean
  messengerWritable: boolean
  createdAt: number
  updatedAt: number
  adminId: string | null
}

export type ConversationAttributeType = 'string' | 'integer' | 'list' | 'decimal' | 'boolean' | 'datetime'

export interface ConversationAttributeRecord {
  id: number
  name: string
  description: string
  dataType: ConversationAttributeType
  options: string[]
  archived: boolean
  createdAt: number
  updatedAt: number
}

export interface AdminRecord {
  id: string
  name: string
  email: string
  teamIds: string[]
}

export interface TeamRecord {
  id: string
  name: string
  adminIds: string[]
}

export interface TagRecord {
  id: string
  name: string
}

export interface MessageRecord {
  type: 'admin_message' | 'user_message'
  id: string
  createdAt: number
  messageType: string
  subject: string | null
  body: string
  fromId: string
  to: Array<{ type: string; id: string }>
  conversationId: string | null
}

export interface CallRecord {
  id: string
  conversationId: string | null
  adminId: string | null
  contactId: string | null
  state: string
  initiatedAt: number
  answeredAt: number | null
  endedAt: number | null
  createdAt: number
  updatedAt: number
  recordingUrl: string | null
  transcriptionUrl: string | null
  callType: string
  direction: string
  endedReason: string | null
  phone: string | null
}

export class Workspace {
  readonly contactIndex: ContactIndex = new ContactIndex(() => this.contacts.values())
  readonly conversationIndex: ConversationIndex = new ConversationIndex(() => this.conversations.values())
  /** Stores and removals are indexed as they happen; in-place edits are reported with `contactChanged`. */
  readonly contacts: Map<string, ContactRecord> = new ObservedMap(this.contactIndex)
  /** In-place edits of `contactIds` are reported with `conversationChanged`. */
  readonly conversations: Map<string, ConversationRecord> = new ObservedMap(this.conversationIndex)
  admins = new Map<string, AdminRecord>()
  teams = new Map<string, TeamRecord>()
  tags = new Map<string, TagRecord>()
  dataAttributes: DataAttributeRecord[] = []
  conversationAttributes: ConversationAttributeRecord[] = []
  notes: NoteRecord[] = []
  messages: MessageRecord[] = []
  calls = new Map<string, CallRecord>()
  ticketing: Ticketing = newTicketing()
  private counters = { conversation: 100_000, part: 500_000, message: 900_000, tag: 50, note: 10, attribute: 1_000 }

  constructor(private readonly hex: (length: number) => string) {}

  contactId(): string {
    let id = this.hex(24)
    while (this.contacts.has(id)) id = this.hex(24)
    return id
  }

  nextId(kind: keyof Workspace['counters']): string {
    this.counters[kind] += 1
    return String(this.counters[kind])
  }

  /** Follows merge links (the API resolves up to 3 hops). */
  canonical(contact: ContactRecord): ContactRecord {
    let current = contact
    for (let hop = 0; hop < 3 && current.mergedInto !== null; hop++) {
      const next = this.contacts.get(current.mergedInto)
      if (!next) break
      current = next
    }
    return current
  }

  /** Call after editing a stored contact in place, so its index entries and cached searches follow. */
  contactChanged(contact: ContactRecord): void {
    this.contactIndex.changed(contact)
  }

  /** Call after editing a stored conversation's `contactIds` in place. */
  conversationChanged(conversation: ConversationRecord): void {
    this.conversationIndex.changed(conversation)
  }

  /** Conversations listing the contact, in the order a scan of `conversations` meets them. */
  conversationsOf(contactId: string): ConversationRecord[] {
    const filed = this.conversationIndex.contactIds.lookup(contactId) ?? []
    return this.conversationIndex.order.sort(filed).filter((c) => c.contactIds.includes(contactId))
  }

  customAttributeCount(): number {
    return this.dataAttributes.filter((a) => a.custom).length
  }
}
