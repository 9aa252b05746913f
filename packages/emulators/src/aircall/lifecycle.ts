/**
 * Simulated live calls: created → ringing_on_agent → answered (or missed) → hungup (+ voicemail_left), then
 * `call.ended` about `endedDelayMs` later (status becomes done) with `call.comm_assets_generated` when there is a
 * recording or voicemail, then a finalisation step that rewrites duration/cost/pricing_type and may move started_at
 * by +1 s, with no webhook, as Aircall does. On a line with the AI plan the conversation-intelligence events follow
 * call.ended on their own delays. Every step runs on the emulator's scheduler: timestamps come from the injected
 * clock, and advancing that clock runs the steps that are due.
 */
import { createRng, hashSeed } from '../common/prng.js'
import type { AircallSettings, EmulatorCore } from './core.js'
import {
  copyKind,
  emptyInsights,
  generateInsights,
  generateVoicemailInsights,
  hasKind,
  INSIGHT_EVENTS,
  INSIGHT_KINDS,
  insightEntity,
  type InsightKind,
  planOf,
} from './insights.js'
import type { AircallCall, CallInsights, MissedCallReason } from './model.js'
import { countryOf, toE164 } from './phone.js'
import { rawDigitsOf } from './call-factory.js'
import { callEventData } from './serialize.js'

export interface LifecycleSpec {
  direction?: 'inbound' | 'outbound'
  phone?: string
  rawDigits?: string
  numberId?: number
  userId?: number
  contactId?: number
  outcome?: 'answered' | 'missed' | 'voicemail'
  missedCallReason?: MissedCallReason
  /** Logical seconds used for the timestamps (the clock may be frozen in tests). */
  ringSeconds?: number
  talkSeconds?: number
  /** Pause between the live steps (default 10 ms). */
  stepDelayMs?: number
  /** Pause while the call is answered, before hang-up (default stepDelayMs). */
  talkDelayMs?: number
  endedDelayMs?: number
  /** Delay after call.ended before the silent rewrite (default: settings.finaliseDelayMs). */
  finaliseDelayMs?: number
  /** Whether finalisation moves started_at by +1 s (default: drawn from the seeded PRNG, 30 %). */
  shiftStartedAt?: boolean
  /** call.ended → call.comm_assets_generated (default: settings.assetsDelayMs). */
  assetsDelayMs?: number
  /**
   * Whether Aircall AI finds something to say (default true): false is a call too short to analyse, with no AI
   * events and 404 on its AI endpoints.
   */
  aiContent?: boolean
  /** Whether a voicemail gets a transcript (type "voicemail") on a line with the AI plan (default true). */
  voicemailTranscript?: boolean
  /** call.ended → each AI event, per kind (default: the settings' `*DelayMs`). */
  aiDelaysMs?: Partial<Record<InsightKind, number>>
}

export interface LifecycleHandle {
  callId: number
  /** Resolves after finalisation (or when the emulator closes). */
  done: Promise<void>
  /** Resolves once every step of the call has run, AI events included (or when the emulator closes). */
  settled: Promise<void>
}

const DELAY_SETTING: Record<InsightKind, keyof AircallSettings> = {
  transcription: 'transcriptionDelayMs',
  summary: 'summaryDelayMs',
  sentiment: 'sentimentDelayMs',
  topics: 'topicsDelayMs',
  actionItems: 'actionItemsDelayMs',
  customSummary: 'customSummaryDelayMs',
}

/** The delay of one AI kind after call.ended. */
export function insightDelayMs(settings: AircallSettings, kind: InsightKind): number {
  return settings[DELAY_SETTING[kind]] as number
}

export class LifecycleRunner {
  private readonly cancels = new Set<() => void>()

  constructor(private readonly core: EmulatorCore) {}

