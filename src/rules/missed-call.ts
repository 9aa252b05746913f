import type { AppConfig, MissedCallTemplate } from '../config/schema.js'
import type { CallRecord } from '../domain/call-record.js'
import { isWithinBusinessHours } from './business-hours.js'
import { includesName, intersectsNames, isAnonymousCaller, valueMatches } from './match.js'

export interface MissedCallContact {
  id: string
  attributes: Record<string, unknown>
  tags: string[]
}

export type MissedCallSkipReason =
  'disabled' | 'not-missed' | 'outbound' | 'anonymous' | 'no-contact' | 'cooldown' | 'no-template'

export type MissedCallDecision =
  { send: true; template: MissedCallTemplate } | { send: false; reason: MissedCallSkipReason }

export interface MissedCallInput {
  call: CallRecord
  contact: MissedCallContact | null
  config: AppConfig['missedCalls']
  /** When this caller was last sent a missed-call message (UNIX s), or null. */
  lastMessagedAt: number | null
  /** UNIX seconds. */
  now: number
}

function segmentMatches(segment: MissedCallTemplate['segment'], contact: MissedCallContact): boolean {
  if (!segment) return true
  if (segment.attribute !== undefined) {
    const actual = contact.attributes[segment.attribute]
    if (segment.equals !== undefined) {
      if (!valueMatches(actual, segment.equals)) return false
    } else if (actual === null || actual === undefined || actual === false || actual === '') {
      return false
    }
  }
  if (segment.tag !== undefined && !includesName(contact.tags, segment.tag)) return false
  return true
}

function templateMatches(
  template: MissedCallTemplate,
  call: CallRecord,
  contact: MissedCallContact,
  hours: AppConfig['missedCalls']['businessHours'],
): boolean {
  if (template.lines && !(call.line.id !== null && template.lines.includes(call.line.id))) return false
  if (template.teams && !intersectsNames(call.teams, template.teams)) return false
  if (template.when !== 'any') {
    // The caller experienced the line's opening hours, so they are read in the line's zone, not the server's.
    const inside = isWithinBusinessHours(call.startedAt, call.line.timeZone, hours)
    if (inside !== (template.when === 'business-hours')) return false
  }
  return segmentMatches(template.segment, contact)
}

/** Chooses the first template whose every given condition (line, team, time of day, segment) holds. */
export function chooseMissedCallTemplate(
  call: CallRecord,
  contact: MissedCallContact,
  config: AppConfig['missedCalls'],
): MissedCallTemplate | null {
  return config.templates.find((template) => templateMatches(template, call, contact, config.businessHours)) ?? null
}

export function decideMissedCallMessage(input: MissedCallInput): MissedCallDecision {
  const { call, contact, config, lastMessagedAt, now } = input
  if (!config.enabled) return { send: false, reason: 'disabled' }
  if (call.kind === 'outbound') return { send: false, reason: 'outbound' }
  // A voicemail is still a call nobody picked up. A call that is still ringing has no answered_at yet but is not
  // missed: only a finished call (call.ended, or a call read afterwards) can be.
  const finished = call.endedAt !== null || call.status === 'done'
  if ((call.kind !== 'missed' && call.kind !== 'voicemail') || !finished) return { send: false, reason: 'not-missed' }
  if (isAnonymousCaller(call)) return { send: false, reason: 'anonymous' }
  if (contact === null) return { send: false, reason: 'no-contact' }
  if (lastMessagedAt !== null && now - lastMessagedAt < config.cooldownMinutes * 60) {
    return { send: false, reason: 'cooldown' }
  }
  const template = chooseMissedCallTemplate(call, contact, config)
  return template === null ? { send: false, reason: 'no-template' } : { send: true, template }
}
