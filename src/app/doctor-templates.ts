import type { AppConfig } from '../config/schema.js'
import {
  checkTemplate,
  renderCallNote,
  renderMissedCallMessage,
  renderResolveNote,
  type CallTemplateContext,
} from '../templates/index.js'
import type { CheckRow } from './doctor-rows.js'

/** A plausible missed inbound call, so every branch a template usually takes has data to show. */
export const SAMPLE_CALL: CallTemplateContext = {
  callId: 123456,
  direction: 'inbound',
  type: 'missed',
  startedAt: 1_790_000_000,
  durationSeconds: 42,
  timeZone: 'Europe/Paris',
  line: { name: 'Support FR', digits: '+33 1 23 45 67 89' },
  agent: { name: 'Ada Lovelace', email: 'ada@example.com' },
  caller: { name: 'Grace Hopper', phone: '+33612345678' },
  missedReason: 'agents_did_not_answer',
  assetUrl: 'https://assets.aircall.io/calls/123456',
  tags: ['VIP'],
  comments: ['Call back about #4242'],
  contact: { name: 'Grace Hopper', email: 'grace@example.com' },
}

type Render = (ctx: CallTemplateContext, source?: string) => string

const templateRow = (id: string, title: string, source: string | undefined, render: Render): CheckRow => {
  if (source !== undefined) {
    const checked = checkTemplate(source)
    if (!checked.ok) {
      return {
        id,
        title,
        status: 'fail',
        detail: checked.error,
        hint: 'fix the Liquid syntax (filters: duration, local_time, phone, missed_reason, safe_url)',
      }
    }
  }
  try {
    const text = render(SAMPLE_CALL, source)
    if (text.trim() === '')
      return {
        id,
        title,
        status: 'fail',
        detail: 'renders empty text for a sample call',
        hint: 'make the template print something in every case',
      }
    return {
      id,
      title,
      status: 'pass',
      detail: `${source === undefined ? 'default, ' : ''}renders ${text.length} characters`,
    }
  } catch (error) {
    return {
      id,
      title,
      status: 'fail',
      detail: (error as Error).message,
      hint: 'fix the template, then run doctor again',
    }
  }
}

/** One row per template the configuration uses, each rendered with a sample call. */
export const checkTemplateRows = (config: AppConfig): CheckRow[] => {
  const rows = [templateRow('template:note', 'call note template', config.logging.templates.note, renderCallNote)]
  if (config.missedCalls.enabled) {
    for (const template of config.missedCalls.templates) {
      rows.push(
        templateRow(
          `template:missed:${template.name}`,
          `missed-call template "${template.name}"`,
          template.body,
          renderMissedCallMessage,
        ),
      )
    }
  }
  if (config.resolve.enabled) {
    rows.push(templateRow('template:resolve', 'resolve note template', config.resolve.noteTemplate, renderResolveNote))
  }
  return rows
}
