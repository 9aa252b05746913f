import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { AircallClient } from '../aircall/client.js'
import { AIRCALL_RATE_HEADER_SETS } from '../aircall/rate-gate.js'
import { type BackfillResult, backfill } from './backfill-service.js'
import type { BackfillEvent } from '../pipeline/backfill-engine.js'
import type { LoadedConfig } from '../config/loader.js'
import { configSchema } from '../config/schema.js'
import { startSandbox } from '@aircall-intercom/emulators'
import { ConcurrencyGate } from '../http/rate-gate.js'
import { auditUnmatchedCallers } from './matching-service.js'
import { readStatus, type StatusResult } from './status-service.js'
import { Runtime, type RuntimeDeps } from './runtime.js'

/**
 * A Runtime whose Aircall client has no per-minute budget: the emulators run with rate limiting off, and the
 * 120/min real-account ceiling would turn a one-minute demo into several. Only for emulators.
 */
export class EmulatorRuntime extends Runtime {
  private unthrottled: AircallClient | null = null

  override get aircall(): AircallClient {
    const { aircall } = this.config
    this.unthrottled ??= new AircallClient({
      credentials: { apiId: aircall.apiId ?? '', apiToken: aircall.apiToken ?? '' },
      baseUrl: aircall.apiUrl.replace(/\/+$/, ''),
      gate: new ConcurrencyGate({ concurrency: aircall.concurrency, rateHeaders: AIRCALL_RATE_HEADER_SETS }),
      retentionDays: aircall.retentionDays,
      clock: { now: this.now },
      onEvent: this.deps.onHttpEvent,
    })
    return this.unthrottled
  }

  override requestStats(): ReturnType<Runtime['requestStats']> {
    return { ...super.requestStats(), aircall: this.unthrottled ? this.unthrottled.gate.stats() : null }
  }
}

export interface DemoOptions {
  calls?: number
  days?: number
  seed?: number
  concurrency?: number
  onEvent?: (event: BackfillEvent) => void
  deps?: RuntimeDeps
}

export interface DemoResult {
  emulators: { aircall: string; intercom: string }
  world: {
    calls: number
    days: number
    knownCallers: number
    unknownCallers: number
    anonymousCalls: number
    invalidCalls: number
  }
  backfill: BackfillResult
  /** Conversations the Intercom emulator holds after the backfill. */
  conversationsInIntercom: number
  audit: { source: 'audit'; callers: number; unmatchedCallers: number; byReason: Record<string, number> }
  status: Pick<StatusResult, 'counts' | 'checkpoints'>
  elapsedMs: number
}

/** Tag → attribute mappings the demo shows off, on the seeded world's Aircall tags. */
const DEMO_TAG_MAP = [
  { tag: 'VIP', attribute: 'aircall_vip', type: 'boolean' },
  { tag: 'billing', attribute: 'aircall_last_topic', type: 'string', value: 'billing' },
  { tag: 'callback', attribute: 'aircall_callback_requested_at', type: 'date' },
] as const

/**
 * `demo`: both emulators in-process with a seeded company, a full backfill into a temporary state file, an
 * unmatched-caller audit and a status, then everything is torn down. Nothing outside the temp dir is touched.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const now = options.deps?.now ?? Date.now
  const started = now()
  const days = options.days ?? 90
  // Not a literal on purpose: `contract` is an emulator setting the sandbox passes through but does not declare.
  // Response validation against the OpenAPI description halves throughput and proves nothing in a demo.
  const intercomOptions = { rateLimitPerMinute: 0, contract: 'off' as const, formattedPhoneDefaultCountry: 'FR' }
  const sandbox = await startSandbox({
    calls: options.calls ?? 2000,
    days,
    seed: options.seed ?? 1,
    now,
    aircall: { rateLimitPerMinute: 0 },
    intercom: intercomOptions,
  })
  const dir = mkdtempSync(join(tmpdir(), 'aircall-intercom-demo-'))
  const config = configSchema.parse({
    aircall: { apiUrl: sandbox.aircall.url, apiId: sandbox.aircall.apiId, apiToken: sandbox.aircall.apiToken },
    intercom: {
      apiUrl: sandbox.intercom.url,
      accessToken: sandbox.intercom.accessToken,
      adminId: sandbox.intercom.adminId,
      rateLimitPerMinute: 100_000,
      concurrency: 16,
    },
    // The seeded company is French: its Intercom contacts are typed in national format ("06 12 34 56 78").
    matching: { defaultCountry: 'FR' },
    tags: { map: DEMO_TAG_MAP },
  })
  const loaded: LoadedConfig = {
    config,
    file: null,
    expectedFile: join(dir, 'aircall-intercom.yml'),
    statePath: join(dir, 'state.sqlite'),
    secrets: [sandbox.aircall.apiToken, sandbox.intercom.accessToken],
    sources: {},
  }
  const runtime = new EmulatorRuntime(loaded, options.deps)
  const since = new Date(started - (days + 1) * 86_400_000).toISOString()
  try {
    const result = await backfill(runtime, {
      since,
      dryRun: false,
      concurrency: options.concurrency ?? 8,
      restart: false,
      onEvent: options.onEvent,
    })
    const audit = await auditUnmatchedCallers(runtime, { since, create: false })
    await runtime.close()
    const status = await readStatus(loaded)
    const conversations = (sandbox.intercomEmulator.state().conversations as unknown[] | undefined)?.length ?? 0
    const { truth } = sandbox.world
    return {
      emulators: { aircall: sandbox.aircall.url, intercom: sandbox.intercom.url },
      world: {
        calls: sandbox.world.aircall.calls.length,
        days,
        knownCallers: truth.knownCallers.length,
        unknownCallers: truth.unknownCallers.length,
        anonymousCalls: truth.anonymousCallIds.length,
        invalidCalls: truth.invalidCallIds.length,
      },
      backfill: result,
      conversationsInIntercom: conversations,
      audit: {
        source: 'audit',
        callers: audit.callers,
        unmatchedCallers: audit.unmatched.length,
        byReason: audit.byReason,
      },
      status: { counts: status.counts, checkpoints: status.checkpoints.slice(-3) },
      elapsedMs: now() - started,
    }
  } finally {
    await runtime.close()
    await sandbox.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
