/**
 * Simulated live calls: created → ringing_on_agent → answered (or missed) → hungup, then `call.ended`
 * about `endedDelayMs` later (status becomes done), then a finalisation step that rewrites
 * duration/cost/pricing_type and may move started_at by +1 s, with no webhook, as Aircall does.
 * Timestamps come from the injected clock; setTimeout only paces the steps.
 */
import type { EmulatorCore } from './core.js'
import type { AircallCall, MissedCallReason } from './model.js'
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
  /** Wall-clock pause between the live steps (default 10 ms). */
  stepDelayMs?: number
  /** Wall-clock pause while the call is answered, before hang-up (default stepDelayMs). */
  talkDelayMs?: number
  endedDelayMs?: number
  /** Wall-clock delay after call.ended before the silent rewrite (default: settings.finaliseDelayMs). */
  finaliseDelayMs?: number
  /** Whether finalisation moves started_at by +1 s (default: drawn from the seeded PRNG, 30 %). */
  shiftStartedAt?: boolean
}

export interface LifecycleHandle {
  callId: number
  /** Resolves after finalisation (or when the emulator closes). */
  done: Promise<void>
}

export class LifecycleRunner {
  private readonly timers = new Set<NodeJS.Timeout>()
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
    const step = spec.stepDelayMs ?? 10
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
    }
    store.addCall(call)
    const emit = (event: string): void => core.emit('call', event, callEventData(call, core.serializeContext()))
    const ring = spec.ringSeconds ?? 5
    const talk = spec.talkSeconds ?? 60

    const done = new Promise<void>((resolve) => {
      this.cancels.add(resolve)
      const after = (ms: number, fn: () => void): void => {
        const t = setTimeout(() => {
          this.timers.delete(t)
          fn()
        }, ms)
        this.timers.add(t)
      }
      emit('call.created')
      after(step, () => {
        call.userId = userId
        emit('call.ringing_on_agent')
        after(step, () => {
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
          after(outcome === 'answered' ? (spec.talkDelayMs ?? step) : 0, () => {
            const base = call.answeredAt ?? startedAt + ring
            call.endedAt = Math.max(core.nowS(), base + (outcome === 'answered' ? talk : 0))
            // Provisional: includes a rounding second that finalisation removes.
            call.duration = call.endedAt - call.startedAt + 1
            if (outcome === 'voicemail') call.hasVoicemail = true
            emit('call.hungup')
            if (outcome === 'voicemail') emit('call.voicemail_left')
            after(spec.endedDelayMs ?? core.settings.endedDelayMs, () => {
              call.status = 'done'
              emit('call.ended')
              if (call.hasRecording || call.hasVoicemail) emit('call.comm_assets_generated')
              after(spec.finaliseDelayMs ?? core.settings.finaliseDelayMs, () => {
                finaliseCall(core, call, spec.shiftStartedAt)
                this.cancels.delete(resolve)
                resolve()
              })
            })
          })
        })
      })
    })
    return { callId: call.id, done }
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
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
