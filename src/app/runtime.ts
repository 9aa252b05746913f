import { AircallClient, type AircallWarning } from '../aircall/client.js'
import { intercomBaseUrl, stateLocationOf, type LoadedConfig } from '../config/loader.js'
import type { AppConfig } from '../config/schema.js'
import { UserError } from '../errors.js'
import type { Transport } from '../http/transport.js'
import { type HttpEvent, realSleep } from '../http/types.js'
import { IntercomClient } from '../intercom/client.js'
import { IntercomContext } from '../pipeline/intercom-context.js'
import { IntercomContactResolver } from '../matching/resolver.js'
import type { ClaimContext } from '../store/claim-step.js'
import { DeferredStore } from '../store/deferred-store.js'
import { postgresSnapshot } from '../store/transfer.js'
import { openStore, type StateLocation } from '../store/location.js'
import { asyncSqliteStore, openStateStore, openStoreSnapshot } from '../store/sqlite/index.js'
import type { SessionLocks } from '../store/async-store.js'
import type { SharedBudgets } from '../store/shared-budgets.js'
import {
  budgetKey,
  SharedRateGate,
  type SharedBudget,
  type SharedGateStats,
  type SharedRateGateOptions,
} from '../http/shared-rate-gate.js'
import { AircallRateGate } from '../aircall/rate-gate.js'
import { IntercomRateGate } from '../intercom/rate-gate.js'
import type { StateStore } from '../store/state-store.js'
import { newStepOwner } from '../store/step-owner.js'
import { DEFAULT_LEASE_MS, IntercomCallLogger } from '../pipeline/call-logger.js'
import { ConversationDiscovery } from '../pipeline/conversation-discovery.js'
import { DataAttributeEnsurer } from '../pipeline/data-attributes.js'
import { EscalationService } from '../pipeline/escalation.js'
import { InsightCardService } from '../pipeline/insight-card.js'
import type { RateBudget, RateGate } from '../http/rate-gate.js'
import { CallInsightService } from '../pipeline/call-insights.js'
import { type InsightFigures, withCallInsights } from '../pipeline/insight-backfill.js'
import type { CallLogger } from '../pipeline/types.js'
import { LoopGuard } from '../pipeline/loop-guard.js'
import { MessageThreadService } from '../pipeline/message-threads.js'
import { MissedCallService } from '../pipeline/missed-call.js'
import { EventPipeline } from '../pipeline/pipeline.js'
import { ResolveConversationService } from '../pipeline/resolve-conversation.js'
import { TagAttributeLogger } from '../pipeline/tag-attribute-logger.js'
import { TagAttributeWriter } from '../pipeline/tag-attributes.js'
import { VipService } from '../pipeline/vip.js'
import { VoicemailNoteService } from '../pipeline/voicemail-note.js'
import { CallTicketService } from '../pipeline/call-tickets.js'
import { normaliseAircallCall } from '../domain/call-record.js'

export interface RuntimeDeps {
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  fetch?: (input: string, init: RequestInit) => Promise<Response>
  /** Both clients' transport instead of the process's shared default (the overhead bench compares transports). */
  transport?: Transport
  onHttpEvent?: (event: HttpEvent) => void
  onAircallWarning?: (warning: AircallWarning) => void
  /** The shared budget's database could not be reached: that API's requests go on under this process's gate. */
  onSharedBudgetFailure?: (api: 'aircall' | 'intercom', error: unknown) => void
}

/**
 * The composition root: everything a service needs, built once per command from the loaded configuration —
 * the clients (one shared rate gate each, so concurrent work in this process stays within the limits), the state
 * store, the claim owner of this process, the resolver, the call logger with its parsed templates, and the one
 * pipeline (rules included) every command runs calls and events through. Nothing else constructs them.
 */
export class Runtime {
  private storeInstance: StateStore | null = null
  private readerInstance: StateStore | null = null
  private aircallInstance: AircallClient | null = null
  private intercomInstance: IntercomClient | null = null
  private resolverInstance: IntercomContactResolver | null = null
  private loggerInstance: IntercomCallLogger | null = null
  private pipelineInstance: { pipeline: EventPipeline; guard: LoopGuard } | null = null
  private snapshot = false
  /** Each API's gate as the clients hold it → the gate it chose, once chosen (see apiGate). */
  private readonly chosenGates = new Map<RateGate, () => RateGate | null>()
  readonly now: () => number
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  /** Owner of every ledger claim this process takes. */
  readonly owner = newStepOwner()

  constructor(
    readonly loaded: LoadedConfig,
    readonly deps: RuntimeDeps = {},
  ) {
    this.now = deps.now ?? Date.now
    this.sleep = deps.sleep ?? realSleep
  }

