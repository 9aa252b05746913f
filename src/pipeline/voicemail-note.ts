import type { AppConfig } from '../config/schema.js'
import type { CallRecord } from '../domain/call-record.js'
import type { IntercomClient } from '../intercom/client.js'
import { ORIGIN_MARKER } from '../rules/loop-guard.js'
import type { StateStore } from '../store/state-store.js'
import {
  escapeHtml,
  formatDuration,
  formatLocalTime,
  formatPhoneForDisplay,
  renderCallHtml,
} from '../templates/index.js'
import { callTemplateContext } from './call-content.js'
import type { IntercomContext } from './intercom-context.js'

export interface VoicemailNoteDeps {
  store: Pick<StateStore, 'ledger'>
  intercom: IntercomClient
  context: IntercomContext
  adminId: string
  config: AppConfig['voicemail']
}

export type VoicemailOutcome =
  | { status: 'noted'; conversationId: string }
  | { status: 'already-noted'; conversationId: string }
  | { status: 'skipped'; reason: string }

export const voicemailStepKey = (callId: string): string => `call:${callId}:voicemail`

/** The built-in note: who, when, how long, and the permanent Aircall page (the signed MP3 URL expires in an hour). */
export function defaultVoicemailNote(call: CallRecord): string {
  const context = callTemplateContext(call)
  const caller = formatPhoneForDisplay(context.caller.phone ?? call.rawDigits) || 'an unknown number'
  const facts = [
    formatLocalTime(call.startedAt, context.timeZone),
    ...(call.durationSeconds > 0 ? [formatDuration(call.durationSeconds)] : []),
    ...(context.line.name ? [context.line.name] : []),
  ]
  const link = context.assetUrl ? `<p><a href="${escapeHtml(context.assetUrl)}">Listen in Aircall</a></p>` : ''
  return `<p><b>Voicemail</b> from ${escapeHtml(caller)} · ${facts.map(escapeHtml).join(' · ')}</p>${link}`
}

/**
 * A voicemail as a note on its call's conversation, once: `call.voicemail_left`, `call.comm_assets_generated` and
 * a live `call.ended` all lead here, and the first that knows the asset page writes it. The note carries only the
 * permanent `asset` link: the signed `voicemail` URL would be dead by the time an agent opens the conversation.
 */
export class VoicemailNoteService {
  constructor(private readonly deps: VoicemailNoteDeps) {}

  async handle(call: CallRecord, conversationId: string, signal?: AbortSignal): Promise<VoicemailOutcome> {
    const { store, intercom, context, adminId, config } = this.deps
    if (!config.enabled) return { status: 'skipped', reason: 'voicemail.enabled is off' }
    if (call.kind !== 'voicemail') return { status: 'skipped', reason: 'no voicemail' }
    const key = voicemailStepKey(call.callId)
    const step = await store.ledger.get(key)
    if (step?.status === 'done') return { status: 'already-noted', conversationId }
    // call.comm_assets_generated brings the asset page when an earlier event did not have it yet.
    if (!call.assetUrl) return { status: 'skipped', reason: 'no asset link yet' }
    const body = config.template
      ? renderCallHtml(callTemplateContext(call), config.template)
      : defaultVoicemailNote(call)
    const already = step?.status === 'pending' && (await context.hasPartContaining(conversationId, body, signal))
    if (!already) {
      await store.ledger.begin(key, { conversationId })
      await intercom.conversations.addNote(conversationId, { adminId, body: `${body}${ORIGIN_MARKER}` }, { signal })
    }
    await store.ledger.complete(key, conversationId)
    return { status: 'noted', conversationId }
  }
}
