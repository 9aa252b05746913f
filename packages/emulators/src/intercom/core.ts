/**
 * The emulator's state and control surface, independent of HTTP: the control API and the in-process methods both
 * call these, so they stay 1:1.
 */
import { FaultInjector, type FaultState } from '../common/faults.js'
import { createRng, hashSeed, type Rng } from '../common/prng.js'
import type { FaultRule } from '../types.js'
import {
  ApiVersion,
  KNOWN_VERSIONS,
  resolveConfig,
  type IntercomEmulatorConfig,
  type ResolvedConfig,
} from './context.js'
import { sharedContractValidator, type ContractValidator, type ContractViolation } from './contract.js'
import { assignConversation, conversationEventItem, requireConversation, type AssignInput } from './conversations.js'
import { renderDataAttribute, renderConversation, renderContact, htmlBody, renderAdmin, renderTeam } from './render.js'
import { renderConversationAttribute } from './data-attributes.js'
import { WindowLimiter } from './rate-limit.js'
import { DEFAULT_SEED, loadSeed, parseSeed, type IntercomSeedExtended } from './seed.js'
import { Workspace, type Priority } from './state.js'
import { WebhookEmitter, type WebhookChaos, type Subscription } from './webhooks.js'
import { ApiError } from './errors.js'
import { renderTicket } from './tickets.js'

export interface RequestCounts {
  total: number
  /** "POST /contacts/{contact_id}/tags" → status → count. */
  byRoute: Record<string, Record<string, number>>
  rateLimited: number
  unauthorized: number
}

export class IntercomCore {
  readonly config: ResolvedConfig
  readonly rng: Rng
  ws: Workspace
  readonly appLimiter: WindowLimiter
  readonly workspaceLimiter: WindowLimiter
  readonly faults: FaultInjector
  readonly webhooks: WebhookEmitter
  readonly contract: ContractValidator | null
  contractUnavailable: string | null = null
  violations: ContractViolation[] = []
  counts: RequestCounts = { total: 0, byRoute: {}, rateLimited: 0, unauthorized: 0 }
  private lastSeed: IntercomSeedExtended = DEFAULT_SEED
  private readonly idRng: Rng
  private readonly initialSearchLagMs: number

  constructor(options: IntercomEmulatorConfig) {
    this.config = resolveConfig(options)
    this.initialSearchLagMs = this.config.searchLagMs
    if (!KNOWN_VERSIONS.has(this.config.defaultVersion))
      throw new Error(`unknown Intercom version ${this.config.defaultVersion}`)
    this.rng = createRng(hashSeed('intercom-faults', this.config.seed))
    this.idRng = createRng(hashSeed('intercom-ids', this.config.seed))
    this.ws = new Workspace((n) => this.idRng.hex(n))
    this.appLimiter = new WindowLimiter(this.config.rateLimitPerMinute, this.config.now)
    this.workspaceLimiter = new WindowLimiter(this.config.workspaceRateLimitPerMinute, this.config.now)
    this.faults = new FaultInjector(this.rng)
    this.webhooks = new WebhookEmitter({
      clientSecret: this.config.clientSecret,
      appId: this.config.appId,
      timeoutMs: this.config.webhookTimeoutMs,
      retryDelayMs: this.config.webhookRetryDelayMs,
      throttleMs: this.config.webhookThrottleMs,
      now: this.config.now,
      rng: createRng(hashSeed('intercom-webhooks', this.config.seed)),
      uuid: () => this.uuid(),
    })
    this.contract = null
    if (this.config.contract !== 'off') {
      try {
        this.contract = sharedContractValidator()
      } catch (e) {
        // A packaged CLI may ship without contract/: recording degrades to off (reported by /health), enforcing cannot.
        if (this.config.contract === 'enforce') throw e
        this.contractUnavailable = e instanceof Error ? e.message : String(e)
      }
    }
    loadSeed(this.ws, DEFAULT_SEED, this.nowSec())
  }

  nowSec(): number {
    return Math.floor(this.config.now() / 1000)
  }

