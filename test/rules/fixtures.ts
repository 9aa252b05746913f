import { configSchema, type AppConfig, type ConfigInput } from '../../src/config/schema.js'
import type { CallRecord } from '../../src/domain/call-record.js'

/** 2026-03-02 (a Monday) 10:00 in Paris, 09:00 UTC. */
export const MONDAY_10_PARIS = Date.UTC(2026, 2, 2, 9, 0, 0) / 1000

export function makeCall(overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    callId: '1001',
    direction: 'inbound',
    status: 'done',
    kind: 'missed',
    startedAt: MONDAY_10_PARIS,
    answeredAt: null,
    endedAt: MONDAY_10_PARIS + 30,
    durationSeconds: 30,
    missedReason: 'agents_did_not_answer',
    rawDigits: '+33 6 12 34 56 78',
    line: { id: '55', name: 'Support FR', digits: '+33 1 76 11 11 11', country: 'FR', timeZone: 'Europe/Paris' },
    agent: null,
    teams: ['Support'],
    tags: [],
    comments: [],
    assetUrl: null,
    contact: null,
    archived: false,
    cost: null,
    ...overrides,
  }
}

export function makeConfig(input: ConfigInput = {}): AppConfig {
  return configSchema.parse(input)
}
