/** Contacts: create/update/get, 409 conflicts, lead→user merge, tags and notes (search is in contact-search.ts). */
import { ApiError, invalid } from './errors.js'
import type { ApiContext, ApiReply } from './context.js'
import { checkContactAttributes } from './data-attributes.js'
import { formattedPhone, htmlBody, renderAdmin, renderContact } from './render.js'
import type { RouteDef } from './routes.js'
import { paginate } from './search.js'
import type { AppliedTag, ContactRecord, Role } from './state.js'

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function contactJson(ctx: ApiContext, c: ContactRecord, includeMergeHistory = false): Record<string, unknown> {
  return renderContact(c, {
    version: ctx.version,
    defaultCountry: ctx.config.formattedPhoneDefaultCountry,
    formattedPhone: ctx.config.formattedPhone,
    appId: ctx.config.appId,
    includeMergeHistory,
  })
}

/** Webhook payloads are rendered at the app's default version, not the writer's. */
function contactEventItem(ctx: ApiContext, c: ContactRecord): Record<string, unknown> {
  return renderContact(c, {
    version: ctx.webhookVersion,
    defaultCountry: ctx.config.formattedPhoneDefaultCountry,
    formattedPhone: ctx.config.formattedPhone,
    appId: ctx.config.appId,
  })
}

const userNotFound = (): ApiError => new ApiError(404, 'not_found', 'User Not Found')

/** Active (not merged away) contact by id, or 404. */
export function requireContact(ctx: ApiContext, id: string | undefined): ContactRecord {
  const c = id === undefined ? undefined : ctx.ws.contacts.get(id)
  if (!c || c.mergedInto !== null) throw userNotFound()
  return c
}

function optionalString(body: Record<string, unknown>, key: string, nullable: boolean): string | null | undefined {
  const v = body[key]
  if (v === undefined) return undefined
  if (v === null && nullable) return null
  if (typeof v !== 'string') throw invalid(`${key} must be a string`, key)
  return v
}

function optionalInt(body: Record<string, unknown>, key: string): number | null | undefined {
  const v = body[key]
  if (v === undefined || v === null) return v
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`${key} must be a UNIX timestamp`, key)
  return v
}

function parseOwner(ctx: ApiContext, body: Record<string, unknown>): string | null | undefined {
  const v = body.owner_id
  if (v === undefined || v === null) return v
  // 2.16 made owner_id a string; earlier versions take an integer.
  let id: string
  if (ctx.version.atLeast('2.16')) {
    if (typeof v !== 'string') throw invalid('owner_id must be a string', 'owner_id')
    id = v
  } else {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid('owner_id must be an integer', 'owner_id')
    id = String(v)
  }
  if (!ctx.ws.admins.has(id)) throw new ApiError(404, 'admin_not_found', 'Admin not found')
  return id
}

function findConflict(
  ctx: ApiContext,
  self: ContactRecord | null,
  role: Role,
  email: string | null,
  externalId: string | null,
): void {
  const index = ctx.ws.contactIndex
  const candidates = new Set<ContactRecord>()
  if (externalId !== null) for (const c of index.externalId.lookup(externalId) ?? []) candidates.add(c)
  if (email !== null) for (const c of index.emailLower.lookup(email.toLowerCase()) ?? []) candidates.add(c)
  // The first conflicting contact in workspace order names the 409, as a scan of every contact would.
  for (const other of index.order.sort(candidates)) {
    if (other === self || other.mergedInto !== null) continue
    const sameExternal =
      ctx.config.conflictFields.includes('external_id') && externalId !== null && other.externalId === externalId
    // Leads may share an email; two users may not.
    const sameEmail =
      ctx.config.conflictFields.includes('email') &&
      role === 'user' &&
      other.role === 'user' &&
      email !== null &&
      other.email !== null &&
      other.email.toLowerCase() === email.toLowerCase()
    if (sameExternal || sameEmail) {
      throw new ApiError(409, 'conflict', `A contact matching those details already exists with id=${other.id}`)
    }
  }
}