  get claims(): ClaimContext {
    return { ledger: this.store.ledger, owner: this.owner, leaseMs: DEFAULT_LEASE_MS, now: this.now, sleep: this.sleep }
  }

  /** One resolver per process, so every path shares its in-flight lookups and creates. */
  get resolver(): IntercomContactResolver {
    this.resolverInstance ??= new IntercomContactResolver({
      matching: this.config.matching,
      store: this.store,
      intercom: this.intercom,
      now: this.now,
      claims: this.claims,
    })
    return this.resolverInstance
  }

  /** The call logger; its note template is the Liquid source the loader read (inline or from a file). */
  get callLogger(): IntercomCallLogger {
    this.loggerInstance ??= new IntercomCallLogger({
      store: this.store,
      intercom: this.intercom,
      resolver: this.resolver,
      adminId: this.adminId,
      config: this.config,
      noteTemplate: this.config.logging.templates.note,
      claims: this.claims,
    })
    return this.loggerInstance
  }

  /** A fresh pre-pass for one run over a time range (it remembers the days it has read). */
  conversationDiscovery(): ConversationDiscovery {
    return new ConversationDiscovery({
      store: this.store,
      intercom: this.intercom,
      callIdAttribute: this.config.logging.callIdAttribute,
    })
  }

  /** Applies only the tag → attribute mapping (`tags sync` and the replay of its dead letters). */
  tagAttributeLogger(ensurer = new DataAttributeEnsurer(this.intercom)): TagAttributeLogger {
    const writer = new TagAttributeWriter({
      store: this.store,
      intercom: this.intercom,
      ensurer,
      mapping: this.config.tags.map,
    })
    return new TagAttributeLogger(this.store, this.resolver, writer)
  }

  /**
   * The one pipeline: webhooks (live), typed dead-letter jobs (replayed with their origin) and, through the call
   * logger, history runs. A rule's service exists only when the rule is enabled; the Aircall client only when a
   * rule writes to Aircall.
   */
  get pipeline(): { pipeline: EventPipeline; guard: LoopGuard } {
    if (this.pipelineInstance) return this.pipelineInstance
    const { config, store, now } = this
    const intercom = this.intercom
    const adminId = this.adminId
    const guard = new LoopGuard({
      store,
      ownAdminId: adminId,
      ttlMs: config.listener.fingerprintTtlMinutes * 60_000,
      now,
    })
    const context = new IntercomContext(intercom)
    const base = { store, intercom, context, adminId }
    const pipeline = new EventPipeline({
      config,
      now,
      store,
      guard,
      logger: this.callLogger,
      tagAttributes: config.tags.map.length > 0 ? this.tagAttributeLogger() : null,
      resolver: this.resolver,
      context,
      missedCall: config.missedCalls.enabled
        ? new MissedCallService({ ...base, config: config.missedCalls, now })
        : null,
      vip: config.vip.enabled ? new VipService({ ...base, guard, config: config.vip }) : null,
      resolve: config.resolve.enabled
        ? new ResolveConversationService({ ...base, guard, config: config.resolve })
        : null,
      escalation: config.escalation.enabled
        ? new EscalationService({
            store,
            aircall: this.aircall,
            context,
            ownAdminId: adminId,
            config: config.escalation,
            defaultCountry: config.matching.defaultCountry,
          })
        : null,
      insightCard: config.insightCards.enabled
        ? new InsightCardService({ store, aircall: this.aircall, context, config: config.insightCards })
        : null,
      insights: config.insights.enabled
        ? new CallInsightService({
            ...base,
            config: config.insights,
            voicemailTranscripts: config.voicemail.enabled && config.voicemail.transcript,
          })
        : null,
      messages: config.messages.enabled
        ? new MessageThreadService({ store, intercom, resolver: this.resolver, adminId, config, claims: this.claims })
        : null,
      contactIndex: config.listener.followContacts
        ? { store, intercom: this.intercom, matching: config.matching, now }
        : null,
      voicemail: config.voicemail.enabled ? new VoicemailNoteService({ ...base, config: config.voicemail }) : null,
      tickets:
        config.tickets.typeId !== undefined
          ? new CallTicketService({ store, intercom, adminId, config: config.tickets })
          : null,
      loadCall: async (callId, signal) =>
        normaliseAircallCall(await this.aircall.calls.get(Number(callId), { signal })),
    })
    this.pipelineInstance = { pipeline, guard }
    return this.pipelineInstance
  }

