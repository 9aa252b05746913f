/** JSON shapes of Intercom objects, switched by API version where 2.14 and 2.16 differ. */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'
import type { ApiVersion } from './context.js'
import { linkedTicketsOf } from './ticket-records.js'
import type {
  AdminRecord,
  AppliedTag,
  ContactRecord,
  ConversationRecord,
  DataAttributeRecord,
  PartAuthor,
  PartRecord,
  TeamRecord,
  Workspace,
} from './state.js'

/** Parsing is the costliest part of rendering or searching a contact; the result depends on nothing else. */
const formattedMemo = new Map<string, string | null>()
const FORMATTED_MEMO_LIMIT = 250_000

/** E.164 form of a stored phone, or null when it cannot be resolved without guessing a country. */
export function formattedPhone(phone: string | null, defaultCountry: CountryCode | undefined): string | null {
  if (phone === null || phone.trim() === '') return null
  // Country codes are two letters, so the prefix cannot run into the phone.
  const key = `${defaultCountry ?? '--'}:${phone}`
  const known = formattedMemo.get(key)
  if (known !== undefined) return known
  const parsed = parsePhoneNumberFromString(phone, defaultCountry ? { defaultCountry } : undefined)
  const formatted = parsed?.isValid() ? parsed.number : null
  if (formattedMemo.size >= FORMATTED_MEMO_LIMIT) formattedMemo.clear()
  formattedMemo.set(key, formatted)
  return formatted
}

export function htmlBody(body: string): string {
  const trimmed = body.trim()
  return /^<(p|ul|ol|div|h\d|blockquote|pre|table|html)\b/i.test(trimmed) ? trimmed : `<p>${trimmed}</p>`
}

export function renderAdmin(admin: AdminRecord): Record<string, unknown> {
  return {
    type: 'admin',
    id: admin.id,
    name: admin.name,
    email: admin.email,
    job_title: '',
    away_mode_enabled: false,
    away_mode_reassign: false,
    away_status_reason_id: null,
    has_inbox_seat: true,
    team_ids: admin.teamIds.map(Number),
    avatar: null,
  }
}

export function renderTeam(team: TeamRecord): Record<string, unknown> {
  return {
    type: 'team',
    id: team.id,
    name: team.name,
    admin_ids: team.adminIds.map(Number),
    assignment_limit: null,
    distribution_method: 'round_robin',
  }
}

export function renderTag(ws: Workspace, applied: AppliedTag): Record<string, unknown> {
  return {
    type: 'tag',
    id: applied.id,
    name: ws.tags.get(applied.id)?.name ?? '',
    applied_at: applied.appliedAt,
    applied_by: applied.appliedBy ?? { type: 'admin', id: null },
  }
}

export interface ContactRenderOptions {
  version: ApiVersion
  defaultCountry: CountryCode | undefined
  appId: string
  includeMergeHistory?: boolean
  /** False when the emulator runs without `formatted_phone` (default true). */
  formattedPhone?: boolean
}

export function renderContact(c: ContactRecord, o: ContactRenderOptions): Record<string, unknown> {
  const v216 = o.version.atLeast('2.16')
  const out: Record<string, unknown> = {
    type: 'contact',
    id: c.id,
    workspace_id: o.appId,
    external_id: c.externalId,
    role: c.role,
    // The 2.16 schema types email as a non-nullable string: an absent email is "".
    email: c.email ?? '',
    email_domain: c.email?.split('@')[1] ?? '',
    phone: c.phone,
    name: c.name,
    owner_id: c.ownerId === null ? null : v216 ? c.ownerId : Number(c.ownerId),
    has_hard_bounced: false,
    marked_email_as_spam: false,
    unsubscribed_from_emails: c.unsubscribedFromEmails,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    signed_up_at: c.signedUpAt,
    last_seen_at: c.lastSeenAt,
    last_replied_at: null,
    last_contacted_at: null,
    last_email_opened_at: null,
    last_email_clicked_at: null,
    language_override: null,
    browser: null,
    browser_version: null,
    browser_language: null,
    os: null,
    custom_attributes: { ...c.customAttributes },
    avatar: c.avatar === null ? null : { type: 'avatar', image_url: c.avatar },
    tags: {
      type: 'list',
      data: c.tags.map((t) => ({ type: 'tag', id: t.id, url: `/tags/${t.id}` })),
      url: `/contacts/${c.id}/tags`,
      total_count: c.tags.length,
      has_more: false,
    },
    notes: { type: 'list', data: [], url: `/contacts/${c.id}/notes`, total_count: 0, has_more: false },
    companies: { type: 'list', data: [], url: `/contacts/${c.id}/companies`, total_count: 0, has_more: false },
    location: { type: 'location', country: c.locationCountry ?? null, region: null, city: null },
    social_profiles: { type: 'list', data: [] },
  }
  if (v216) {
    const formatted = o.formattedPhone === false ? null : formattedPhone(c.phone, o.defaultCountry)
    if (formatted !== null) out.formatted_phone = formatted
    if (o.includeMergeHistory && c.role === 'user') {
      out.merge_history = c.mergeHistory.map((m) => ({
        type: 'merge_history_item',
        source_contact_id: m.sourceContactId,
        source_contact_role: m.sourceContactRole,
        merged_at: m.mergedAt,
      }))
    }
  }
  return out
}