function createContact(ctx: ApiContext): ApiReply {
  const body = ctx.body
  if (!isRecord(body)) throw invalid('Request body must be an object')
  if (body.email === undefined && body.external_id === undefined && body.role === undefined) {
    throw invalid('Either email, external_id or role must be provided')
  }
  const roleRaw = body.role ?? 'user'
  if (roleRaw !== 'user' && roleRaw !== 'lead') throw invalid("role must be either 'user' or 'lead'", 'role')
  const role: Role = roleRaw
  const email = optionalString(body, 'email', false) ?? null
  const externalId = optionalString(body, 'external_id', false) ?? null
  if (body.email_verified !== undefined && ctx.version.atLeast('2.16') && email === null) {
    throw invalid('email_verified can only be set together with email', 'email_verified')
  }
  const customAttributes = body.custom_attributes == null ? {} : checkContactAttributes(ctx.ws, body.custom_attributes)
  const ownerId = parseOwner(ctx, body) ?? null
  findConflict(ctx, null, role, email, externalId)
  const now = ctx.nowSec()
  const contact: ContactRecord = {
    id: ctx.ws.contactId(),
    role,
    name: optionalString(body, 'name', true) ?? null,
    email,
    phone: optionalString(body, 'phone', true) ?? null,
    externalId,
    ownerId,
    avatar: optionalString(body, 'avatar', true) ?? null,
    signedUpAt: optionalInt(body, 'signed_up_at') ?? null,
    lastSeenAt: optionalInt(body, 'last_seen_at') ?? null,
    unsubscribedFromEmails: body.unsubscribed_from_emails === true,
    createdAt: now,
    updatedAt: now,
    searchableFromMs: ctx.nowMs() + ctx.config.searchLagMs,
    customAttributes,
    tags: [],
    mergedInto: null,
    mergeHistory: [],
  }
  ctx.ws.contacts.set(contact.id, contact)
  ctx.events.emit(`contact.${role}.created`, contactEventItem(ctx, contact))
  return { body: contactJson(ctx, contact) }
}

function updateContact(ctx: ApiContext): ApiReply {
  const contact = requireContact(ctx, ctx.params.contact_id)
  const body = ctx.body
  if (!isRecord(body)) throw invalid('Request body must be an object')
  let role = contact.role
  if (body.role !== undefined) {
    if (body.role !== 'user' && body.role !== 'lead') throw invalid("role must be either 'user' or 'lead'", 'role')
    if (contact.role === 'user' && body.role === 'lead') throw invalid('A user cannot be converted into a lead', 'role')
    role = body.role
  }
  const email = optionalString(body, 'email', true)
  const externalId = optionalString(body, 'external_id', true)
  const customAttributes = body.custom_attributes == null ? {} : checkContactAttributes(ctx.ws, body.custom_attributes)
  const ownerId = parseOwner(ctx, body)
  findConflict(
    ctx,
    contact,
    role,
    email === undefined ? contact.email : email,
    externalId === undefined ? contact.externalId : externalId,
  )
  contact.role = role
  if (email !== undefined) contact.email = email
  if (externalId !== undefined) contact.externalId = externalId
  if (ownerId !== undefined) contact.ownerId = ownerId
  const name = optionalString(body, 'name', true)
  if (name !== undefined) contact.name = name
  const phone = optionalString(body, 'phone', true)
  if (phone !== undefined) contact.phone = phone
  const avatar = optionalString(body, 'avatar', true)
  if (avatar !== undefined) contact.avatar = avatar
  const signedUp = optionalInt(body, 'signed_up_at')
  if (signedUp !== undefined) contact.signedUpAt = signedUp
  const lastSeen = optionalInt(body, 'last_seen_at')
  if (lastSeen !== undefined) contact.lastSeenAt = lastSeen
  if (typeof body.unsubscribed_from_emails === 'boolean') contact.unsubscribedFromEmails = body.unsubscribed_from_emails
  Object.assign(contact.customAttributes, customAttributes)
  contact.updatedAt = ctx.nowSec()
  ctx.ws.contactChanged(contact)
  ctx.events.emit(`contact.${contact.role}.updated`, contactEventItem(ctx, contact))
  return { body: contactJson(ctx, contact) }
}

