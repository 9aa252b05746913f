/** `startIntercomEmulator`: a strict local Intercom REST API + webhook emitter, with a control API under /_emulator/. */
import { createServer } from 'node:http'
import { sendJson } from '../common/http.js'
import { closeServer, listen } from '../common/listen.js'
import type { FaultRule } from '../types.js'
import { buildApiRouter, handleApi } from './api.js'
import type { IntercomEmulatorConfig } from './context.js'
import type { ContractViolation } from './contract.js'
import { buildControlRouter, handleControl } from './control.js'
import type { AssignInput } from './conversations.js'
import { IntercomCore, type RequestCounts } from './core.js'
import type { FaultState } from '../common/faults.js'
import type { IntercomSeedExtended } from './seed.js'
import type { Priority } from './state.js'
import type { Subscription, WebhookChaos, WebhookEmitter } from './webhooks.js'

export interface IntercomEmulator {
  readonly url: string
  close(): Promise<void>
  seed(seed: IntercomSeedExtended): void
  reset(): void
  state(): Record<string, unknown>
  requestCounts(): RequestCounts
  webhooks(): ReturnType<WebhookEmitter['list']>
  /** Resolves when no webhook delivery is pending (including scheduled retries). */
  webhooksIdle(): Promise<void>
  subscribe(url: string, topics: string[], options?: { verify?: boolean }): Promise<Subscription>
  unsubscribe(id: string): boolean
  ping(subscriptionId?: string): number
  setWebhookChaos(chaos: Partial<WebhookChaos>): WebhookChaos
  setFaults(rules: FaultRule[]): void
  addFault(rule: FaultRule): void
  clearFaults(): void
  faults(): FaultState[]
  setSearchLag(ms: number): void
  setRateLimit(perMinute: number): void
  contractViolations(): ContractViolation[]
  clearContractViolations(): void
  setPriority(conversationId: string, priority: Priority): Record<string, unknown>
  assign(conversationId: string, input: AssignInput): Record<string, unknown>
  adminReply(
    conversationId: string,
    adminId: string,
    body: string,
    messageType?: 'comment' | 'note',
  ): Record<string, unknown>
  userReply(conversationId: string, body: string): Record<string, unknown>
}

export async function startIntercomEmulator(options: IntercomEmulatorConfig): Promise<IntercomEmulator> {
  const core = new IntercomCore(options)
  const api = buildApiRouter()
  const control = buildControlRouter()
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const work = path.startsWith('/_emulator/')
      ? handleControl(core, control, req, res)
      : handleApi(core, api, req, res)
    work.catch((e: unknown) => {
      sendJson(res, 500, {
        type: 'error.list',
        request_id: null,
        errors: [{ code: 'server_error', message: e instanceof Error ? e.message : String(e) }],
      })
    })
  })
  const url = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0)
  return {
    url,
    close: async () => {
      core.webhooks.close()
      await closeServer(server)
    },
    seed: (seed) => core.seed(seed),
    reset: () => core.reset(),
    state: () => core.state(),
    requestCounts: () => core.requestCounts(),
    webhooks: () => core.webhooks.list(),
    webhooksIdle: () => core.webhooks.idle(),
    subscribe: (url, topics, opts) => core.subscribe(url, topics, opts?.verify ?? true),
    unsubscribe: (id) => core.webhooks.unsubscribe(id),
    ping: (id) => core.webhooks.ping(id),
    setWebhookChaos: (chaos) => core.setWebhookChaos(chaos),
    setFaults: (rules) => core.setFaults(rules),
    addFault: (rule) => core.addFault(rule),
    clearFaults: () => core.clearFaults(),
    faults: () => core.listFaults(),
    setSearchLag: (ms) => core.setSearchLag(ms),
    setRateLimit: (perMinute) => core.setRateLimit(perMinute),
    contractViolations: () => core.contractViolations(),
    clearContractViolations: () => core.clearContractViolations(),
    setPriority: (id, priority) => core.setPriority(id, priority),
    assign: (id, input) => core.assign(id, input),
    adminReply: (id, adminId, body, type) => core.adminReply(id, adminId, body, type),
    userReply: (id, body) => core.userReply(id, body),
  }
}
