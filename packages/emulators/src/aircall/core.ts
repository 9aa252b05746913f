/**
 * What route modules share: the store, the live settings, the clock, serialisation context and the
 * webhook emitter. Kept as one small interface so route files stay independent of the server wiring.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isRecord, readJsonBody } from '../common/http.js'
import type { Rng } from '../common/prng.js'
import type { Router } from '../common/router.js'
import { badRequest } from './errors.js'
import type { MediaSigner } from './media.js'
import type { AiPlan } from './model.js'
import type { Scheduler } from './scheduler.js'
import type { SerializeContext } from './serialize.js'
import type { AircallStore } from './store.js'

/** Knobs that may change at runtime through the control API; every default is the strict reading. */
export interface AircallSettings {
  rateLimitPerMinute: number
  rateLimitLockoutMs: number
  sendRetryAfter: boolean
  authFailureStatus: 401 | 403
  retentionDays: number
  searchRetentionDays: number
  recordingTtlMs: number
  shortUrlTtlMs: number
  commentCap: number
  stripCommentEmojis: boolean
  insightCardsAfterEnd: 'reject' | 'accept'
  /** The company's plan, the default of every line without its own `aiPlan`. */
  aiPlan: AiPlan
  usersV1Gone: boolean
  allowInsecureWebhookUrls: boolean
  maxWebhooks: number
  webhookTimeoutMs: number
  webhookRetryScheduleMs: number[]
  webhookDisableAfterFailures: number
  endedDelayMs: number
  finaliseDelayMs: number
  /** Whether timed steps also run on wall timers ("wall") or only when the clock is advanced ("clock"). */
  lifecycleTimers: 'wall' | 'clock'
  /** call.ended → call.comm_assets_generated. */
  assetsDelayMs: number
  /** call.ended → each conversation-intelligence event. */
  transcriptionDelayMs: number
  summaryDelayMs: number
  sentimentDelayMs: number
  topicsDelayMs: number
  actionItemsDelayMs: number
  customSummaryDelayMs: number
  /** Send → message.sent, then message.sent → message.status_updated (delivered). */
  messageSentDelayMs: number
  messageDeliveredDelayMs: number
  /** Message `created_at`/`sent_at`/`updated_at` as ISO strings or UNIX ms (the sources disagree). */
  messageTimestamps: 'iso' | 'ms'
  /** WhatsApp's customer-service window: free text only this long after the customer's last message; 0 = off. */
  whatsappWindowHours: number
  bodyLimitBytes: number
  webhookToken: string | null
}

export interface EmulatorCore {
  readonly store: AircallStore
  readonly settings: AircallSettings
  readonly rng: Rng
  readonly signer: MediaSigner
  readonly scheduler: Scheduler
  baseUrl(): string
  /** Injected clock plus the control-API offset, in ms. */
  now(): number
  nowS(): number
  serializeContext(): SerializeContext
  emit(resource: string, event: string, data: unknown): void
}

export type RouteInstaller = (router: Router, core: EmulatorCore) => void

/** Reads a JSON object body; answers 400 (§7 family) and returns null when it is not one. */
export async function readObjectBody(
  req: IncomingMessage,
  res: ServerResponse,
  core: EmulatorCore,
): Promise<Record<string, unknown> | null> {
  const body = await readJsonBody(req, core.settings.bodyLimitBytes)
  if (!body.ok) {
    badRequest(res, body.reason === 'too-large' ? 'Request body is too large' : 'Request body is not valid JSON')
    return null
  }
  if (!isRecord(body.value)) {
    badRequest(res, 'Request body must be a JSON object')
    return null
  }
  return body.value
}

export function parseIdParam(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return null
  return Number(value)
}

export function boolParam(query: URLSearchParams, key: string): boolean {
  const v = query.get(key)
  return v === 'true' || v === '1'
}