function renderAuthor(author: PartAuthor): Record<string, unknown> {
  const out: Record<string, unknown> = { type: author.type, id: author.id, name: author.name }
  if (author.email !== null) out.email = author.email
  return out
}

function assigneeId(id: string | null, version: ApiVersion): number | null {
  if (id !== null) return Number(id)
  return version.atLeast('2.16') ? 0 : null
}

export function renderPart(p: PartRecord, ws: Workspace): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: 'conversation_part',
    id: p.id,
    part_type: p.partType,
    body: p.body,
    created_at: p.createdAt,
    updated_at: p.createdAt,
    notified_at: p.createdAt,
    author: renderAuthor(p.author),
    attachments: [],
    external_id: null,
    redacted: false,
    state: p.state,
    tags: p.tags.map((id) => ({ type: 'tag', id, name: ws.tags.get(id)?.name ?? '' })),
  }
  if (p.assignedTo !== null) out.assigned_to = p.assignedTo
  return out
}

const linkedObjects = (ws: Workspace, conversationId: string): Record<string, unknown> => {
  const data = linkedTicketsOf(ws, conversationId)
  return { type: 'list', total_count: data.length, has_more: false, data }
}

/** Conversations return at most the 500 most recent parts. */
export const MAX_PARTS = 500

export function renderConversation(
  conv: ConversationRecord,
  ws: Workspace,
  version: ApiVersion,
  withParts: boolean,
): Record<string, unknown> {
  const v216 = version.atLeast('2.16')
  const out: Record<string, unknown> = {
    type: 'conversation',
    id: conv.id,
    title: conv.title,
    created_at: conv.createdAt,
    updated_at: conv.updatedAt,
    waiting_since: conv.waitingSince,
    snoozed_until: conv.snoozedUntil,
    open: conv.state !== 'closed',
    state: conv.state,
    read: conv.read,
    priority: v216 ? conv.priority : conv.priority === 'none' ? 'not_priority' : 'priority',
    admin_assignee_id: assigneeId(conv.adminAssigneeId, version),
    team_assignee_id: assigneeId(conv.teamAssigneeId, version),
    tags: { type: 'tag.list', tags: conv.tags.map((t) => renderTag(ws, t)) },
    source: {
      type: conv.source.type,
      id: conv.source.id,
      delivered_as: conv.source.deliveredAs,
      subject: conv.source.subject,
      body: conv.source.body,
      author: renderAuthor(conv.source.author),
      attachments: [],
      url: null,
      redacted: false,
    },
    contacts: {
      type: 'contact.list',
      contacts: conv.contactIds.map((id) => ({
        type: 'contact',
        id,
        external_id: ws.contacts.get(id)?.externalId ?? null,
      })),
    },
    teammates: {
      type: 'admin.list',
      teammates: [...new Set(conv.parts.filter((p) => p.author.type === 'admin').map((p) => p.author.id))].map(
        (id) => ({ type: 'admin', id }),
      ),
    },
    custom_attributes: { ...conv.customAttributes },
    statistics: { type: 'conversation_statistics', count_conversation_parts: conv.parts.length + 1 },
    linked_objects: linkedObjects(ws, conv.id),
    ai_agent_participated: false,
  }
  if (withParts) {
    out.conversation_parts = {
      type: 'conversation_part.list',
      conversation_parts: conv.parts.slice(-MAX_PARTS).map((p) => renderPart(p, ws)),
      total_count: conv.parts.length,
    }
  }
  return out
}

const RESPONSE_DATA_TYPE: Record<DataAttributeRecord['dataType'], string> = {
  string: 'string',
  integer: 'integer',
  float: 'float',
  boolean: 'boolean',
  date: 'date',
  datetime: 'date',
  options: 'string',
}

export function renderDataAttribute(a: DataAttributeRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: 'data_attribute',
    model: a.model,
    name: a.name,
    full_name: a.custom ? `custom_attributes.${a.name}` : a.name,
    label: a.label,
    description: a.description,
    data_type: RESPONSE_DATA_TYPE[a.dataType],
    api_writable: true,
    ui_writable: true,
    messenger_writable: a.messengerWritable,
    custom: a.custom,
    archived: a.archived,
  }
  if (a.id !== null) out.id = a.id
  if (a.options.length > 0) out.options = a.options
  if (a.custom) {
    out.created_at = a.createdAt
    out.updated_at = a.updatedAt
    if (a.adminId !== null) out.admin_id = a.adminId
  }
  return out
}
