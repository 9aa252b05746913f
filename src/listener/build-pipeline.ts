import type { Runtime } from '../app/runtime.js'
import { IntercomContactResolver } from '../matching/resolver.js'
import { IntercomCallLogger } from '../sync/call-logger.js'
import { EscalationService } from '../sync/escalation.js'
import { InsightCardService } from '../sync/insight-card.js'
import { LoopGuard } from '../sync/loop-guard.js'
import { MissedCallService } from '../sync/missed-call.js'
import { EventPipeline } from '../sync/pipeline.js'
import { ResolveConversationService } from '../sync/resolve-conversation.js'
import { VipService } from '../sync/vip.js'
import { IntercomContext } from './intercom-context.js'

/**
 * Wires the live rules to the runtime's clients and store: the same resolver and call logger the backfill
 * uses, plus one service per enabled rule. The Aircall client is only required when a rule writes to Aircall.
 */
export const buildPipeline = (runtime: Runtime): { pipeline: EventPipeline; guard: LoopGuard } => {
  const { config, store, now } = runtime
  const intercom = runtime.intercom
  const adminId = runtime.adminId
  const guard = new LoopGuard({
    store,
    ownAdminId: adminId,
    ttlMs: config.listener.fingerprintTtlMinutes * 60_000,
    now,
  })
  const resolver = new IntercomContactResolver({ matching: config.matching, store, intercom, now })
  const logger = new IntercomCallLogger({
    store,
    intercom,
    resolver,
    adminId,
    config,
    noteTemplate: config.logging.templates.note,
  })
  const context = new IntercomContext(intercom)
  const base = { store, intercom, context, adminId }
  const pipeline = new EventPipeline({
    config,
    store,
    guard,
    logger,
    resolver,
    context,
    missedCall: config.missedCalls.enabled ? new MissedCallService({ ...base, config: config.missedCalls, now }) : null,
    vip: config.vip.enabled ? new VipService({ ...base, guard, config: config.vip }) : null,
    resolve: config.resolve.enabled ? new ResolveConversationService({ ...base, guard, config: config.resolve }) : null,
    escalation: config.escalation.enabled
      ? new EscalationService({
          store,
          aircall: runtime.aircall,
          context,
          ownAdminId: adminId,
          config: config.escalation,
          defaultCountry: config.matching.defaultCountry,
        })
      : null,
    insightCard: config.insightCards.enabled
      ? new InsightCardService({ store, aircall: runtime.aircall, context, config: config.insightCards })
      : null,
  })
  return { pipeline, guard }
}
