import { describe, expect, it } from 'vitest'

import { decideVip } from '../../src/rules/vip.js'
import { makeCall, makeConfig } from './fixtures.js'

const config = makeConfig({
  vip: {
    enabled: true,
    rules: [
      { name: 'tagged', tags: ['VIP', 'Key account'] },
      { name: 'long-call', minDurationSeconds: 600, note: false },
      { name: 'gold-plan', attribute: { name: 'plan', in: ['gold', 'platinum'] }, assign: false },
      { name: 'empty' },
    ],
    routes: [
      { name: 'line-99', lines: ['99'], assignTo: { type: 'team', id: 't99' } },
      { name: 'germany', countries: ['DE', 'AT'], assignTo: { type: 'team', id: 'dach' } },
      { name: 'enterprise', tags: ['enterprise'], assignTo: { type: 'admin', id: 7 } },
      { name: 'tier-1', attribute: { name: 'tier', in: [1] }, assignTo: { type: 'admin', id: '8' } },
    ],
    defaultRoute: { type: 'team', id: 'vip-desk' },
  },
}).vip

describe('decideVip', () => {
  it('is off when disabled', () => {
    expect(decideVip({ call: makeCall({ tags: ['VIP'] }), contactAttributes: {}, config: makeConfig().vip })).toEqual({
      vip: false,
    })
  })

  it.each([
    ['no rule matches', makeCall({ durationSeconds: 30 }), {}, { vip: false }],
    ['a rule without conditions never matches', makeCall(), {}, { vip: false }],
    [
      'any listed tag, default route',
      makeCall({ tags: ['key ACCOUNT'] }),
      {},
      { vip: true, rule: 'tagged', note: true, route: { type: 'team', id: 'vip-desk' }, routeName: 'default' },
    ],
    [
      'min duration, inclusive',
      makeCall({ durationSeconds: 600 }),
      {},
      { vip: true, rule: 'long-call', note: false, route: { type: 'team', id: 'vip-desk' }, routeName: 'default' },
    ],
    [
      'attribute in list, assign off',
      makeCall(),
      { plan: 'Gold' },
      { vip: true, rule: 'gold-plan', note: true, route: null, routeName: null },
    ],
    [
      'route by line',
      makeCall({ tags: ['VIP'], line: { ...makeCall().line, id: '99' } }),
      {},
      { vip: true, rule: 'tagged', note: true, route: { type: 'team', id: 't99' }, routeName: 'line-99' },
    ],
    [
      'route by caller country from the number',
      makeCall({ tags: ['VIP'], rawDigits: '+49 30 901820' }),
      {},
      { vip: true, rule: 'tagged', note: true, route: { type: 'team', id: 'dach' }, routeName: 'germany' },
    ],
    [
      'route by line country when the number is national',
      makeCall({ tags: ['VIP'], rawDigits: '030 901820', line: { ...makeCall().line, country: 'DE' } }),
      {},
      { vip: true, rule: 'tagged', note: true, route: { type: 'team', id: 'dach' }, routeName: 'germany' },
    ],
    [
      'route by line country for an anonymous caller',
      makeCall({ tags: ['VIP'], rawDigits: 'anonymous', line: { ...makeCall().line, country: 'AT' } }),
      {},
      { vip: true, rule: 'tagged', note: true, route: { type: 'team', id: 'dach' }, routeName: 'germany' },
    ],
    [
      'route by tag',
      makeCall({ tags: ['VIP', 'Enterprise'] }),
      {},
      { vip: true, rule: 'tagged', note: true, route: { type: 'admin', id: '7' }, routeName: 'enterprise' },
    ],
    [
      'route by attribute',
      makeCall({ tags: ['VIP'] }),
      { tier: '1' },
      { vip: true, rule: 'tagged', note: true, route: { type: 'admin', id: '8' }, routeName: 'tier-1' },
    ],
  ])('%s', (_name, call, contactAttributes, decision) => {
    expect(decideVip({ call, contactAttributes, config })).toEqual(decision)
  })

  it('has no route when nothing matches and there is no default', () => {
    const noDefault = { ...config, defaultRoute: undefined }
    expect(decideVip({ call: makeCall({ tags: ['VIP'] }), contactAttributes: {}, config: noDefault })).toEqual({
      vip: true,
      rule: 'tagged',
      note: true,
      route: null,
      routeName: null,
    })
  })

  it('needs every condition of a rule', () => {
    const both = makeConfig({
      vip: { enabled: true, rules: [{ name: 'long-vip', tags: ['VIP'], minDurationSeconds: 60 }] },
    }).vip
    expect(
      decideVip({ call: makeCall({ tags: ['VIP'], durationSeconds: 30 }), contactAttributes: {}, config: both }),
    ).toEqual({
      vip: false,
    })
  })
})
