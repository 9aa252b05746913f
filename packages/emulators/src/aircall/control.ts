/**
 * Control API under /_emulator/ (no auth): the HTTP mirror of the in-process `AircallEmulator`
 * methods, so the CLI sandbox and e2e tests can drive the emulator from another process.
 */
import { type ServerResponse } from 'node:http'
import { parseFaultRules } from '../common/faults.js'
import { isRecord, readJsonBody, sendEmpty, sendJson } from '../common/http.js'
import type { RouteContext, Router } from '../common/router.js'
import type { CallInput, GenerateSpec } from './call-factory.js'
import type { AircallSettings } from './core.js'
import { INSIGHT_KINDS, type InsightKind } from './insights.js'
import type { InboundMessageSpec } from './messages.js'
import type { AircallSeed } from './model.js'
import type { AircallEmulator } from './server.js'

/** String knobs with a closed set of values: anything else is refused rather than silently breaking a route. */
const ENUM_SETTINGS: Partial<Record<keyof AircallSettings, readonly unknown[]>> = {
  aiPlan: ['ai-assist', 'none'],
  insightCardsAfterEnd: ['reject', 'accept'],
  authFailureStatus: [401, 403],
  lifecycleTimers: ['wall', 'clock'],
  messageTimestamps: ['iso', 'ms'],
}

const CONTROL_BODY_LIMIT = 256 * 1024 * 1024

function fail(res: ServerResponse, message: string): void {
  sendJson(res, 400, { error: 'Bad Request', message })
}

async function body(ctx: RouteContext): Promise<Record<string, unknown> | null> {
  const parsed = await readJsonBody(ctx.req, CONTROL_BODY_LIMIT)
  if (!parsed.ok || !isRecord(parsed.value)) {
    fail(ctx.res, parsed.ok ? 'body must be a JSON object' : `body is ${parsed.reason}`)
    return null
  }
  return parsed.value
}

