export type CallDirection = 'inbound' | 'outbound'
export type CallKind = 'answered' | 'missed' | 'voicemail' | 'outbound'
/** Aircall documents initial | answered | done; other values are kept as sent rather than guessed. */
export type CallStatus = 'initial' | 'answered' | 'done' | (string & {})

export interface CallLine {
  id: string | null
  name: string | null
  digits: string | null
  country: string | null
  timeZone: string | null
}

export interface CallAgent {
  id: string | null
  name: string | null
  email: string | null
}

export interface CallContact {
  id: string | null
  firstName: string | null
  lastName: string | null
  companyName: string | null
  emails: string[]
  phones: string[]
}

/** The normalised call every source (REST API, CSV export, webhook) turns into before any rule runs. */
export interface CallRecord {
  callId: string
  direction: CallDirection
  status: CallStatus
  kind: CallKind
  /** UNIX seconds, like every Aircall call timestamp. */
  startedAt: number
  answeredAt: number | null
  endedAt: number | null
  durationSeconds: number
  missedReason: string | null
  /** As Aircall sent it (spaces and dashes included), or 'anonymous'. Never an identity before normalisation. */
  rawDigits: string
  line: CallLine
  agent: CallAgent | null
  teams: string[]
  tags: string[]
  comments: string[]
  /** The permanent recording/voicemail page. The signed `recording` URL expires within hours and is never kept. */
  assetUrl: string | null
  contact: CallContact | null
  archived: boolean
  cost: string | null
}

type Id = number | string
type Maybe<T> = T | null | undefined

/**
 * Only the Aircall Call fields we read; REST calls and webhook `data` both fit (validated by `aircallCallDataSchema`
 * and `aircallCallSchema` in aircall/schemas.ts).
 */
export interface AircallCallLike {
  id: Id
  sid?: Maybe<string>
  call_uuid?: Maybe<string>
  direction?: Maybe<string>
  status?: Maybe<string>
  started_at?: Maybe<number>
  answered_at?: Maybe<number>
  ended_at?: Maybe<number>
  duration?: Maybe<number>
  missed_call_reason?: Maybe<string>
  raw_digits?: Maybe<string>
  /** Read only for its presence: the URL itself expires like `recording`. */
  voicemail?: Maybe<string>
  voicemail_short_url?: Maybe<string>
  asset?: Maybe<string>
  archived?: Maybe<boolean>
  cost?: Maybe<string | number>
  number?: Maybe<{
    id?: Maybe<Id>
    name?: Maybe<string>
    digits?: Maybe<string>
    country?: Maybe<string>
    time_zone?: Maybe<string>
  }>
  user?: Maybe<{ id?: Maybe<Id>; name?: Maybe<string>; email?: Maybe<string> }>
  teams?: Maybe<Array<{ name?: Maybe<string> }>>
  tags?: Maybe<Array<{ name?: Maybe<string> }>>
  comments?: Maybe<Array<{ content?: Maybe<string> }>>
  contact?: Maybe<{
    id?: Maybe<Id>
    first_name?: Maybe<string>
    last_name?: Maybe<string>
    company_name?: Maybe<string>
    emails?: Maybe<Array<{ value?: Maybe<string> }>>
    phone_numbers?: Maybe<Array<{ value?: Maybe<string> }>>
  }>
}

export interface NormaliseOptions {
  /** Used when `started_at` is missing (e.g. the webhook envelope's timestamp). */
  fallbackStartedAt?: number
}

function text(value: Maybe<string>): string | null {
  if (value === null || value === undefined) return null
  const trimmed = value.trim()
  return trimmed === '' ? null : trimmed
}

function idText(value: Maybe<Id>): string | null {
  if (value === null || value === undefined) return null
  return text(String(value))
}

function names(items: Maybe<Array<{ name?: Maybe<string> }>>): string[] {
  return (items ?? []).map((item) => text(item.name)).filter((name): name is string => name !== null)
}

function values(items: Maybe<Array<{ value?: Maybe<string> }>>): string[] {
  return (items ?? []).map((item) => text(item.value)).filter((value): value is string => value !== null)
}

function hasVoicemail(raw: AircallCallLike): boolean {
  if (text(raw.voicemail) !== null || text(raw.voicemail_short_url) !== null) return true
  // Calls read after the signed URL lapsed, and CSV exports, only keep the asset page, whose path names the media.
  return /\/voicemail(?:[/?#]|$)/.test(raw.asset ?? '')
}

export function classifyCall(
  direction: CallDirection,
  answeredAt: number | null,
  missedReason: string | null,
  voicemail: boolean,
): CallKind {
  if (direction === 'outbound') return 'outbound'
  if (voicemail) return 'voicemail'
  if (answeredAt === null || missedReason !== null) return 'missed'
  return 'answered'
}

export function normaliseAircallCall(raw: AircallCallLike, options: NormaliseOptions = {}): CallRecord {
  const direction: CallDirection = raw.direction?.trim().toLowerCase() === 'outbound' ? 'outbound' : 'inbound'
  const answeredAt = raw.answered_at ?? null
  const endedAt = raw.ended_at ?? null
  const startedAt = raw.started_at ?? options.fallbackStartedAt ?? answeredAt ?? endedAt ?? 0
  const missedReason = text(raw.missed_call_reason)
  const status = text(raw.status) ?? (endedAt !== null ? 'done' : answeredAt !== null ? 'answered' : 'initial')
  const durationSeconds = raw.duration ?? (endedAt !== null ? Math.max(0, endedAt - startedAt) : 0)

  const number = raw.number ?? null
  const user = raw.user ?? null
  const contact = raw.contact ?? null

  return {
    callId: String(raw.id),
    direction,
    status,
    kind: classifyCall(direction, answeredAt, missedReason, hasVoicemail(raw)),
    startedAt,
    answeredAt,
    endedAt,
    durationSeconds,
    missedReason,
    rawDigits: text(raw.raw_digits) ?? 'anonymous',
    line: {
      id: idText(number?.id),
      name: text(number?.name),
      digits: text(number?.digits),
      country: text(number?.country)?.toUpperCase() ?? null,
      timeZone: text(number?.time_zone),
    },
    agent: user === null ? null : { id: idText(user.id), name: text(user.name), email: text(user.email) },
    teams: names(raw.teams),
    tags: names(raw.tags),
    comments: (raw.comments ?? []).map((comment) => comment.content ?? '').filter((content) => content.trim() !== ''),
    assetUrl: text(raw.asset),
    contact:
      contact === null
        ? null
        : {
            id: idText(contact.id),
            firstName: text(contact.first_name),
            lastName: text(contact.last_name),
            companyName: text(contact.company_name),
            emails: values(contact.emails),
            phones: values(contact.phone_numbers),
          },
    archived: raw.archived ?? false,
    cost: raw.cost === null || raw.cost === undefined ? null : String(raw.cost),
  }
}