function getContact(ctx: ApiContext): ApiReply {
  const c = ctx.ws.contacts.get(ctx.params.contact_id ?? '')
  if (!c) throw userNotFound()
  if (c.mergedInto !== null) {
    if (!ctx.version.atLeast('2.16')) throw userNotFound()
    const canonical = ctx.ws.canonical(c)
    throw new ApiError(
      410,
      'contact_merged',
      "This contact has been merged. See the 'Link' header for the canonical contact.",
      {
        Link: `</contacts/${canonical.id}>; rel="canonical"`,
      },
    )
  }
  return { body: contactJson(ctx, c, ctx.query.get('include_merge_history') === 'true') }
}

/** `per_page` from a query string: absent → undefined; anything but a whole number is a 400, as in a search body. */
function queryPerPage(ctx: ApiContext): number | undefined {
  const raw = ctx.query.get('per_page')
  if (raw === null) return undefined
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN
  if (!Number.isSafeInteger(n) || n < 1 || n > 150) {
    throw invalid('per_page must be an integer between 1 and 150', 'per_page')
  }
  return n
}

/**
 * GET /contacts (2.16 `ListContacts`): every contact that was not merged away, oldest first, 50 a page (`per_page`
 * up to 150), with the next page's cursor in `pages.next.starting_after` and no `next` on the last page. The list
 * reads the records, not the search index, so `searchLagMs` does not hide new contacts here.
 */
function listContacts(ctx: ApiContext): ApiReply {
  const index = ctx.ws.contactIndex
  const key = JSON.stringify(['list-contacts'])
  const nowMs = ctx.nowMs()
  const listed =
    index.cachedScan(key, nowMs) ??
    index.storeScan(
      key,
      index.byCreatedAt().filter((c) => c.mergedInto === null),
      -Infinity,
      Infinity,
    )
  const perPage = queryPerPage(ctx)
  const startingAfter = ctx.query.get('starting_after')
  let page: ReturnType<typeof paginate<ContactRecord>>
  try {
    // A cursor from a search (or another list) is refused: each names the query it pages.
    page = paginate(
      listed.items,
      (c) => c.id,
      { per_page: perPage, starting_after: startingAfter === '' ? null : startingAfter },
      'list-contacts',
      50,
      150,
      (id) => listed.positionOf(id),
    )
  } catch (e) {
    if (e instanceof ApiError && e.field === 'pagination.starting_after') throw invalid(e.message, 'starting_after')
    throw e
  }
  const includeMergeHistory = ctx.query.get('include_merge_history') === 'true'
  return {
    body: {
      type: 'list',
      data: page.items.map((c) => contactJson(ctx, c, includeMergeHistory)),
      total_count: page.totalCount,
      pages: page.pages,
    },
  }
}

function digits(phone: string | null): string | null {
  return phone === null ? null : phone.replace(/\D/g, '')
}

/**
 * The address 2.16's duplicate validation compares. The reference names no normalisation: only "matching email or
 * phone" (shared/reference/intercom-api.md §3.4, the OA-2.16 `invalid_merge` example). Chosen: case-insensitive, as
 * this emulator's 409 check matches addresses, and untrimmed, as Intercom refused to merge a lead holding
 * " g4@…" into the user holding "g4@…" (issue #16 item 18). A padded address therefore only merges once rewritten.
 */
function mergeComparedEmail(email: string | null): string | null {
  return email === null || email === '' ? null : email.toLowerCase()
}

