/**
 * Conversation intelligence: what Aircall AI produces for a call (transcript, summary, sentiment, topics, action
 * items, custom summary), the plan that gates it per line, and the wire entities of the REST endpoints and the
 * `*.created` webhooks (reference: "Conversation intelligence, voicemail and messages"). Content is drawn from a
 * seeded PRNG, so a call's insights are the same on every run.
 */
import { createRng, hashSeed, type Rng } from '../common/prng.js'
import type { AiPlan, AircallCall, AircallNumber, CallInsights, SentimentValue } from './model.js'
import { toE164 } from './phone.js'

export const INSIGHT_KINDS = [
  'transcription',
  'summary',
  'sentiment',
  'topics',
  'actionItems',
  'customSummary',
] as const
export type InsightKind = (typeof INSIGHT_KINDS)[number]

export const INSIGHT_EVENTS: Record<InsightKind, string> = {
  transcription: 'transcription.created',
  summary: 'summary.created',
  sentiment: 'sentiment.created',
  topics: 'topics.created',
  actionItems: 'action_item.created',
  customSummary: 'custom_summary.result_created',
}

/** `/v1/calls/:id/<path>` of each kind. */
export const INSIGHT_PATHS: Record<InsightKind, string> = {
  transcription: 'transcription',
  summary: 'summary',
  sentiment: 'sentiments',
  topics: 'topics',
  actionItems: 'action_items',
  customSummary: 'custom_summary_result',
}

/**
 * The REST wrapper key. Known for transcription and summary; for the others the sources give none, so the same
 * singular style is used, named after the kind's webhook (`sentiment.created` → `sentiment`).
 */
export const INSIGHT_KEYS: Record<InsightKind, string> = {
  transcription: 'transcription',
  summary: 'summary',
  sentiment: 'sentiment',
  topics: 'topics',
  actionItems: 'action_item',
  customSummary: 'custom_summary_result',
}

const NAMES: Record<InsightKind, string> = {
  transcription: 'Transcription',
  summary: 'Summary',
  sentiment: 'Sentiment',
  topics: 'Topics',
  actionItems: 'Action items',
  customSummary: 'Custom summary result',
}

export const insightName = (kind: InsightKind): string => NAMES[kind]

/** The line's own plan when it has one, else the company's. */
export function planOf(line: AircallNumber | undefined, companyPlan: AiPlan): AiPlan {
  return line?.aiPlan ?? companyPlan
}

interface Scenario {
  topics: string[]
  caller: string[]
  agent: string[]
  summary: string
  actions: string[]
  sentiment: SentimentValue
  outcome: string
}

const SCENARIOS: Scenario[] = [
  {
    topics: ['Billing', 'Invoice'],
    caller: ['Hi, my last invoice shows the wrong amount.', 'It says 120 euros, my plan is 90.'],
    agent: ['Let me pull up your account.', 'You are right, I will send you a corrected invoice today.'],
    summary:
      'The caller reported a wrong amount on their last invoice; the agent confirmed the error and promised a corrected invoice today.',
    actions: ['Send the corrected invoice to the customer', 'Check the billing rule of the 90 euro plan'],
    sentiment: 'NEUTRAL',
    outcome: 'Corrected invoice promised',
  },
  {
    topics: ['Delivery', 'Order status'],
    caller: ['I ordered a week ago and nothing has arrived.', 'Can you tell me where the parcel is?'],
    agent: ['I can see the parcel left our warehouse on Monday.', 'It should reach you tomorrow before noon.'],
    summary:
      'The caller asked about a late order; the agent traced the parcel and gave tomorrow morning as the delivery date.',
    actions: ['Email the tracking link to the customer'],
    sentiment: 'POSITIVE',
    outcome: 'Delivery date given',
  },
  {
    topics: ['Cancellation', 'Pricing'],
    caller: ['I want to cancel my subscription.', 'It has become too expensive for us.'],
    agent: ['I am sorry to hear that.', 'I can offer a discount on the annual plan before you decide.'],
    summary:
      'The caller asked to cancel because of the price; the agent offered an annual-plan discount and the caller will think it over.',
    actions: ['Send the annual plan offer', 'Call the customer back on Friday'],
    sentiment: 'NEGATIVE',
    outcome: 'Retention offer made',
  },
  {
    topics: ['Login', 'Password reset'],
    caller: ['I cannot log in to my account any more.', 'The reset email never arrives.'],
    agent: ['Let me resend it from here.', 'It is on its way, please check your spam folder too.'],
    summary:
      'The caller could not log in because the reset email did not arrive; the agent resent it and the caller got in.',
    actions: [],
    sentiment: 'POSITIVE',
    outcome: 'Access restored',
  },
  {
    topics: ['Upgrade', 'Annual plan', 'Seats'],
    caller: ['We are growing and need ten more seats.', 'Is there a better price if we pay yearly?'],
    agent: ['Yes, the annual plan saves two months.', 'I will prepare a quote for ten more seats.'],
    summary: 'The caller wants ten more seats and asked about yearly pricing; the agent will send an annual quote.',
    actions: ['Prepare a quote for ten more seats on the annual plan'],
    sentiment: 'POSITIVE',
    outcome: 'Quote to send',
  },
]

