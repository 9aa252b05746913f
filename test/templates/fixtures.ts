import type { CallTemplateContext } from '../../src/templates/index.js'

// 2026-11-24T13:05:00Z, a Tuesday.
export const NOV_24_2026_1305_UTC = 1795525500

export function callContext(overrides: Partial<CallTemplateContext> = {}): CallTemplateContext {
  return {
    callId: 4186780376,
    direction: 'inbound',
    type: 'answered',
    startedAt: NOV_24_2026_1305_UTC,
    durationSeconds: 245,
    timeZone: 'Europe/Paris',
    line: { name: 'Support FR', digits: '+33 1 76 11 11 11' },
    agent: { name: 'Ana Agent', email: 'ana@example.com' },
    caller: { name: 'Jo Bloggs', phone: '+16176105413' },
    missedReason: null,
    assetUrl: 'https://assets.aircall.io/calls/4186780376/recording',
    tags: ['VIP', 'Billing'],
    comments: ['Wants a refund'],
    contact: { name: 'Joanna Bloggs', email: 'jo@example.com' },
    ...overrides,
  }
}