  start(spec: LifecycleSpec): LifecycleHandle {
    const core = this.core
    const store = core.store
    const direction = spec.direction ?? 'inbound'
    const outcome = spec.outcome ?? 'answered'
    const rawDigits = rawDigitsOf({ phone: spec.phone ?? '+33612345678', rawDigits: spec.rawDigits })
    const e164 = rawDigits === 'anonymous' ? null : toE164(rawDigits)
    const numberId = spec.numberId ?? store.numbers.keys().next().value ?? 1
    const line = store.numbers.get(numberId)
    const userId = spec.userId ?? line?.userIds[0] ?? store.users.keys().next().value ?? null
    const stepMs = spec.stepDelayMs ?? 10
    const startedAt = core.nowS()
    const call: AircallCall = {
      id: store.nextId('call'),
      sid: `CA${core.rng.hex(32)}`,
      direction,
      status: 'initial',
      startedAt,
      answeredAt: null,
      endedAt: null,
      duration: 0,
      missedCallReason: null,
      rawDigits,
      countryCodeA2: e164 ? countryOf(e164) : null,
      numberId,
      userId: null,
      assignedToId: null,
      transferredById: null,
      transferredToId: null,
      contactId: spec.contactId ?? null,
      teamIds:
        direction === 'inbound'
          ? [...store.teams.values()].filter((t) => userId !== null && t.userIds.includes(userId)).map((t) => t.id)
          : [],
      tags: [],
      comments: [],
      archived: false,
      cost: '0.0',
      pricingType: null,
      hasRecording: false,
      hasVoicemail: false,
      ivrOptionsSelected: [],
      finalised: false,
      // Nothing until the AI events fire: the endpoints answer 404 ("no content yet") before.
      insights: emptyInsights(startedAt),
    }
    store.addCall(call)
    const emit = (event: string): void => core.emit('call', event, callEventData(call, core.serializeContext()))
    const ring = spec.ringSeconds ?? 5
    const talk = spec.talkSeconds ?? 60

    let finished = (): void => {}
    let settle = (): void => {}
    const done = new Promise<void>((resolve) => {
      finished = resolve
    })
    const settled = new Promise<void>((resolve) => {
      settle = resolve
    })
    this.cancels.add(finished)
    this.cancels.add(settle)
    let outstanding = 0
    // A step scheduled from another step counts before that one ends, so `settled` waits for the whole chain.
    const step = (from: number, delayMs: number, name: string, run: (dueAt: number) => void): void => {
      outstanding += 1
      core.scheduler.after(from, delayMs, `call ${call.id} ${name}`, (dueAt) => {
        run(dueAt)
        outstanding -= 1
        if (outstanding === 0) {
          this.cancels.delete(settle)
          settle()
        }
      })
    }

    const planned = (): CallInsights | null => {
      if (spec.aiContent === false) return null
      const rng = createRng(hashSeed('live-insights', call.id))
      if (call.answeredAt !== null) return generateInsights(rng, call, { summaryTemplate: line?.summaryTemplate })
      if (call.hasVoicemail && spec.voicemailTranscript !== false) return generateVoicemailInsights(rng, call)
      return null
    }
    const insightSteps = (endedAt: number): void => {
      if (planOf(store.numbers.get(call.numberId), core.settings.aiPlan) === 'none') return
      const content = planned()
      if (!content) return
      for (const kind of INSIGHT_KINDS) {
        if (!hasKind(content, kind)) continue
        const delay = spec.aiDelaysMs?.[kind] ?? insightDelayMs(core.settings, kind)
        step(endedAt, delay, INSIGHT_EVENTS[kind], () => {
          // Checked when the event is due: a line that lost the plan meanwhile gets nothing more.
          if (planOf(store.numbers.get(call.numberId), core.settings.aiPlan) === 'none') return
          const own = call.insights ?? emptyInsights(core.nowS())
          if (!INSIGHT_KINDS.some((k) => hasKind(own, k))) own.createdAt = core.nowS()
          copyKind(content, own, kind)
          call.insights = own
          core.emit('conversation_intelligence', INSIGHT_EVENTS[kind], insightEntity(call, own, kind))
        })
      }
    }

    emit('call.created')
    step(core.now(), stepMs, 'call.ringing_on_agent', (ringingAt) => {
      call.userId = userId
      emit('call.ringing_on_agent')
      step(ringingAt, stepMs, outcome === 'answered' ? 'call.answered' : 'unanswered', (pickedAt) => {
        if (outcome === 'answered') {
          call.status = 'answered'
          call.answeredAt = Math.max(core.nowS(), startedAt + ring)
          call.hasRecording = line?.liveRecordingActivated ?? true
          emit('call.answered')
        } else if (direction === 'inbound') {
          call.userId = null
          call.missedCallReason =
            spec.missedCallReason ?? (outcome === 'voicemail' ? 'agents_did_not_answer' : 'no_available_agent')
        }
        const talkMs = outcome === 'answered' ? (spec.talkDelayMs ?? stepMs) : 0
        step(pickedAt, talkMs, 'call.hungup', (hungupAt) => {
          const base = call.answeredAt ?? startedAt + ring
          call.endedAt = Math.max(core.nowS(), base + (outcome === 'answered' ? talk : 0))
          // Provisional: includes a rounding second that finalisation removes.
          call.duration = call.endedAt - call.startedAt + 1
          if (outcome === 'voicemail') call.hasVoicemail = true
          emit('call.hungup')
          if (outcome === 'voicemail') emit('call.voicemail_left')
          step(hungupAt, spec.endedDelayMs ?? core.settings.endedDelayMs, 'call.ended', (endedAt) => {
            call.status = 'done'
            emit('call.ended')
            if (call.hasRecording || call.hasVoicemail) {
              const assetsMs = spec.assetsDelayMs ?? core.settings.assetsDelayMs
              if (assetsMs <= 0) emit('call.comm_assets_generated')
              else step(endedAt, assetsMs, 'call.comm_assets_generated', () => emit('call.comm_assets_generated'))
            }
            insightSteps(endedAt)
            step(endedAt, spec.finaliseDelayMs ?? core.settings.finaliseDelayMs, 'finalise', () => {
              finaliseCall(core, call, spec.shiftStartedAt)
              this.cancels.delete(finished)
              finished()
            })
          })
        })
      })
    })
    return { callId: call.id, done, settled }
  }

