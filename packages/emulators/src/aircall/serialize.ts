/**
 * Wire JSON for every Aircall resource, matching the field sets and types observed on the live API:
 * ints for call/contact timestamps, ISO strings for users/numbers/teams, `teams` only on inbound calls,
 * null short URLs unless requested, and webhook variants (`call_uuid`/`participants`, string times).
 */
import type { MediaSigner } from './media.js'
import type {
  AircallCall,
  AircallContact,
  AircallNumber,
  AircallTag,
  AircallTeam,
  AircallUser,
  BusinessHours,
  Weekday,
} from './model.js'
import type { AircallStore } from './store.js'

export interface SerializeContext {
  baseUrl: string
  store: AircallStore
  nowMs: number
  recordingTtlMs: number
  shortUrlTtlMs: number
  signer: MediaSigner
}

export interface CallFetchOptions {
  fetchContact?: boolean
  fetchShortUrls?: boolean
  fetchCallTimeline?: boolean
}

export function serializeUser(u: AircallUser, ctx: SerializeContext, v2 = false): Record<string, unknown> {
  const base: Record<string, unknown> = {
    id: u.id,
    direct_link: `${ctx.baseUrl}/v1/users/${u.id}`,
    name: u.name,
    email: u.email,
    available: u.available,
    availability_status: u.availabilityStatus,
    created_at: u.createdAt,
    time_zone: u.timeZone,
    language: u.language,
    state: u.state,
    wrap_up_time: u.wrapUpTime,
    extension: u.extension,
  }
  if (v2) {
    base.default_number_id = u.defaultNumberId
    base.substatus = u.substatus
  }
  return base
}

const MESSAGES = {
  welcome: null,
  waiting: null,
  ivr: null,
  voicemail: null,
  closed: null,
  callback_later: null,
  unanswered_call: null,
  after_hours: null,
  ringing_tone: null,
}

export function serializeNumber(n: AircallNumber, ctx: SerializeContext, withUsers = false): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: n.id,
    direct_link: `${ctx.baseUrl}/v1/numbers/${n.id}`,
    name: n.name,
    digits: n.digits,
    country: n.country,
    time_zone: n.timeZone,
    open: isOpen(n.businessHours, n.timeZone, ctx.nowMs),
    availability_status: n.businessHours ? 'custom' : 'open',
    is_ivr: n.isIvr,
    live_recording_activated: n.liveRecordingActivated,
    priority: n.priority,
    messages: MESSAGES,
    created_at: n.createdAt,
    flow_editor_enabled: n.isIvr,
  }
  if (withUsers) out.users = usersOf(n.userIds, ctx)
  return out
}

export function serializeTeam(t: AircallTeam, ctx: SerializeContext): Record<string, unknown> {
  return {
    id: t.id,
    direct_link: `${ctx.baseUrl}/v1/teams/${t.id}`,
    name: t.name,
    created_at: t.createdAt,
    users: usersOf(t.userIds, ctx),
  }
}

export function serializeTag(t: AircallTag, ctx: SerializeContext): Record<string, unknown> {
  return {
    id: t.id,
    direct_link: `${ctx.baseUrl}/v1/tags/${t.id}`,
    name: t.name,
    color: t.color,
    description: t.description,
  }
}

export function serializeContact(
  c: AircallContact,
  ctx: SerializeContext,
  flavour: 'rest' | 'webhook' = 'rest',
): Record<string, unknown> {
  // REST returns int timestamps, webhooks return "YYYY-MM-DDTHH:mm:ssZ" strings for the same fields.
  const time = (s: number): number | string => (flavour === 'rest' ? s : isoSeconds(s))
  return {
    id: c.id,
    direct_link: `${ctx.baseUrl}/v1/contacts/${c.id}`,
    first_name: c.firstName,
    last_name: c.lastName,
    company_name: c.companyName,
    information: c.information,
    is_shared: c.isShared,
    created_at: time(c.createdAt),
    updated_at: time(c.updatedAt),
    phone_numbers: c.phoneNumbers.map((d) => ({ id: d.id, label: d.label, value: d.value })),
    emails: c.emails.map((d) => ({ id: d.id, label: d.label, value: d.value })),
  }
}

