import { normalisePhone } from '../phone/index.js'
import { localTimeOf } from './local-time.js'

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(value: unknown): string {
  return stringOf(value).replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char)
}

/** Escapes without re-escaping entities that are already there (Liquid's `escape_once`). */
export function escapeHtmlOnce(value: unknown): string {
  return stringOf(value).replace(
    /&(?!(?:[a-z][a-z0-9]*|#\d+|#x[0-9a-f]+);)|[<>"']/gi,
    (char) => HTML_ESCAPES[char] ?? char,
  )
}

function stringOf(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  return JSON.stringify(value) ?? ''
}

function toFiniteNumber(value: unknown): number | null {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  return typeof number === 'number' && Number.isFinite(number) ? number : null
}

const pad2 = (value: number): string => String(value).padStart(2, '0')

/** Seconds in words an agent reads at a glance: "45 s", "4 min 05 s", "1 h 02 min" (seconds dropped past an hour). */
export function formatDuration(seconds: unknown): string {
  const value = toFiniteNumber(seconds)
  if (value === null || value < 0) return ''
  const total = Math.floor(value)
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const rest = total % 60
  if (hours > 0) return `${hours} h ${pad2(minutes)} min`
  if (minutes > 0) return `${minutes} min ${pad2(rest)} s`
  return `${rest} s`
}

/**
 * "Tue 24 Nov 2026, 14:05 CET" in the given IANA zone. en-GB names European zones (CET, BST) and en-US
 * American ones (EST, PDT); elsewhere CLDR has no English abbreviation and the GMT offset is shown.
 * An unknown zone falls back to UTC, labelled as such, rather than to the machine's zone.
 */
export function formatLocalTime(unixSeconds: unknown, timeZone?: unknown): string {
  const seconds = toFiniteNumber(unixSeconds)
  if (seconds === null) return ''
  return localTimeOf(seconds, timeZone)
}

/** A phone number for people to read; an unparseable one is shown as given, never reshaped into a guess. */
export function formatPhoneForDisplay(phone: unknown): string {
  const text = stringOf(phone)
  if (text === '') return ''
  const result = normalisePhone(text)
  if (result.kind === 'anonymous') return 'Anonymous'
  if (result.kind === 'invalid') return text
  return result.extension ? `${result.international} ext. ${result.extension}` : result.international
}

export const MISSED_REASONS = {
  out_of_opening_hours: 'Called outside opening hours',
  short_abandoned: 'Caller hung up quickly',
  abandoned_in_ivr: 'Caller hung up in the phone menu (IVR)',
  abandoned_in_classic: 'Caller hung up while waiting',
  no_available_agent: 'No agent was available',
  agents_did_not_answer: 'Agents did not answer',
} as const

export type MissedReason = keyof typeof MISSED_REASONS

/** Aircall's missed_call_reason in words; an unknown code is spelled out rather than hidden. */
export function describeMissedReason(reason: unknown): string {
  const code = stringOf(reason)
  if (code === '') return ''
  return Object.hasOwn(MISSED_REASONS, code) ? MISSED_REASONS[code as MissedReason] : code.replace(/_/g, ' ')
}

// Signed media URLs (Aircall's `recording`/`voicemail`) expire within hours; a note keeps them forever.
const SIGNED_URL = /[?&](?:X-Amz-[A-Za-z-]+|Expires|Signature|Key-Pair-Id|token|sig|se|sp)=/i

/** Only http(s) links that do not look like expiring signed URLs; anything else renders as nothing. */
export function safeLink(url: unknown): string {
  const text = stringOf(url).trim()
  if (!/^https?:\/\//i.test(text) || SIGNED_URL.test(text)) return ''
  return text
}
