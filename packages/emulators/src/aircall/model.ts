/**
 * Internal records of the Aircall emulator. They are deliberately not the wire format: serialisers in
 * `serialize.ts` produce the exact JSON shapes, so the seed generator and tests work with plain data.
 * Times on calls and contacts are UNIX seconds (as on the wire); users/teams/numbers keep ISO strings.
 */

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun'

/** Opening intervals per local weekday, "HH:MM" 24 h; a missing day is closed. */
export type BusinessHours = Partial<Record<Weekday, Array<[string, string]>>>

export interface AircallUser {
  id: number
  name: string
  email: string
  /** ISO-8601 with ms, as Aircall returns for users. */
  createdAt: string
  timeZone: string
  language: string
  availabilityStatus: 'available' | 'custom' | 'unavailable'
  available: boolean
  substatus:
    'always_opened' | 'always_closed' | 'out_for_lunch' | 'on_a_break' | 'in_training' | 'doing_back_office' | 'other'
  state: 'active' | 'inactive'
  wrapUpTime: number
  extension: string | null
  defaultNumberId: number | null
  numberIds: number[]
}

export interface AircallTeam {
  id: number
  name: string
  createdAt: string
  userIds: number[]
}

/** The conversation-intelligence plan: "none" answers 403 on the AI endpoints and sends no AI events. */
export type AiPlan = 'ai-assist' | 'none'

export interface AircallNumber {
  id: number
  name: string
  /** Formatted international ("+33 1 76 11 11 11"). */
  digits: string
  country: string
  /** IANA zone. */
  timeZone: string
  /** null = always open. */
  businessHours: BusinessHours | null
  isIvr: boolean
  liveRecordingActivated: boolean
  priority: 0 | 1 | null
  createdAt: string
  userIds: number[]
  /** The line's own AI plan; absent, the company's (`aiPlan` setting) applies. */
  aiPlan?: AiPlan
  /** Section names of a custom summary template: its calls also get a structured custom summary. */
  summaryTemplate?: string[]
  /** WhatsApp add-on on this line (WABA verified): WhatsApp sends and receipts are refused without it. */
  whatsapp?: boolean
}

export interface AircallTag {
  id: number
  name: string
  color: string
  description: string | null
}

export interface ContactDetail {
  id: number
  label: string
  value: string
}

export interface AircallContact {
  id: number
  firstName: string | null
  lastName: string | null
  companyName: string | null
  information: string | null
  /** Only shared contacts are served; private ones exist to prove that filtering. */
  isShared: boolean
  createdAt: number
  updatedAt: number
  phoneNumbers: ContactDetail[]
  emails: ContactDetail[]
}

export type MissedCallReason =
  | 'out_of_opening_hours'
  | 'short_abandoned'
  | 'abandoned_in_ivr'
  | 'abandoned_in_classic'
  | 'no_available_agent'
  | 'agents_did_not_answer'

export interface CallTag {
  tagId: number
  createdAt: number
  taggedById: number | null
}

export interface CallComment {
  id: number
  content: string
  postedAt: number
  postedById: number | null
}

export interface AircallCall {
  id: number
  sid: string
  direction: 'inbound' | 'outbound'
  status: 'initial' | 'answered' | 'done'
  startedAt: number
  answeredAt: number | null
  endedAt: number | null
  duration: number
  missedCallReason: MissedCallReason | null
  /** Spaced international ("+33 6 12 34 56 78", "+1 617-610-5413") or "anonymous", as Aircall shows it. */
  rawDigits: string
  countryCodeA2: string | null
  numberId: number
  userId: number | null
  assignedToId: number | null
  transferredById: number | null
  transferredToId: number | null
  contactId: number | null
  /** Only inbound calls carry teams. */
  teamIds: number[]
  tags: CallTag[]
  comments: CallComment[]
  archived: boolean
  cost: string
  pricingType: string | null
  hasRecording: boolean
  hasVoicemail: boolean
  ivrOptionsSelected: Array<{ id: number; title: string; key: string; created_at: number }>
  /** Set once the post-end rewrite (cost, duration, maybe started_at +1 s) has happened. */
  finalised: boolean
  /**
   * What Aircall AI produced for the call. Absent: the default rule of `insights.ts` (answered calls of even id);
   * null: nothing (the AI endpoints answer 404).
   */
  insights?: CallInsights | null
}