function mergeContacts(ctx: ApiContext): ApiReply {
  const body = ctx.body
  if (!isRecord(body)) throw invalid('Request body must be an object')
  if (typeof body.from !== 'string') throw invalid('from is required', 'from')
  if (typeof body.into !== 'string') throw invalid('into is required', 'into')
  const from = requireContact(ctx, body.from)
  const into = requireContact(ctx, body.into)
  if (from.role !== 'lead') throw invalid('from must be a lead', 'from')
  if (into.role !== 'user') throw invalid('into must be a user', 'into')
  if (ctx.version.atLeast('2.16') && body.skip_duplicate_validation !== true) {
    const country = ctx.config.formattedPhoneDefaultCountry
    const fromEmail = mergeComparedEmail(from.email)
    const sameEmail = fromEmail !== null && fromEmail === mergeComparedEmail(into.email)
    const fromE164 = formattedPhone(from.phone, country)
    const samePhone =
      from.phone !== null &&
      into.phone !== null &&
      (from.phone === into.phone ||
        digits(from.phone) === digits(into.phone) ||
        (fromE164 !== null && fromE164 === formattedPhone(into.phone, country)))
    if (!sameEmail && !samePhone) {
      throw new ApiError(
        400,
        'invalid_merge',
        'Contacts can only be merged when they are duplicates (matching email or phone). Pass skip_duplicate_validation=true to override this check.',
      )
    }
  }
  const now = ctx.nowSec()
  from.mergedInto = into.id
  from.updatedAt = now
  into.name ??= from.name
  into.phone ??= from.phone
  into.email ??= from.email
  for (const [k, v] of Object.entries(from.customAttributes))
    if (!(k in into.customAttributes)) into.customAttributes[k] = v
  for (const t of from.tags) if (!into.tags.some((x) => x.id === t.id)) into.tags.push(t)
  // Rewriting every conversation's contact list only changes those naming `from` or naming someone twice.
  const touched = new Set([...ctx.ws.conversationsOf(from.id), ...ctx.ws.conversationIndex.withDuplicateContacts])
  for (const conv of touched) {
    conv.contactIds = [...new Set(conv.contactIds.map((id) => (id === from.id ? into.id : id)))]
    ctx.ws.conversationChanged(conv)
  }
  into.mergeHistory.push({ sourceContactId: from.id, sourceContactRole: from.role, mergedAt: now })
  into.updatedAt = now
  ctx.ws.contactChanged(from)
  ctx.ws.contactChanged(into)
  ctx.events.emit('contact.merged', { ...contactEventItem(ctx, into), merged_from: { type: 'contact', id: from.id } })
  return { body: contactJson(ctx, into) }
}

function requireTag(ctx: ApiContext, id: unknown): { id: string; name: string } {
  const tag = typeof id === 'string' ? ctx.ws.tags.get(id) : undefined
  if (!tag) throw new ApiError(404, 'tag_not_found', 'Tag not found')
  return tag
}

function listContactTags(ctx: ApiContext): ApiReply {
  const contact = requireContact(ctx, ctx.params.contact_id)
  return {
    body: {
      type: 'list',
      data: contact.tags.map((t) => ({ type: 'tag', id: t.id, name: ctx.ws.tags.get(t.id)?.name ?? '' })),
    },
  }
}

function attachContactTag(ctx: ApiContext): ApiReply {
  const contact = requireContact(ctx, ctx.params.contact_id)
  if (!isRecord(ctx.body)) throw invalid('Request body must be an object')
  const tag = requireTag(ctx, ctx.body.id)
  const now = ctx.nowSec()
  let applied: AppliedTag | undefined = contact.tags.find((t) => t.id === tag.id)
  if (!applied) {
    applied = { id: tag.id, appliedAt: now, appliedBy: { type: 'admin', id: ctx.tokenAdminId } }
    contact.tags.push(applied)
    contact.updatedAt = now
    ctx.ws.contactChanged(contact)
    ctx.events.emit(`contact.${contact.role}.tag.created`, {
      type: 'contact_tag',
      created_at: now,
      tag: { type: 'tag', id: tag.id, name: tag.name },
      contact: contactEventItem(ctx, contact),
    })
  }
  return { body: { type: 'tag', id: tag.id, name: tag.name } }
}