  /** RFC 4122 v4 layout from the seeded PRNG, so request and notification ids replay with the seed. */
  uuid(): string {
    const h = this.idRng.hex(32)
    const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16)
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
  }

  tokenAdminId(): string {
    return this.config.tokenAdminId ?? [...this.ws.admins.keys()][0] ?? '0'
  }

  get webhookVersion(): ApiVersion {
    return new ApiVersion(this.config.defaultVersion)
  }

  /** Validates like the control route does, so a bad in-process seed fails loudly instead of half-loading. */
  seed(seed: IntercomSeedExtended): void {
    const parsed = parseSeed(seed)
    if (typeof parsed === 'string') throw new Error(`invalid Intercom seed: ${parsed}`)
    this.lastSeed = parsed
    loadSeed(this.ws, parsed, this.nowSec())
  }

  reset(): void {
    this.ws = new Workspace((n) => this.idRng.hex(n))
    loadSeed(this.ws, DEFAULT_SEED, this.nowSec())
    this.lastSeed = DEFAULT_SEED
    this.counts = { total: 0, byRoute: {}, rateLimited: 0, unauthorized: 0 }
    this.violations = []
    this.faults.clear()
    this.webhooks.reset()
    this.appLimiter.reset()
    this.workspaceLimiter.reset()
    this.config.searchLagMs = this.initialSearchLagMs
  }

  /** Re-applies the last seed without touching subscriptions, faults or counters. */
  reseed(): void {
    loadSeed(this.ws, this.lastSeed, this.nowSec())
  }

  state(): Record<string, unknown> {
    const version = this.webhookVersion
    const renderOpts = {
      version,
      defaultCountry: this.config.formattedPhoneDefaultCountry,
      formattedPhone: this.config.formattedPhone,
      appId: this.config.appId,
      includeMergeHistory: true,
    }
    return {
      admins: [...this.ws.admins.values()].map(renderAdmin),
      teams: [...this.ws.teams.values()].map(renderTeam),
      contacts: [...this.ws.contacts.values()].map((c) => ({
        ...renderContact(c, renderOpts),
        merged_into: c.mergedInto,
        searchable_from_ms: c.searchableFromMs,
      })),
      conversations: [...this.ws.conversations.values()].map((c) => renderConversation(c, this.ws, version, true)),
      messages: this.ws.messages.map((m) => ({ ...m })),
      notes: this.ws.notes.map((n) => ({ ...n })),
      tags: [...this.ws.tags.values()].map((t) => ({ type: 'tag', id: t.id, name: t.name })),
      tickets: [...this.ws.ticketing.tickets.values()].map((t) => renderTicket(this.ws, t)),
      data_attributes: this.ws.dataAttributes.map(renderDataAttribute),
      conversation_attributes: this.ws.conversationAttributes.map(renderConversationAttribute),
    }
  }

  requestCounts(): RequestCounts {
    return structuredClone(this.counts)
  }

  count(route: string, status: number): void {
    this.counts.total += 1
    const byStatus = (this.counts.byRoute[route] ??= {})
    byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1
    if (status === 429) this.counts.rateLimited += 1
    if (status === 401) this.counts.unauthorized += 1
  }

  setFaults(rules: FaultRule[]): void {
    this.faults.set(rules)
  }

  addFault(rule: FaultRule): void {
    this.faults.add(rule)
  }

  clearFaults(): void {
    this.faults.clear()
  }

  listFaults(): FaultState[] {
    return this.faults.list()
  }

  setSearchLag(ms: number): void {
    this.config.searchLagMs = ms
  }

  setRateLimit(perMinute: number): void {
    this.config.rateLimitPerMinute = perMinute
    this.appLimiter.setPerMinute(perMinute)
  }

  subscribe(url: string, topics: string[], verify = true): Promise<Subscription> {
    return this.webhooks.subscribe(url, topics, verify)
  }

  setWebhookChaos(chaos: Partial<WebhookChaos>): WebhookChaos {
    return this.webhooks.setChaos(chaos)
  }

  contractViolations(): ContractViolation[] {
    return this.violations.map((v) => ({ ...v }))
  }

  clearContractViolations(): void {
    this.violations = []
  }

  // "Outside" actions: what a human teammate does in the Intercom inbox, so tests see webhooks they did not cause.

  setPriority(conversationId: string, priority: Priority): Record<string, unknown> {
    const conv = requireConversation(this.ws, conversationId)
    conv.priority = priority
    conv.updatedAt = this.nowSec()
    const item = conversationEventItem(this, conv)
    this.webhooks.emit('conversation.priority.updated', item)
    return item
  }

  assign(conversationId: string, input: AssignInput): Record<string, unknown> {
    const conv = requireConversation(this.ws, conversationId)
    assignConversation(this.ws, conv, this.nowSec(), input)
    const item = conversationEventItem(this, conv)
    this.webhooks.emit('conversation.admin.assigned', item)
    return item
  }

  adminReply(
    conversationId: string,
    adminId: string,
    body: string,
    messageType: 'comment' | 'note' = 'comment',
  ): Record<string, unknown> {
    const conv = requireConversation(this.ws, conversationId)
    const admin = this.ws.admins.get(adminId)
    if (!admin) throw new ApiError(404, 'admin_not_found', 'Admin for admin_id not found')
    const now = this.nowSec()
    conv.parts.push({
      id: this.ws.nextId('part'),
      partType: messageType,
      body: htmlBody(body),
      createdAt: now,
      author: { type: 'admin', id: admin.id, name: admin.name, email: admin.email },
      assignedTo: null,
      state: conv.state,
      tags: [],
    })
    conv.updatedAt = now
    const item = conversationEventItem(this, conv)
    this.webhooks.emit(messageType === 'note' ? 'conversation.admin.noted' : 'conversation.admin.replied', item)
    return item
  }

  userReply(conversationId: string, body: string): Record<string, unknown> {
    const conv = requireConversation(this.ws, conversationId)
    const contact = this.ws.contacts.get(conv.contactIds[0] ?? '')
    if (!contact) throw new ApiError(404, 'not_found', 'User Not Found')
    const now = this.nowSec()
    conv.parts.push({
      id: this.ws.nextId('part'),
      partType: 'comment',
      body: htmlBody(body),
      createdAt: now,
      author: { type: contact.role, id: contact.id, name: contact.name, email: contact.email },
      assignedTo: null,
      state: 'open',
      tags: [],
    })
    conv.state = 'open'
    conv.waitingSince ??= now
    conv.updatedAt = now
    const item = conversationEventItem(this, conv)
    this.webhooks.emit('conversation.user.replied', item)
    return item
  }
}
