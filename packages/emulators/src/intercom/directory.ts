/** Admins, teams, tags and the read-only Calls API. */
import { ApiError, invalid } from './errors.js'
import type { ApiContext, ApiReply } from './context.js'
import { renderAdmin, renderContact, renderTeam } from './render.js'
import type { RouteDef } from './routes.js'
import type { CallRecord, TagRecord } from './state.js'

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function me(ctx: ApiContext): ApiReply {
  const admin = ctx.ws.admins.get(ctx.tokenAdminId)
  if (!admin) throw new ApiError(404, 'admin_not_found', 'Admin not found')
  return {
    body: {
      type: 'admin',
      id: admin.id,
      name: admin.name,
      email: admin.email,
      job_title: '',
      away_mode_enabled: false,
      away_mode_reassign: false,
      has_inbox_seat: true,
      team_ids: admin.teamIds.map(Number),
      avatar: { type: 'avatar', image_url: null },
      email_verified: true,
      app: {
        type: 'app',
        id_code: ctx.config.appId,
        name: 'Emulated workspace',
        region: 'US',
        timezone: 'Etc/UTC',
        created_at: 1_700_000_000,
        identity_verification: false,
      },
    },
  }
}

function listAdmins(ctx: ApiContext): ApiReply {
  return { body: { type: 'admin.list', admins: [...ctx.ws.admins.values()].map(renderAdmin) } }
}

function getAdmin(ctx: ApiContext): ApiReply {
  const admin = ctx.ws.admins.get(ctx.params.admin_id ?? '')
  if (!admin) throw new ApiError(404, 'admin_not_found', 'Admin not found')
  return { body: renderAdmin(admin) }
}

function listTeams(ctx: ApiContext): ApiReply {
  return { body: { type: 'team.list', teams: [...ctx.ws.teams.values()].map(renderTeam) } }
}

function getTeam(ctx: ApiContext): ApiReply {
  const team = ctx.ws.teams.get(ctx.params.team_id ?? '')
  if (!team) throw new ApiError(404, 'team_not_found', 'Team not found')
  return { body: renderTeam(team) }
}

function listTags(ctx: ApiContext): ApiReply {
  return {
    body: { type: 'list', data: [...ctx.ws.tags.values()].map((t) => ({ type: 'tag', id: t.id, name: t.name })) },
  }
}

/** One endpoint, several bodies: create/rename (upsert by case-insensitive name) or tag a list of users. */
function postTag(ctx: ApiContext): ApiReply {
  const body = ctx.body
  if (!isRecord(body) || typeof body.name !== 'string' || body.name.trim() === '') {
    throw invalid('invalid tag parameters')
  }
  const name = body.name
  let tag: TagRecord | undefined
  if (body.id !== undefined) {
    tag = typeof body.id === 'string' ? ctx.ws.tags.get(body.id) : undefined
    if (!tag) throw new ApiError(404, 'tag_not_found', 'Tag not found')
    tag.name = name
  } else {
    tag = [...ctx.ws.tags.values()].find((t) => t.name.toLowerCase() === name.toLowerCase())
    if (!tag) {
      tag = { id: ctx.ws.nextId('tag'), name }
      ctx.ws.tags.set(tag.id, tag)
    }
  }
  if (body.users !== undefined) {
    if (!Array.isArray(body.users)) throw invalid('invalid tag parameters')
    const now = ctx.nowSec()
    for (const user of body.users) {
      const contact = isRecord(user) && typeof user.id === 'string' ? ctx.ws.contacts.get(user.id) : undefined
      if (!contact || contact.mergedInto !== null) throw new ApiError(404, 'not_found', 'User Not Found')
      if (contact.tags.some((t) => t.id === tag.id)) continue
      contact.tags.push({ id: tag.id, appliedAt: now, appliedBy: { type: 'admin', id: ctx.tokenAdminId } })
      contact.updatedAt = now
      ctx.ws.contactChanged(contact)
      ctx.events.emit(`contact.${contact.role}.tag.created`, {
        type: 'contact_tag',
        created_at: now,
        tag: { type: 'tag', id: tag.id, name: tag.name },
        contact: renderContact(contact, {
          version: ctx.webhookVersion,
          defaultCountry: ctx.config.formattedPhoneDefaultCountry,
          formattedPhone: ctx.config.formattedPhone,
          appId: ctx.config.appId,
        }),
      })
    }
  } else if (body.companies !== undefined) {
    throw new ApiError(404, 'company_not_found', 'Company Not Found')
  }
  return { body: { type: 'tag', id: tag.id, name: tag.name } }
}