  /** Emits a call's AI events now, for the kinds it has (a planted or seeded call); the plan is honoured. */
  emitInsights(call: AircallCall, content: CallInsights, kinds: readonly InsightKind[] = INSIGHT_KINDS): string[] {
    const core = this.core
    if (planOf(core.store.numbers.get(call.numberId), core.settings.aiPlan) === 'none') return []
    const emitted: string[] = []
    for (const kind of kinds) {
      if (!hasKind(content, kind)) continue
      core.emit('conversation_intelligence', INSIGHT_EVENTS[kind], insightEntity(call, content, kind))
      emitted.push(INSIGHT_EVENTS[kind])
    }
    return emitted
  }

  close(): void {
    for (const c of this.cancels) c()
    this.cancels.clear()
  }
}

/** The silent post-end rewrite; no webhook fires, so only a re-read notices. */
export function finaliseCall(core: EmulatorCore, call: AircallCall, shift?: boolean): void {
  if (call.finalised) return
  if (shift ?? core.rng.chance(0.3)) core.store.setStartedAt(call, call.startedAt + 1)
  if (call.endedAt !== null) call.duration = Math.max(0, call.endedAt - call.startedAt)
  const billable = call.answeredAt !== null && call.endedAt !== null ? call.endedAt - call.answeredAt : 0
  call.cost = billable > 0 ? (Math.ceil(billable / 60) * 1.5).toFixed(1) : '0.0'
  call.pricingType = 'in_bundle'
  call.finalised = true
}
