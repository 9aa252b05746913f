/** What every Intercom route handler receives, and the emulator's resolved configuration. */
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js'
import type { IntercomEmulatorOptions } from '../types.js'
import type { Workspace } from './state.js'

export type ContractMode = 'off' | 'record' | 'enforce'

/** Knobs beyond the shared `IntercomEmulatorOptions`; every unconfirmed behaviour defaults to its strict reading. */
export interface IntercomEmulatorConfig extends IntercomEmulatorOptions {
  /** How long a subscription is throttled after its endpoint answers 429 (default 60 000 ms). */
  webhookThrottleMs?: number
  /** Workspace-wide limit shared by every app token (default 25 000/min, also split in 10-second windows). */
  workspaceRateLimitPerMinute?: number
  /** Tokens of other apps installed in the same workspace: each has its own app limit, all share the workspace's. */
  extraAccessTokens?: string[]
  /** Admin returned by GET /me (default: the first seeded admin). */
  tokenAdminId?: string
  /** Allow `custom_attributes.*` in conversation search (unconfirmed in the reference; default false → 400). */
  conversationCustomAttributeSearch?: boolean
  /** Data attribute names must match this (default: letters, digits, currency symbols, hyphens, underscores, spaces). */
  dataAttributeNamePattern?: RegExp
  /** Custom data attributes per workspace, archived ones included (default 250). */
  customDataAttributeLimit?: number
  /** Fields whose duplicate on a user answers 409 conflict (default email and external_id). */
  conflictFields?: Array<'email' | 'external_id'>
  /** 406 for an Accept that rules JSON out (`text/html`); wildcards, `application/*` and no Accept pass (default true). */
  requireAcceptJson?: boolean
  /** Bodies must be sent as application/json (default true). */
  requireJsonContentType?: boolean
  /** Workspace timezone used for day-granular date search (default 0 = UTC). */
  timezoneOffsetMinutes?: number
  /** Max nested AND/OR levels under the top group (default 2) and filters per group (default 15). */
  searchMaxNestedLevels?: number
  searchMaxFiltersPerGroup?: number
  /** Intercom app id shown in webhook envelopes and `workspace_id` (default "emulator"). */
  appId?: string
}

export interface ResolvedConfig {
  accessToken: string
  clientSecret: string
  defaultVersion: string
  rateLimitPerMinute: number
  workspaceRateLimitPerMinute: number
  extraAccessTokens: string[]
  searchLagMs: number
  webhookTimeoutMs: number
  webhookRetryDelayMs: number
  webhookThrottleMs: number
  contract: ContractMode
  formattedPhoneDefaultCountry: CountryCode | undefined
  formattedPhone: boolean
  tokenAdminId: string | undefined
  conversationCustomAttributeSearch: boolean
  dataAttributeNamePattern: RegExp
  customDataAttributeLimit: number
  conflictFields: Array<'email' | 'external_id'>
  requireAcceptJson: boolean
  requireJsonContentType: boolean
  timezoneOffsetMinutes: number
  searchMaxNestedLevels: number
  searchMaxFiltersPerGroup: number
  appId: string
  seed: number
  now: () => number
}

export function resolveConfig(options: IntercomEmulatorConfig): ResolvedConfig {
  return {
    accessToken: options.accessToken,
    clientSecret: options.clientSecret,
    defaultVersion: options.defaultVersion ?? '2.16',
    rateLimitPerMinute: options.rateLimitPerMinute ?? 10_000,
    workspaceRateLimitPerMinute: options.workspaceRateLimitPerMinute ?? 25_000,
    extraAccessTokens: options.extraAccessTokens ?? [],
    searchLagMs: options.searchLagMs ?? 0,
    webhookTimeoutMs: options.webhookTimeoutMs ?? 5_000,
    webhookRetryDelayMs: options.webhookRetryDelayMs ?? 60_000,
    webhookThrottleMs: options.webhookThrottleMs ?? 60_000,
    contract: options.contract ?? 'record',
    formattedPhoneDefaultCountry: resolveCountry(options.formattedPhoneDefaultCountry),
    formattedPhone: options.formattedPhone ?? true,
    tokenAdminId: options.tokenAdminId,
    conversationCustomAttributeSearch: options.conversationCustomAttributeSearch ?? false,
    dataAttributeNamePattern: options.dataAttributeNamePattern ?? /^[\p{L}\p{N}\p{Sc}_\- ]+$/u,
    customDataAttributeLimit: options.customDataAttributeLimit ?? 250,
    conflictFields: options.conflictFields ?? ['email', 'external_id'],
    requireAcceptJson: options.requireAcceptJson ?? true,
    requireJsonContentType: options.requireJsonContentType ?? true,
    timezoneOffsetMinutes: options.timezoneOffsetMinutes ?? 0,
    searchMaxNestedLevels: options.searchMaxNestedLevels ?? 2,
    searchMaxFiltersPerGroup: options.searchMaxFiltersPerGroup ?? 15,
    appId: options.appId ?? 'emulator',
    seed: options.seed ?? 1,
    now: options.now ?? Date.now,
  }
}

function resolveCountry(country: string | undefined): CountryCode | undefined {
  if (country === undefined) return undefined
  if (!isSupportedCountry(country)) throw new Error(`formattedPhoneDefaultCountry: unknown country ${country}`)
  return country
}

/** Versions the 2.16 description enumerates, plus Preview/Unstable (treated as newer than 2.16). */
export const KNOWN_VERSIONS = new Set([
  '1.0',
  '1.1',
  '1.2',
  '1.3',
  '1.4',
  '2.0',
  '2.1',
  '2.2',
  '2.3',
  '2.4',
  '2.5',
  '2.6',
  '2.7',
  '2.8',
  '2.9',
  '2.10',
  '2.11',
  '2.12',
  '2.13',
  '2.14',
  '2.15',
  '2.16',
  'Preview',
  'Unstable',
])

export class ApiVersion {
  readonly rank: number
  constructor(readonly name: string) {
    const m = /^(\d+)\.(\d+)$/.exec(name)
    this.rank = m ? Number(m[1]) * 100 + Number(m[2]) : 10_000
  }
  atLeast(name: string): boolean {
    return this.rank >= new ApiVersion(name).rank
  }
}

export interface Emitter {
  emit(topic: string, item: Record<string, unknown>): void
}

export interface ApiContext {
  version: ApiVersion
  /** Version webhook payloads are rendered at (the app's default). */
  webhookVersion: ApiVersion
  /** Admin the access token belongs to (GET /me). */
  tokenAdminId: string
  params: Record<string, string>
  query: URLSearchParams
  body: unknown
  ws: Workspace
  config: ResolvedConfig
  nowSec: () => number
  nowMs: () => number
  events: Emitter
  requestId: string
}

export interface ApiReply {
  status?: number
  body: unknown
  headers?: Record<string, string>
}

export type ApiHandler = (ctx: ApiContext) => ApiReply