const VOICEMAILS = [
  ['Hi, this is a message for support.', 'Please call me back about my order, thank you.'],
  ['Hello, I tried to reach you about my invoice.', 'I will be available this afternoon.'],
  ['Good morning, I would like to cancel my appointment on Thursday.'],
]

export interface GenerateInsightOptions {
  /** Probability of action items when the scenario has some (default 1). */
  actionItemsRate?: number
  /** Section names of the line's custom summary template. */
  summaryTemplate?: string[]
}

/** Talk-time buckets a transcript is paced for: a short, a medium and a long call. */
const PACES_S = [30, 180, 600]
const LONGEST_PACE_S = 600

/**
 * Generated parts shared by every call of one scenario, pace and template: a world of 500,000 calls then holds
 * a handful of transcripts instead of one each. They are frozen, since every holder reads the same arrays.
 */
const shared = new Map<string, Pick<CallInsights, 'transcript' | 'topics' | 'actionItems' | 'customSummary'>>()

function sharedParts(
  index: number,
  pace: number,
  template: string[],
): Pick<CallInsights, 'transcript' | 'topics' | 'actionItems' | 'customSummary'> {
  const key = `${index}:${pace}:${template.join('\u0000')}`
  const cached = shared.get(key)
  if (cached) return cached
  const scenario = SCENARIOS[index] as Scenario
  const lines: Array<{ speaker: 'agent' | 'caller'; text: string }> = [
    { speaker: 'agent', text: 'Hello, thanks for calling, how can I help?' },
  ]
  scenario.caller.forEach((text, i) => {
    lines.push({ speaker: 'caller', text })
    const reply = scenario.agent[i]
    if (reply !== undefined) lines.push({ speaker: 'agent', text: reply })
  })
  lines.push({ speaker: 'caller', text: 'Great, thank you.' })
  const slot = pace / lines.length
  const parts = {
    transcript: lines.map((line, i) =>
      Object.freeze({
        startTime: round(i * slot + 0.4),
        endTime: round((i + 1) * slot - 0.2),
        speaker: line.speaker,
        text: line.text,
      }),
    ),
    topics: Object.freeze([...scenario.topics]) as string[],
    actionItems: scenario.actions.length > 0 ? (Object.freeze([...scenario.actions]) as string[]) : null,
    customSummary:
      template.length > 0
        ? template.map((name, i) =>
            Object.freeze({
              name,
              content: [scenario.topics.join(', '), scenario.outcome, scenario.actions[0] ?? 'None'][i % 3] as string,
            }),
          )
        : null,
  }
  Object.freeze(parts.transcript)
  if (parts.customSummary) Object.freeze(parts.customSummary)
  shared.set(key, parts)
  return parts
}

/** Everything Aircall AI would say about an answered call, paced to its talk time. */
export function generateInsights(rng: Rng, call: AircallCall, options: GenerateInsightOptions = {}): CallInsights {
  const index = rng.int(0, SCENARIOS.length - 1)
  const scenario = SCENARIOS[index] as Scenario
  const talk = call.answeredAt !== null && call.endedAt !== null ? call.endedAt - call.answeredAt : 60
  const pace = PACES_S.find((p) => talk <= p * 1.5) ?? LONGEST_PACE_S
  const parts = sharedParts(index, pace, options.summaryTemplate ?? [])
  const withActions = parts.actionItems !== null && rng.chance(options.actionItemsRate ?? 1)
  return {
    language: 'en',
    type: 'call',
    transcript: parts.transcript,
    summary: scenario.summary,
    sentiment: scenario.sentiment,
    topics: parts.topics,
    actionItems: withActions ? parts.actionItems : null,
    customSummary: parts.customSummary,
    createdAt: (call.endedAt ?? call.startedAt) + 60,
  }
}

/** A voicemail's transcript: only the caller speaks, and Aircall makes no summary or sentiment of it. */
export function generateVoicemailInsights(rng: Rng, call: AircallCall): CallInsights {
  const words = rng.pick(VOICEMAILS)
  return {
    ...emptyInsights((call.endedAt ?? call.startedAt) + 30),
    type: 'voicemail',
    transcript: words.map((text, i) => ({
      startTime: round(1 + i * 4),
      endTime: round(4.5 + i * 4),
      speaker: 'caller',
      text,
    })),
  }
}