export type InsightSpeaker = 'agent' | 'caller'

export interface InsightUtterance {
  /** Seconds from the start of the recording. */
  startTime: number
  endTime: number
  speaker: InsightSpeaker
  text: string
}

export type SentimentValue = 'POSITIVE' | 'NEUTRAL' | 'NEGATIVE'

/**
 * Each kind is null until Aircall has produced it (a live call fills them as their events fire), and stays null
 * when it never will (too short, no template): its endpoint answers 404.
 */
export interface CallInsights {
  language: string
  /** "voicemail" when the transcript is of a voicemail the caller left (no summary or sentiment then). */
  type: 'call' | 'voicemail'
  transcript: InsightUtterance[] | null
  summary: string | null
  /** The caller's overall mood: Aircall rates external participants only. */
  sentiment: SentimentValue | null
  topics: string[] | null
  actionItems: string[] | null
  customSummary: Array<{ name: string; content: string }> | null
  /** UNIX seconds the insights were generated (their `created_at`). */
  createdAt: number
}

export interface MessageMedia {
  fileName: string
  fileType: string
  /** The plain URL an MMS send named (`mediaUrl`); received media are served signed by the emulator instead. */
  url?: string
}

/** One SMS/MMS or WhatsApp message of a 1:1 thread (line, other party, channel). */
export interface AircallMessage {
  /** A string, as on the live API ("1779973182949pqnihpvazdyw6336"). */
  id: string
  numberId: number
  direction: 'inbound' | 'outbound'
  /** The other party, E.164. */
  externalNumber: string
  body: string | null
  status: 'pending' | 'sent' | 'delivered' | 'received' | 'failed'
  channel: 'sms' | 'whatsapp'
  /** UNIX ms. */
  createdAt: number
  sentAt: number | null
  updatedAt: number
  userId: number | null
  contactId: number | null
  media: MessageMedia[]
  /** WhatsApp template parameters a template send carried (then body is null). */
  templateParams?: Record<string, unknown> | null
}

export interface AircallSeed {
  company?: { name: string }
  users: AircallUser[]
  teams: AircallTeam[]
  numbers: AircallNumber[]
  tags: AircallTag[]
  contacts: AircallContact[]
  calls: AircallCall[]
  /** Message threads (SMS and WhatsApp); no API lists them, they open WhatsApp's 24-hour window. */
  messages?: AircallMessage[]
}

export const CALL_EVENTS = [
  'call.created',
  'call.ringing_on_agent',
  'call.agent_declined',
  'call.answered',
  'call.transferred',
  'call.external_transferred',
  'call.unsuccessful_transfer',
  'call.hungup',
  'call.ended',
  'call.hold',
  'call.unhold',
  'call.ivr_option_selected',
  'call.comm_assets_generated',
  'call.voicemail_left',
  'call.assigned',
  'call.archived',
  'call.tagged',
  'call.untagged',
  'call.commented',
] as const

const USER_EVENTS = ['created', 'deleted', 'connected', 'disconnected', 'opened', 'closed', 'wut_start', 'wut_end']

/** Every event a webhook may subscribe to; unknown names are rejected with 400 like the real API. */
export const ALL_EVENTS: readonly string[] = [
  ...CALL_EVENTS,
  ...USER_EVENTS.map((e) => `user.${e}.v2`),
  ...USER_EVENTS.map((e) => `user.${e}`),
  'number.created',
  'number.opened',
  'number.closed',
  'number.deleted',
  'contact.created',
  'contact.updated',
  'contact.deleted',
  'message.sent',
  'message.received',
  'message.status_updated',
  'group_message.sent',
  'group_message.received',
  'group_message.status_updated',
  'transcription.created',
  'summary.created',
  'topics.created',
  'sentiment.created',
  'action_item.created',
  // The rest of conversation intelligence (reference: "Webhook events", conversation intelligence).
  'playbook_result.created',
  'playbook_result.updated',
  'realtime_transcription.utterances_received',
  'custom_summary.result_created',
  'custom_summary.result_updated',
  'call_evaluation.created',
  'call_evaluation.updated',
  'integration.deleted',
]
