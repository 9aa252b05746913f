import type { CallTemplateContext } from './context.js'
import {
  DEFAULT_CALL_NOTE_TEMPLATE,
  DEFAULT_MISSED_CALL_MESSAGE_TEMPLATE,
  DEFAULT_RESOLVE_NOTE_TEMPLATE,
} from './defaults.js'
import { renderDefaultCallNote } from './default-call-note.js'
import { createTemplateRenderer, type TemplateCheck } from './engine.js'
import { describeMissedReason, safeLink } from './filters.js'

// Parsed templates are cached per renderer; one shared renderer lets every call reuse them.
const shared = createTemplateRenderer()

/**
 * The scope templates see: the context's own fields copied one by one, so anything else a caller passed
 * along (an Aircall `recording` URL on an object cast to the context type, say) cannot reach a template.
 */
export function templateScopeOf(ctx: CallTemplateContext): Record<string, unknown> {
  return {
    callId: ctx.callId,
    direction: ctx.direction,
    type: ctx.type,
    startedAt: ctx.startedAt,
    durationSeconds: ctx.durationSeconds,
    timeZone: ctx.timeZone,
    line: { name: ctx.line.name, digits: ctx.line.digits },
    agent: ctx.agent ? { name: ctx.agent.name, email: ctx.agent.email } : null,
    caller: { name: ctx.caller.name, phone: ctx.caller.phone },
    missedReason: ctx.missedReason,
    missedReasonText: describeMissedReason(ctx.missedReason),
    assetUrl: safeLink(ctx.assetUrl) || null,
    tags: [...ctx.tags],
    comments: [...ctx.comments],
    contact: ctx.contact ? { name: ctx.contact.name, email: ctx.contact.email } : null,
  }
}

function render(ctx: CallTemplateContext, source: string): string {
  return shared.render(source, templateScopeOf(ctx)).trim()
}

export function renderCallNote(ctx: CallTemplateContext, templateSource?: string): string {
  const source = templateSource ?? DEFAULT_CALL_NOTE_TEMPLATE
  if (source !== DEFAULT_CALL_NOTE_TEMPLATE) return render(ctx, source)
  // One note per logged call: the default template skips Liquid, with the very same output. Should it fail
  // (an instant Date cannot hold, say), Liquid renders it and fails as it always has, with a TemplateError.
  try {
    return renderDefaultCallNote(ctx)
  } catch {
    return render(ctx, DEFAULT_CALL_NOTE_TEMPLATE)
  }
}

export function renderMissedCallMessage(ctx: CallTemplateContext, templateSource?: string): string {
  return render(ctx, templateSource ?? DEFAULT_MISSED_CALL_MESSAGE_TEMPLATE)
}

export function renderResolveNote(ctx: CallTemplateContext, templateSource?: string): string {
  return render(ctx, templateSource ?? DEFAULT_RESOLVE_NOTE_TEMPLATE)
}

/** Validates a user template at config load: syntax, unknown filters and forbidden tags, with line and column. */
export function checkTemplate(source: string): TemplateCheck {
  return shared.check(source)
}

// Ticket titles and attributes are plain text: Intercom shows them as typed, so nothing is escaped.
const plain = createTemplateRenderer({ plainText: true })

/** A user's template over a call as HTML (a voicemail note), escaped like every note. */
export function renderCallHtml(ctx: CallTemplateContext, templateSource: string): string {
  return render(ctx, templateSource)
}

/** A user's template over a call as plain text (a ticket's title, description or attribute). */
export function renderCallText(ctx: CallTemplateContext, templateSource: string): string {
  return plain.render(templateSource, templateScopeOf(ctx)).trim()
}
