import type { CallTemplateContext } from './context.js'
import {
  describeMissedReason,
  escapeHtml,
  formatDuration,
  formatLocalTime,
  formatPhoneForDisplay,
  safeLink,
} from './filters.js'

// engine.ts's `memoryLimit`: Liquid's `join` refuses a longer result, so such a note is left to Liquid to refuse.
const LIQUID_MEMORY_LIMIT = 10_000_000

/**
 * DEFAULT_CALL_NOTE_TEMPLATE written out by hand: a backfill logs one note per call and Liquid costs more
 * than everything else in rendering it. It must produce byte for byte what Liquid produces from the template
 * with `templateScopeOf(ctx)` (test/templates/default-call-note.test.ts holds the two together), so it follows
 * the engine's rules: every output escaped, `jsTruthy` conditions (empty string, null, 0 are false).
 * It throws where Liquid would fail, and renderCallNote then lets Liquid fail with its own error.
 */
export function renderDefaultCallNote(ctx: CallTemplateContext): string {
  const outbound = ctx.direction === 'outbound'
  let html = `<p><b>${headingOf(ctx.type)}</b> (Aircall call ${escapeHtml(ctx.callId)})</p><ul>`
  html += `<li>Direction: ${outbound ? 'Outbound' : 'Inbound'}</li>`
  html += `<li>${outbound ? 'Called' : 'Caller'}: ${callerOf(ctx.caller)}</li>`
  if (ctx.agent?.name) html += `<li>Agent: ${escapeHtml(ctx.agent.name)}</li>`
  const { name: lineName, digits } = ctx.line
  if (lineName || digits) {
    html += `<li>Line: ${escapeHtml(lineName)}${lineName && digits ? ' ' : ''}`
    html += `${digits ? `(${escapeHtml(digits)})` : ''}</li>`
  }
  html += `<li>When: ${escapeHtml(formatLocalTime(ctx.startedAt, ctx.timeZone))}</li>`
  if (ctx.type === 'answered' || ctx.type === 'outbound') {
    html += `<li>Duration: ${escapeHtml(formatDuration(ctx.durationSeconds))}</li>`
  }
  if (ctx.type === 'missed') {
    html += `<li>Reason: ${ctx.missedReason ? escapeHtml(describeMissedReason(ctx.missedReason)) : 'Not answered'}</li>`
  }
  // The scope holds `safeLink(assetUrl) || null` and the template filters it through `safe_url` again.
  const assetUrl = safeLink(ctx.assetUrl)
  if (assetUrl) {
    const label = ctx.type === 'voicemail' ? 'Voicemail' : 'Recording'
    html += `<li>${label}: <a href="${escapeHtml(safeLink(assetUrl))}">Listen in Aircall</a></li>`
  }
  if (ctx.tags.length > 0) {
    const tags = ctx.tags.join(', ')
    if (tags.length > LIQUID_MEMORY_LIMIT) throw new RangeError('memory limit exceeded')
    html += `<li>Tags: ${escapeHtml(tags)}</li>`
  }
  html += '</ul>'
  if (ctx.comments.length > 0) {
    html += '<p><b>Agent notes</b></p><ul>'
    for (const comment of ctx.comments) html += `<li>${escapeHtml(comment).replace(/\r?\n/g, '<br>')}</li>`
    html += '</ul>'
  }
  return html.trim()
}

function headingOf(type: CallTemplateContext['type']): string {
  switch (type) {
    case 'answered':
      return 'Answered call'
    case 'missed':
      return 'Missed call'
    case 'voicemail':
      return 'Voicemail'
    case 'outbound':
      return 'Outbound call'
    default:
      // A type outside the union (a cast) matches no `when` and prints nothing, as in Liquid.
      return ''
  }
}

function callerOf(caller: CallTemplateContext['caller']): string {
  if (caller.name)
    return caller.phone ? `${escapeHtml(caller.name)} (${phoneOf(caller.phone)})` : escapeHtml(caller.name)
  return caller.phone ? phoneOf(caller.phone) : 'Anonymous'
}

const phoneOf = (phone: string): string => escapeHtml(formatPhoneForDisplay(phone))