export function emptyInsights(createdAt: number): CallInsights {
  return {
    language: 'en',
    type: 'call',
    transcript: null,
    summary: null,
    sentiment: null,
    topics: null,
    actionItems: null,
    customSummary: null,
    createdAt,
  }
}

/**
 * The call's insights: its own when it has them (seeded world, live calls), else the default rule for planted
 * calls: an answered, finished call of even id has every kind but the custom summary, any other has none.
 */
export function insightsOf(call: AircallCall): CallInsights | null {
  if (call.insights !== undefined) return call.insights
  if (call.answeredAt === null || call.status !== 'done' || call.id % 2 !== 0) return null
  return generateInsights(createRng(hashSeed('call-insights', call.id)), call)
}

export function hasKind(insights: CallInsights | null, kind: InsightKind): boolean {
  if (!insights) return false
  switch (kind) {
    case 'transcription':
      return insights.transcript !== null
    case 'summary':
      return insights.summary !== null
    case 'sentiment':
      return insights.sentiment !== null
    case 'topics':
      return insights.topics !== null
    case 'actionItems':
      return insights.actionItems !== null
    case 'customSummary':
      return insights.customSummary !== null
  }
}

/** Copies one kind from `from` (what the call will get) to `to` (what it has so far). */
export function copyKind(from: CallInsights, to: CallInsights, kind: InsightKind): void {
  switch (kind) {
    case 'transcription':
      to.transcript = from.transcript
      to.type = from.type
      to.language = from.language
      return
    case 'summary':
      to.summary = from.summary
      return
    case 'sentiment':
      to.sentiment = from.sentiment
      return
    case 'topics':
      to.topics = from.topics
      return
    case 'actionItems':
      to.actionItems = from.actionItems
      return
    case 'customSummary':
      to.customSummary = from.customSummary
  }
}

/** Ids of CI entities are their own (not the call's), stable per call and kind. */
export function insightEntityId(callId: number, kind: InsightKind): number {
  return callId * 10 + INSIGHT_KINDS.indexOf(kind) + 1
}

/**
 * The CI entity, the same in the REST answer (inside its wrapper key) and in the webhook `data`: `call_id` is a
 * numeric string for the summary (as ATT saw on summary.created) and an int elsewhere.
 */
export function insightEntity(call: AircallCall, insights: CallInsights, kind: InsightKind): Record<string, unknown> {
  const external = call.rawDigits === 'anonymous' ? null : (toE164(call.rawDigits) ?? call.rawDigits)
  const base: Record<string, unknown> = {
    id: insightEntityId(call.id, kind),
    call_id: kind === 'summary' ? String(call.id) : call.id,
    call_uuid: call.sid,
    number_id: call.numberId,
    type: insights.type,
    participants: [
      ...(call.userId !== null ? [{ participant_type: 'internal', user_id: call.userId }] : []),
      { participant_type: 'external', phone_number: external },
    ],
    call_created_at: new Date(call.startedAt * 1000).toISOString(),
    created_at: new Date(insights.createdAt * 1000).toISOString(),
    updated_at: new Date(insights.createdAt * 1000).toISOString(),
    ai_generated: true,
  }
  switch (kind) {
    case 'transcription':
      base.content = {
        language: insights.language,
        utterances: (insights.transcript ?? []).map((u) => ({
          start_time: u.startTime,
          end_time: u.endTime,
          text: u.text,
          participant_type: u.speaker === 'agent' ? 'internal' : 'external',
          ...(u.speaker === 'agent' ? { user_id: call.userId } : { phone_number: external }),
        })),
      }
      break
    case 'summary':
      base.content = insights.summary
      break
    case 'sentiment':
      base.content = [{ phone_number: external, type: 'external', value: insights.sentiment }]
      break
    case 'topics':
      base.content = insights.topics
      break
    case 'actionItems':
      base.content = (insights.actionItems ?? []).map((content, i) => ({
        id: insightEntityId(call.id, kind) * 100 + i,
        content,
        user_id: call.userId,
      }))
      break
    case 'customSummary': {
      const results = (insights.customSummary ?? []).map((r) => ({ name: r.name, content: r.content }))
      // PY-CI's model reads `content`; practitioner code reads `summary_template_results`: both carry the sections.
      base.content = results
      base.summary_template_results = results
      break
    }
  }
  return base
}

function round(n: number): number {
  return Math.round(n * 100) / 100
}