function detachContactTag(ctx: ApiContext): ApiReply {
  const contact = requireContact(ctx, ctx.params.contact_id)
  const tag = requireTag(ctx, ctx.params.tag_id)
  const before = contact.tags.length
  contact.tags = contact.tags.filter((t) => t.id !== tag.id)
  if (contact.tags.length !== before) {
    const now = ctx.nowSec()
    contact.updatedAt = now
    ctx.ws.contactChanged(contact)
    ctx.events.emit(`contact.${contact.role}.tag.deleted`, {
      type: 'contact_tag',
      created_at: now,
      tag: { type: 'tag', id: tag.id, name: tag.name },
      contact: contactEventItem(ctx, contact),
    })
  }
  return { body: { type: 'tag', id: tag.id, name: tag.name } }
}

function noteJson(
  ctx: ApiContext,
  note: { id: string; contactId: string; adminId: string; body: string; createdAt: number },
): Record<string, unknown> {
  const admin = ctx.ws.admins.get(note.adminId)
  return {
    type: 'note',
    id: note.id,
    created_at: note.createdAt,
    contact: { type: 'contact', id: note.contactId },
    author: admin ? renderAdmin(admin) : { type: 'admin', id: note.adminId },
    body: note.body,
  }
}

function createContactNote(ctx: ApiContext): ApiReply {
  const body = ctx.body
  if (!isRecord(body)) throw invalid('Request body must be an object')
  const contact = ctx.ws.contacts.get(ctx.params.contact_id ?? '')
  if (!contact || contact.mergedInto !== null) throw new ApiError(404, 'not_found', 'Contact not found')
  if (typeof body.body !== 'string' || body.body.trim() === '') throw invalid('Body is required', 'body')
  let adminId = ctx.tokenAdminId
  if (body.admin_id !== undefined) {
    if (typeof body.admin_id !== 'string' || !ctx.ws.admins.has(body.admin_id)) {
      throw new ApiError(404, 'not_found', 'Admin not found')
    }
    adminId = body.admin_id
  }
  const note = {
    id: ctx.ws.nextId('note'),
    contactId: contact.id,
    adminId,
    body: htmlBody(body.body),
    createdAt: ctx.nowSec(),
  }
  ctx.ws.notes.push(note)
  return { body: noteJson(ctx, note) }
}

function listContactNotes(ctx: ApiContext): ApiReply {
  const contact = ctx.ws.contacts.get(ctx.params.contact_id ?? '')
  if (!contact || contact.mergedInto !== null) throw new ApiError(404, 'not_found', 'Contact not found')
  const notes = ctx.ws.notes.filter((n) => n.contactId === contact.id).map((n) => noteJson(ctx, n))
  return {
    body: {
      type: 'list',
      data: notes,
      total_count: notes.length,
      pages: { type: 'pages', page: 1, per_page: 50, total_pages: notes.length > 0 ? 1 : 0 },
    },
  }
}

export const contactRoutes: RouteDef[] = [
  { method: 'POST', path: '/contacts/merge', handler: mergeContacts },
  { method: 'GET', path: '/contacts', handler: listContacts },
  { method: 'POST', path: '/contacts', handler: createContact },
  { method: 'GET', path: '/contacts/{contact_id}', handler: getContact },
  { method: 'PUT', path: '/contacts/{contact_id}', handler: updateContact },
  { method: 'GET', path: '/contacts/{contact_id}/tags', handler: listContactTags },
  { method: 'POST', path: '/contacts/{contact_id}/tags', handler: attachContactTag },
  { method: 'DELETE', path: '/contacts/{contact_id}/tags/{tag_id}', handler: detachContactTag },
  { method: 'GET', path: '/contacts/{contact_id}/notes', handler: listContactNotes },
  { method: 'POST', path: '/contacts/{contact_id}/notes', handler: createContactNote },
]