function renderCall(c: CallRecord): Record<string, unknown> {
  return {
    type: 'call',
    id: c.id,
    conversation_id: c.conversationId,
    admin_id: c.adminId,
    contact_id: c.contactId,
    state: c.state,
    initiated_at: c.initiatedAt,
    answered_at: c.answeredAt ?? c.initiatedAt,
    ended_at: c.endedAt ?? c.initiatedAt,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    recording_url: c.recordingUrl,
    transcription_url: c.transcriptionUrl,
    call_type: c.callType,
    direction: c.direction,
    ended_reason: c.endedReason,
    phone: c.phone,
    fin_recording_url: null,
    fin_transcription_url: null,
  }
}

function requires214(ctx: ApiContext): void {
  if (!ctx.version.atLeast('2.14')) {
    throw new ApiError(400, 'intercom_version_invalid', 'Requested resource is not available in current API version.')
  }
}

function listCalls(ctx: ApiContext): ApiReply {
  requires214(ctx)
  const page = Number(ctx.query.get('page') ?? '1')
  const perPage = Number(ctx.query.get('per_page') ?? '25')
  if (!Number.isInteger(page) || page < 1) throw invalid('page must be a positive integer', 'page')
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 25)
    throw invalid('per_page must be between 1 and 25', 'per_page')
  const all = [...ctx.ws.calls.values()].sort((a, b) => b.createdAt - a.createdAt)
  const data = all.slice((page - 1) * perPage, page * perPage).map(renderCall)
  return {
    body: {
      type: 'list',
      data,
      total_count: all.length,
      pages: { type: 'pages', page, per_page: perPage, total_pages: Math.ceil(all.length / perPage) },
    },
  }
}

function getCall(ctx: ApiContext): ApiReply {
  requires214(ctx)
  const call = ctx.ws.calls.get(ctx.params.call_id ?? '')
  if (!call) throw new ApiError(404, 'not_found', 'Resource Not Found')
  return { body: renderCall(call) }
}

function searchCalls(ctx: ApiContext): ApiReply {
  requires214(ctx)
  const ids = isRecord(ctx.body) ? ctx.body.conversation_ids : undefined
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 20 || !ids.every((i) => typeof i === 'string')) {
    throw new ApiError(400, 'conversation_id_limit_exceeded', 'A list of up to 20 conversation IDs is required')
  }
  const data = [...ctx.ws.calls.values()]
    .filter((c) => c.conversationId !== null && ids.includes(c.conversationId))
    .map((c) => ({ ...renderCall(c), transcript: [], transcript_status: null }))
  return { body: { type: 'list', data } }
}

export const directoryRoutes: RouteDef[] = [
  { method: 'GET', path: '/me', handler: me },
  { method: 'GET', path: '/admins', handler: listAdmins },
  { method: 'GET', path: '/admins/{admin_id}', handler: getAdmin },
  { method: 'GET', path: '/teams', handler: listTeams },
  { method: 'GET', path: '/teams/{team_id}', handler: getTeam },
  { method: 'GET', path: '/tags', handler: listTags },
  { method: 'POST', path: '/tags', handler: postTag },
  { method: 'POST', path: '/calls/search', handler: searchCalls },
  { method: 'GET', path: '/calls', handler: listCalls },
  { method: 'GET', path: '/calls/{call_id}', handler: getCall },
]