export function installControlRoutes(router: Router, emu: AircallEmulator): void {
  router.get('/_emulator/health', (ctx) => sendJson(ctx.res, 200, { ok: true, now: emu.now() }))

  router.post('/_emulator/seed', async (ctx) => {
    const b = await body(ctx)
    if (!b) return
    const seed = (isRecord(b.aircall) ? b.aircall : b) as unknown as AircallSeed
    for (const key of ['users', 'teams', 'numbers', 'tags', 'contacts', 'calls'] as const) {
      if (!Array.isArray(seed[key])) return fail(ctx.res, `seed.${key} must be an array`)
    }
    emu.seed(seed)
    sendJson(ctx.res, 200, summary(emu))
  })

  router.post('/_emulator/calls', async (ctx) => {
    const b = await body(ctx)
    if (!b) return
    if (!Array.isArray(b.calls) || !b.calls.every((c) => isRecord(c) && Number.isInteger(c.startedAt))) {
      return fail(ctx.res, 'calls must be an array of objects with an integer startedAt')
    }
    sendJson(ctx.res, 201, { added: emu.addCalls(b.calls as CallInput[]), total: emu.state().calls })
  })

  router.post('/_emulator/calls/generate', async (ctx) => {
    const b = await body(ctx)
    if (!b) return
    if (![b.count, b.from, b.to].every((v) => Number.isInteger(v)))
      return fail(ctx.res, 'count, from and to are required integers')
    sendJson(ctx.res, 201, { added: emu.generateCalls(b as unknown as GenerateSpec), total: emu.state().calls })
  })

  router.get('/_emulator/calls/:id', (ctx) => {
    const call = emu.getCall(Number(ctx.params.id))
    if (!call) return sendJson(ctx.res, 404, { message: 'Not Found' })
    sendJson(ctx.res, 200, { call })
  })

  router.post('/_emulator/calls/:id/finalise', (ctx) => {
    const id = Number(ctx.params.id)
    if (!emu.finaliseCall(id)) return sendJson(ctx.res, 404, { message: 'Not Found' })
    sendJson(ctx.res, 200, { call: emu.getCall(id) })
  })

  router.post('/_emulator/lifecycle', async (ctx) => {
    const b = await body(ctx)
    if (!b) return
    const handle = emu.injectCall(b)
    sendJson(ctx.res, 201, { call_id: handle.callId })
  })

  router.post('/_emulator/calls/:id/insights', async (ctx) => {
    const b = await body(ctx)
    if (!b) return
    const kinds = b.kinds ?? INSIGHT_KINDS
    if (!Array.isArray(kinds) || !kinds.every((k) => (INSIGHT_KINDS as readonly unknown[]).includes(k)))
      return fail(ctx.res, `kinds must be a list of ${INSIGHT_KINDS.join(', ')}`)
    const emitted = emu.emitInsights(Number(ctx.params.id), kinds as InsightKind[])
    if (emitted === null) return sendJson(ctx.res, 404, { message: 'Not Found' })
    sendJson(ctx.res, 200, { emitted })
  })

  router.get('/_emulator/schedule', (ctx) => sendJson(ctx.res, 200, { scheduled: emu.state().scheduled }))
  router.post('/_emulator/run-due', (ctx) => sendJson(ctx.res, 200, { ran: emu.runDue(), now: emu.now() }))

  router.get('/_emulator/messages', (ctx) => sendJson(ctx.res, 200, { messages: emu.messages() }))
  router.post('/_emulator/messages', async (ctx) => {
    const b = await body(ctx)
    if (!b) return
    try {
      sendJson(ctx.res, 201, { message: emu.receiveMessage(b as unknown as InboundMessageSpec) })
    } catch (error) {
      fail(ctx.res, error instanceof Error ? error.message : String(error))
    }
  })

  router.patch('/_emulator/numbers/:id', async (ctx) => {
    const b = await body(ctx)
    if (!b) return
    const unknown = Object.keys(b).filter((k) => !['aiPlan', 'summaryTemplate', 'whatsapp'].includes(k))
    if (unknown.length > 0) return fail(ctx.res, `unknown number fields: ${unknown.join(', ')}`)
    if (b.aiPlan !== undefined && b.aiPlan !== null && b.aiPlan !== 'ai-assist' && b.aiPlan !== 'none')
      return fail(ctx.res, 'aiPlan must be "ai-assist", "none" or null (the company plan)')
    if (
      b.summaryTemplate !== undefined &&
      b.summaryTemplate !== null &&
      !(Array.isArray(b.summaryTemplate) && b.summaryTemplate.every((n) => typeof n === 'string'))
    )
      return fail(ctx.res, 'summaryTemplate must be a list of section names or null')
    if (b.whatsapp !== undefined && typeof b.whatsapp !== 'boolean') return fail(ctx.res, 'whatsapp must be a boolean')
    const line = emu.updateNumber(Number(ctx.params.id), b)
    if (!line) return sendJson(ctx.res, 404, { message: 'Not Found' })
    sendJson(ctx.res, 200, { number: line })
  })

  router.get('/_emulator/state', (ctx) => sendJson(ctx.res, 200, emu.state()))
  router.get('/_emulator/requests', (ctx) => sendJson(ctx.res, 200, emu.requestStats()))
  router.delete('/_emulator/requests', (ctx) => {
    emu.resetRequestStats()
    sendEmpty(ctx.res, 204)
  })

  router.get('/_emulator/webhooks', (ctx) => sendJson(ctx.res, 200, { webhooks: emu.webhooks() }))
  router.get('/_emulator/webhooks/deliveries', (ctx) => sendJson(ctx.res, 200, { deliveries: emu.webhookDeliveries() }))
  router.get('/_emulator/webhooks/failures', (ctx) => sendJson(ctx.res, 200, { failures: emu.webhookFailures() }))
  router.get('/_emulator/webhooks/skipped', (ctx) =>
    sendJson(ctx.res, 200, { skipped: emu.skippedWebhookDeliveries() }),
  )
  router.post('/_emulator/webhooks/idle', async (ctx) => {
    await emu.webhooksIdle()
    sendEmpty(ctx.res, 204)
  })
  router.put('/_emulator/webhook-chaos', async (ctx) => {
    const b = await body(ctx)
    if (!b) return
    sendJson(ctx.res, 200, { chaos: emu.setWebhookChaos(b) })
  })
  router.delete('/_emulator/webhook-chaos', (ctx) => {
    emu.clearWebhookChaos()
    sendEmpty(ctx.res, 204)
  })

  router.get('/_emulator/insight-cards', (ctx) => sendJson(ctx.res, 200, { insight_cards: emu.insightCards() }))

  router.get('/_emulator/faults', (ctx) => sendJson(ctx.res, 200, { faults: emu.faults() }))
  const setFaults = (replace: boolean) => async (ctx: RouteContext) => {
    const b = await body(ctx)
    if (!b) return
    const rules = parseFaultRules(b.rules ?? b)
    if (typeof rules === 'string') return fail(ctx.res, rules)
    if (replace) emu.setFaults(rules)
    else for (const r of rules) emu.addFault(r)
    sendJson(ctx.res, 200, { faults: emu.faults() })
  }
  router.put('/_emulator/faults', setFaults(true))
  router.post('/_emulator/faults', setFaults(false))
  router.delete('/_emulator/faults', (ctx) => {
    emu.clearFaults()
    sendEmpty(ctx.res, 204)
  })

  router.get('/_emulator/settings', (ctx) => sendJson(ctx.res, 200, { settings: emu.settings }))
  router.patch('/_emulator/settings', async (ctx) => {
    const b = await body(ctx)
    if (!b) return
    const unknown = Object.keys(b).filter((k) => !(k in emu.settings))
    if (unknown.length > 0) return fail(ctx.res, `unknown settings: ${unknown.join(', ')}`)
    for (const [k, v] of Object.entries(b)) {
      const current = emu.settings[k as keyof AircallSettings]
      // webhookToken is the only nullable knob.
      if (
        k === 'webhookToken'
          ? v !== null && typeof v !== 'string'
          : typeof current !== typeof v || Array.isArray(current) !== Array.isArray(v)
      )
        return fail(ctx.res, `${k} has the wrong type`)
      const allowed = ENUM_SETTINGS[k as keyof AircallSettings]
      if (allowed && !allowed.includes(v)) return fail(ctx.res, `${k} must be one of ${allowed.join(', ')}`)
    }
    sendJson(ctx.res, 200, { settings: emu.updateSettings(b) })
  })

  router.post('/_emulator/clock', async (ctx) => {
    const b = await body(ctx)
    if (!b) return
    if (typeof b.advanceMs !== 'number') return fail(ctx.res, 'advanceMs must be a number')
    sendJson(ctx.res, 200, { now: emu.advanceClock(b.advanceMs) })
  })

  router.post('/_emulator/reset', async (ctx) => {
    const b = await body(ctx)
    if (!b) return
    emu.reset({ empty: b.empty === true })
    sendJson(ctx.res, 200, summary(emu))
  })
}

function summary(emu: AircallEmulator): Record<string, unknown> {
  const s = emu.state()
  return { calls: s.calls, contacts: s.contacts, users: s.users, teams: s.teams, numbers: s.numbers, tags: s.tags }
}
