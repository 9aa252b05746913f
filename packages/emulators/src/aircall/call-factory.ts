/**
 * Builds full call records from compact inputs, so tests and the control API can plant tens of
 * thousands of calls quickly without spelling out every field.
 */
import { createRng, type Rng } from '../common/prng.js'
import type { AircallCall, MissedCallReason } from './model.js'
import { countryOf, formatAircallDigits, toE164 } from './phone.js'
import type { AircallStore } from './store.js'

export interface CallInput {
  id?: number
  startedAt: number
  direction?: 'inbound' | 'outbound'
  /** answered (default), missed, or voicemail (missed with a voicemail left). */
  outcome?: 'answered' | 'missed' | 'voicemail'
  /** The external party, E.164; formatted into `raw_digits` Aircall-style. */
  phone?: string
  /** Verbatim `raw_digits` (e.g. "anonymous" or a too-short number); wins over `phone`. */
  rawDigits?: string
  numberId?: number
  userId?: number | null
  contactId?: number | null
  teamIds?: number[]
  ringSeconds?: number
  talkSeconds?: number
  missedCallReason?: MissedCallReason
  tagIds?: number[]
  comments?: string[]
  archived?: boolean
  cost?: string
  pricingType?: string | null
  hasRecording?: boolean
}

const MISSED_REASONS: MissedCallReason[] = [
  'out_of_opening_hours',
  'short_abandoned',
  'abandoned_in_ivr',
  'abandoned_in_classic',
  'no_available_agent',
  'agents_did_not_answer',
]

export function rawDigitsOf(input: { phone?: string; rawDigits?: string }): string {
  if (input.rawDigits !== undefined) return input.rawDigits
  return input.phone ? formatAircallDigits(input.phone) : 'anonymous'
}

/** A finished (status done, finalised) call. */
export function buildCall(input: CallInput, store: AircallStore, rng: Rng): AircallCall {
  const direction = input.direction ?? 'inbound'
  const outcome = input.outcome ?? 'answered'
  const answered = outcome === 'answered'
  const ring = input.ringSeconds ?? 8
  const talk = answered ? (input.talkSeconds ?? 120) : 0
  const startedAt = input.startedAt
  const answeredAt = answered ? startedAt + ring : null
  const endedAt = startedAt + ring + talk
  const rawDigits = rawDigitsOf(input)
  const e164 = rawDigits === 'anonymous' ? null : toE164(rawDigits)
  const numberId = input.numberId ?? store.numbers.keys().next().value ?? 1
  const line = store.numbers.get(numberId)
  const userId =
    input.userId === undefined
      ? answered || direction === 'outbound'
        ? (line?.userIds[0] ?? null)
        : null
      : input.userId
  const id = input.id ?? store.nextId('call')
  return {
    id,
    sid: `CA${rng.hex(32)}`,
    direction,
    status: 'done',
    startedAt,
    answeredAt,
    endedAt,
    duration: endedAt - startedAt,
    missedCallReason:
      direction === 'inbound' && !answered ? (input.missedCallReason ?? rng.pick(MISSED_REASONS)) : null,
    rawDigits,
    countryCodeA2: e164 ? countryOf(e164) : null,
    numberId,
    userId,
    assignedToId: null,
    transferredById: null,
    transferredToId: null,
    contactId: input.contactId ?? null,
    teamIds: direction === 'inbound' ? (input.teamIds ?? []) : [],
    tags: (input.tagIds ?? []).map((tagId) => ({ tagId, createdAt: endedAt + 5, taggedById: userId })),
    comments: (input.comments ?? []).map((content, i) => ({
      id: store.nextId('comment'),
      content,
      postedAt: endedAt + 10 + i,
      postedById: userId,
    })),
    archived: input.archived ?? false,
    cost: input.cost ?? (answered ? (Math.ceil(talk / 60) * 1.5).toFixed(1) : '0.0'),
    pricingType: input.pricingType === undefined ? 'in_bundle' : input.pricingType,
    hasRecording: input.hasRecording ?? (answered && (line?.liveRecordingActivated ?? false)),
    hasVoicemail: direction === 'inbound' && outcome === 'voicemail',
    ivrOptionsSelected: [],
    finalised: true,
  }
}

export interface GenerateSpec {
  count: number
  /** UNIX seconds, exclusive. */
  from: number
  /** UNIX seconds, inclusive. */
  to: number
  seed?: number
}

/** Random finished calls with started_at uniform in (from, to], in started_at order. */
export function generateCalls(spec: GenerateSpec, store: AircallStore): AircallCall[] {
  const rng = createRng(spec.seed ?? 1)
  const span = Math.max(1, spec.to - spec.from)
  const starts = Array.from({ length: spec.count }, () => spec.from + 1 + Math.floor(rng.next() * span))
  starts.sort((a, b) => a - b)
  const numberIds = [...store.numbers.keys()]
  return starts.map((startedAt) => {
    const national = String(rng.int(10_000_000, 99_999_999))
    return buildCall(
      {
        startedAt,
        direction: rng.chance(0.65) ? 'inbound' : 'outbound',
        outcome: rng.chance(0.7) ? 'answered' : 'missed',
        phone: `+336${national}`,
        numberId: numberIds.length > 0 ? rng.pick(numberIds) : 1,
        talkSeconds: rng.int(10, 900),
      },
      store,
      rng,
    )
  })
}