  /**
   * A history run's logger that also notes each logged call's AI summary and transcript (`--with-ai`), counting
   * into `figures`.
   */
  withInsights(logger: CallLogger, figures: InsightFigures): CallLogger {
    const { config, store } = this
    const intercom = this.intercom
    const insights = new CallInsightService({
      store,
      intercom,
      context: new IntercomContext(intercom),
      adminId: this.adminId,
      config: config.insights,
      voicemailTranscripts: config.voicemail.enabled && config.voicemail.transcript,
    })
    return withCallInsights(logger, { aircall: this.aircall, insights, kinds: config.insights.kinds }, figures)
  }

  get config(): AppConfig {
    return this.loaded.config
  }

  /** Where the state lives: an SQLite file, or a PostgreSQL database. */
  get stateLocation(): StateLocation {
    return stateLocationOf(this.loaded)
  }

  /**
   * From here on, the store is an in-memory copy of the state: a dry run decides exactly as a real run would
   * (ledger, checkpoints, contact index, what it learns on the way) and leaves the file or the database as it was.
   */
  useStoreSnapshot(): void {
    if (this.storeInstance) throw new Error('useStoreSnapshot() must come before the store is first used')
    this.snapshot = true
    const location = this.stateLocation
    const options = { now: this.now, owner: this.owner }
    this.storeInstance =
      location.kind === 'sqlite'
        ? asyncSqliteStore(openStoreSnapshot(location.path, options))
        : new DeferredStore(location.display, () => postgresSnapshot(location, options))
  }

  /** The store opened read-only, for commands that only read it (`events list/show`): nothing is changed. */
  get readonlyStore(): StateStore {
    if (this.readerInstance) return this.readerInstance
    const location = this.stateLocation
    this.readerInstance =
      this.storeInstance ??
      (location.kind === 'sqlite' ? asyncSqliteStore(openStateStore(location.path, { readonly: true })) : this.store)
    return this.readerInstance
  }

  /**
   * The state store. An SQLite file opens here (its problems are thrown at once); a PostgreSQL store connects and
   * migrates on its first call, which then fails with the connection's problem.
   */
  get store(): StateStore {
    if (this.storeInstance) return this.storeInstance
    const location = this.stateLocation
    const options = { now: this.now, owner: this.owner }
    this.storeInstance =
      location.kind === 'sqlite'
        ? asyncSqliteStore(openStateStore(location.path, options))
        : new DeferredStore(location.display, () => openStore(location, options))
    return this.storeInstance
  }

  /**
   * The gate of an API: this process's own, or the PostgreSQL store's shared budget over it. Chosen at the first
   * request, not when the client is built: a dry run decides on its in-memory snapshot after building clients, and
   * it neither writes to the database nor draws on the budget the real runs share.
   */
  private apiGate(
    api: 'aircall' | 'intercom',
    local: RateGate,
    credential: string,
    shape: Pick<SharedRateGateOptions, 'sliding' | 'windowMs' | 'rateHeaders'> = {},
  ): RateGate {
    let chosen: RateGate | null = null
    const gate = (): RateGate => {
      if (chosen) return chosen
      if (this.stateLocation.kind !== 'postgres' || this.snapshot) return (chosen = local)
      const store = this.store
      const budgets = async (): Promise<SharedBudgets> => {
        const opened = store instanceof DeferredStore ? await store.opened() : store
        if (!opened.sharedBudgets) throw new Error(`the store ${store.path} keeps no shared budgets`)
        return opened.sharedBudgets
      }
      const budget: SharedBudget = {
        take: async (key, request) => (await budgets()).take(key, request),
        pause: async (key, pause) => (await budgets()).pause(key, pause),
      }
      return (chosen = new SharedRateGate({
        ...shape,
        local,
        budget,
        key: budgetKey(api, credential),
        clock: { now: this.now },
        sleep: this.deps.sleep,
        onFailure: (error) => this.deps.onSharedBudgetFailure?.(api, error),
      }))
    }
    const facade: RateGate = {
      acquire: (signal) => gate().acquire(signal),
      observe: (status, headers, admission) => gate().observe(status, headers, admission),
      stats: () => (chosen ?? local).stats(),
      budget: () => (chosen ?? local).budget(),
    }
    this.chosenGates.set(facade, () => chosen)
    return facade
  }

  /** The store's session locks once it is open: PostgreSQL has them, an SQLite file not. */
  async sessionLocks(): Promise<SessionLocks | undefined> {
    const store = this.store
    return (store instanceof DeferredStore ? await store.opened() : store).sessionLocks
  }