export function serializeCall(
  call: AircallCall,
  ctx: SerializeContext,
  opts: CallFetchOptions = {},
): Record<string, unknown> {
  const nowS = Math.floor(ctx.nowMs / 1000)
  const user = (id: number | null): Record<string, unknown> | null => {
    const u = id === null ? undefined : ctx.store.users.get(id)
    return u ? serializeUser(u, ctx) : null
  }
  const number = ctx.store.numbers.get(call.numberId)
  const media = (kind: 'recording' | 'voicemail', short: boolean): string | null => {
    const has = kind === 'recording' ? call.hasRecording : call.hasVoicemail
    // A voicemail exists once the caller hangs up (call.voicemail_left carries it); a recording once the call is done.
    const ready = kind === 'recording' ? call.status === 'done' : call.endedAt !== null
    if (!has || !ready) return null
    const ttl = short ? ctx.shortUrlTtlMs : ctx.recordingTtlMs
    const path = short ? `/_media/s/calls/${call.id}/${kind}` : `/_media/calls/${call.id}/${kind}.mp3`
    return ctx.signer.url(ctx.baseUrl, path, nowS + Math.floor(ttl / 1000))
  }
  const contact = call.contactId === null ? undefined : ctx.store.contacts.get(call.contactId)
  const out: Record<string, unknown> = {
    id: call.id,
    sid: call.sid,
    direct_link: `${ctx.baseUrl}/v1/calls/${call.id}`,
    direction: call.direction,
    status: call.status,
    missed_call_reason: call.missedCallReason,
    started_at: call.startedAt,
    answered_at: call.answeredAt,
    ended_at: call.endedAt,
    duration: call.duration,
    archived: call.archived,
    cost: call.cost,
    voicemail: media('voicemail', false),
    recording: media('recording', false),
    recording_short_url: opts.fetchShortUrls ? media('recording', true) : null,
    voicemail_short_url: opts.fetchShortUrls ? media('voicemail', true) : null,
    asset: assetOf(call),
    raw_digits: call.rawDigits,
    user: user(call.userId),
    contact: opts.fetchContact && contact && contact.isShared ? serializeContact(contact, ctx) : null,
    assigned_to: user(call.assignedToId),
    transferred_by: user(call.transferredById),
    transferred_to: user(call.transferredToId),
    comments: call.comments.map((c) => ({
      id: c.id,
      content: c.content,
      posted_at: c.postedAt,
      posted_by: user(c.postedById),
    })),
    number: number ? serializeNumber(number, ctx) : null,
    tags: call.tags.map((t) => {
      const tag = ctx.store.tags.get(t.tagId)
      return { id: t.tagId, name: tag?.name ?? null, created_at: t.createdAt, tagged_by: user(t.taggedById) }
    }),
    country_code_a2: call.countryCodeA2,
    pricing_type: call.pricingType,
  }
  // Teams are only ever set on inbound calls; outbound calls do not carry the key's content.
  out.teams =
    call.direction === 'inbound'
      ? call.teamIds.flatMap((id) => {
          const t = ctx.store.teams.get(id)
          return t ? [serializeTeam(t, ctx)] : []
        })
      : []
  if (opts.fetchCallTimeline) out.ivr_options_selected = call.ivrOptionsSelected
  return out
}

/** Call event payload: same object, but `call_uuid` instead of `sid` and `participants`. */
export function callEventData(call: AircallCall, ctx: SerializeContext): Record<string, unknown> {
  const { sid: _sid, ...rest } = serializeCall(call, ctx, { fetchContact: true })
  const participants: Array<Record<string, unknown>> = []
  if (call.userId !== null) {
    const u = ctx.store.users.get(call.userId)
    participants.push({ id: call.userId, type: 'user', name: u?.name ?? null })
  }
  participants.push(
    call.contactId !== null
      ? { id: call.contactId, type: 'contact', phone_number: call.rawDigits }
      : { type: 'external', phone_number: call.rawDigits },
  )
  return {
    ...rest,
    call_uuid: call.sid,
    participants,
    tags: call.tags.map((t) => ({
      id: t.tagId,
      name: ctx.store.tags.get(t.tagId)?.name ?? null,
      created_at: t.createdAt,
      tagged_at: t.createdAt,
      tagged_by: null,
    })),
    hangup_cause: null,
  }
}

export function assetOf(call: AircallCall): string | null {
  if (call.hasRecording) return `https://assets.aircall.io/calls/${call.id}/recording`
  if (call.hasVoicemail) return `https://assets.aircall.io/calls/${call.id}/voicemail`
  return null
}

export function isoSeconds(s: number): string {
  return new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function usersOf(ids: number[], ctx: SerializeContext): Array<Record<string, unknown>> {
  return ids.flatMap((id) => {
    const u = ctx.store.users.get(id)
    return u ? [serializeUser(u, ctx)] : []
  })
}

const DAYS: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
const formatters = new Map<string, Intl.DateTimeFormat>()

/** Whether a line is open at `nowMs`, evaluated in the line's own time zone. */
export function isOpen(hours: BusinessHours | null, timeZone: string, nowMs: number): boolean {
  if (!hours) return true
  let fmt = formatters.get(timeZone)
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
    formatters.set(timeZone, fmt)
  }
  const parts = fmt.formatToParts(new Date(nowMs))
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? ''
  const day = DAYS.find((d) => d === get('weekday').toLowerCase().slice(0, 3))
  if (!day) return false
  const hhmm = `${get('hour')}:${get('minute')}`
  return (hours[day] ?? []).some(([open, close]) => hhmm >= open && hhmm < close)
}