  get aircall(): AircallClient {
    if (!this.aircallInstance) {
      const { aircall } = this.config
      if (!aircall.apiId || !aircall.apiToken) {
        throw new UserError(
          'Aircall credentials are not set',
          'export AIRCALL_API_ID and AIRCALL_API_TOKEN (Aircall dashboard › Integrations › API keys), or run `aircall-intercom sandbox` and use the env lines it prints',
        )
      }
      const local = new AircallRateGate({
        perMinute: aircall.rateLimitPerMinute,
        concurrency: aircall.concurrency,
        clock: { now: this.now },
        sleep: this.deps.sleep,
      })
      // Aircall counts a sliding minute (and a little more than it reports): a shared fixed window would let twice
      // the limit through across its boundary.
      const gate = this.apiGate('aircall', local, aircall.apiId, {
        sliding: true,
        windowMs: AircallRateGate.WINDOW_MS,
        rateHeaders: null,
      })
      this.aircallInstance = new AircallClient({
        gate,
        credentials: { apiId: aircall.apiId, apiToken: aircall.apiToken },
        baseUrl: aircall.apiUrl.replace(/\/+$/, ''),
        timeoutMs: aircall.timeoutMs,
        retentionDays: aircall.retentionDays,
        fetch: this.deps.fetch,
        transport: this.deps.transport,
        clock: { now: this.now },
        sleep: this.deps.sleep,
        onEvent: this.deps.onHttpEvent,
        onWarning: this.deps.onAircallWarning,
      })
    }
    return this.aircallInstance
  }

  get intercom(): IntercomClient {
    if (!this.intercomInstance) {
      const { intercom } = this.config
      if (!intercom.accessToken) {
        throw new UserError(
          'the Intercom access token is not set',
          'export INTERCOM_ACCESS_TOKEN (Developer Hub › your app › Authentication), or run `aircall-intercom sandbox` and use the env lines it prints',
        )
      }
      const local = new IntercomRateGate({
        perMinute: intercom.rateLimitPerMinute,
        concurrency: intercom.concurrency,
        clock: { now: this.now },
        sleep: this.deps.sleep,
      })
      const gate = this.apiGate('intercom', local, intercom.accessToken)
      this.intercomInstance = new IntercomClient({
        gate,
        accessToken: intercom.accessToken,
        baseUrl: intercomBaseUrl(this.config),
        version: intercom.apiVersion,
        timeoutMs: intercom.timeoutMs,
        fetch: this.deps.fetch,
        transport: this.deps.transport,
        clock: { now: this.now },
        sleep: this.deps.sleep,
        onEvent: this.deps.onHttpEvent,
      })
    }
    return this.intercomInstance
  }

  /** The admin our notes, replies and assignments are written as; required for every conversation write. */
  get adminId(): string {
    const adminId = this.config.intercom.adminId
    if (!adminId) {
      throw new UserError(
        'the Intercom admin id is not set',
        'export INTERCOM_ADMIN_ID or set intercom.adminId (run `aircall-intercom doctor` to list admins)',
      )
    }
    return adminId
  }

  /** Requests made so far per API, for summaries. */
  requestStats(): {
    aircall: ReturnType<AircallClient['gate']['stats']> | null
    intercom: ReturnType<IntercomClient['gate']['stats']> | null
  } {
    return {
      aircall: this.aircallInstance ? this.aircallInstance.gate.stats() : null,
      intercom: this.intercomInstance ? this.intercomInstance.gate.stats() : null,
    }
  }

  /** What each API's shared budget did; null for an API not used yet or on its own gate (SQLite, a dry run). */
  sharedBudgetStats(): { aircall: SharedGateStats | null; intercom: SharedGateStats | null } {
    const of = (client: AircallClient | IntercomClient | null): SharedGateStats | null => {
      const gate = client ? this.chosenGates.get(client.gate)?.() : null
      return gate instanceof SharedRateGate ? gate.sharedStats() : null
    }
    return { aircall: of(this.aircallInstance), intercom: of(this.intercomInstance) }
  }

  /** Each API's budget as its rate gate knows it (headers last seen, its own window); null before first use. */
  rateBudgets(): { aircall: RateBudget | null; intercom: RateBudget | null } {
    return {
      aircall: this.aircallInstance ? this.aircallInstance.gate.budget() : null,
      intercom: this.intercomInstance ? this.intercomInstance.gate.budget() : null,
    }
  }

  async close(): Promise<void> {
    // A 429's pause is written to the shared budget in the background: it lands before the store closes.
    for (const chosen of this.chosenGates.values()) {
      const gate = chosen()
      if (gate instanceof SharedRateGate) await gate.settled()
    }
    const reader = this.readerInstance
    const store = this.storeInstance
    this.readerInstance = null
    this.storeInstance = null
    if (reader !== store) await reader?.close()
    await store?.close()
  }
}
