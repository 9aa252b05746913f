import { describe, expect, it } from 'vitest'

import { tagMappingSchema, type TagMapping } from '../../src/config/schema.js'
import type { z } from 'zod'
import {
  invalidTagMappings,
  mappingValue,
  planTagAttributes,
  requiredDataAttributes,
} from '../../src/rules/tag-attributes.js'
import { makeConfig } from './fixtures.js'

type MappingInput = z.input<typeof tagMappingSchema>

function mappings(map: MappingInput[]): TagMapping[] {
  return makeConfig({ tags: { map } }).tags.map
}

describe('planTagAttributes', () => {
  const map = mappings([
    { tag: 'VIP', attribute: 'is_vip' },
    { tag: 'Churn risk', attribute: 'risk', type: 'string' },
    { tag: 'Upsell', attribute: 'stage', type: 'string', value: 'upsell', target: 'conversation' },
    { tag: 'Callback', attribute: 'callbacks', type: 'integer' },
    { tag: 'Demo', attribute: 'demo_at', type: 'date' },
    { tag: 'Trial', attribute: 'in_trial', type: 'boolean', value: false, target: 'both' },
  ])

  it.each([
    ['no tags', [], []],
    ['unmapped tag', ['Other'], []],
    [
      'boolean defaults to true, case-insensitive',
      ['vip'],
      [{ attribute: 'is_vip', value: true, dataType: 'boolean', target: 'contact', tag: 'VIP' }],
    ],
    [
      'string defaults to the tag name',
      [' churn RISK '],
      [{ attribute: 'risk', value: 'Churn risk', dataType: 'string', target: 'contact', tag: 'Churn risk' }],
    ],
    [
      'explicit value and target',
      ['Upsell'],
      [{ attribute: 'stage', value: 'upsell', dataType: 'string', target: 'conversation', tag: 'Upsell' }],
    ],
    [
      'integer defaults to 1',
      ['Callback'],
      [{ attribute: 'callbacks', value: 1, dataType: 'integer', target: 'contact', tag: 'Callback' }],
    ],
    [
      'date defaults to the context time',
      ['Demo'],
      [{ attribute: 'demo_at', value: 1700000000, dataType: 'date', target: 'contact', tag: 'Demo' }],
    ],
    [
      'both targets',
      ['Trial'],
      [{ attribute: 'in_trial', value: false, dataType: 'boolean', target: 'both', tag: 'Trial' }],
    ],
  ])('%s', (_name, tags, writes) => {
    expect(planTagAttributes(tags, map, { at: 1700000000 })).toEqual(writes)
  })

  it('follows config order, whatever the order of the call tags', () => {
    expect(planTagAttributes(['Trial', 'VIP'], map).map((write) => write.attribute)).toEqual(['is_vip', 'in_trial'])
  })

  it('lets the first mapping of an attribute win, per target', () => {
    const clash = mappings([
      { tag: 'Gold', attribute: 'tier', type: 'string', value: 'gold' },
      { tag: 'Silver', attribute: 'tier', type: 'string', value: 'silver', target: 'both' },
    ])
    expect(planTagAttributes(['Silver', 'Gold'], clash)).toEqual([
      { attribute: 'tier', value: 'gold', dataType: 'string', target: 'contact', tag: 'Gold' },
      { attribute: 'tier', value: 'silver', dataType: 'string', target: 'conversation', tag: 'Silver' },
    ])
  })

  it('skips a date mapping with no value and no time to use', () => {
    expect(planTagAttributes(['Demo'], map)).toEqual([])
  })
})

describe('mappingValue', () => {
  const one = (entry: MappingInput) => mappings([entry])[0]!
  it.each([
    [{ tag: 't', attribute: 'a', type: 'boolean' as const, value: 'no' }, false],
    [{ tag: 't', attribute: 'a', type: 'boolean' as const, value: 'maybe' }, null],
    [{ tag: 't', attribute: 'a', type: 'boolean' as const, value: 0 }, false],
    [{ tag: 't', attribute: 'a', type: 'integer' as const, value: '42' }, 42],
    [{ tag: 't', attribute: 'a', type: 'integer' as const, value: 4.2 }, null],
    [{ tag: 't', attribute: 'a', type: 'integer' as const, value: true }, 1],
    [{ tag: 't', attribute: 'a', type: 'string' as const, value: 3 }, '3'],
    [{ tag: 't', attribute: 'a', type: 'date' as const, value: '2026-03-02T09:00:00Z' }, 1772442000],
    [{ tag: 't', attribute: 'a', type: 'date' as const, value: 'soon' }, null],
  ])('%o → %o', (entry, value) => {
    expect(mappingValue(one(entry))).toEqual(value)
  })

  it('lists the mappings that cannot be written', () => {
    const map = mappings([
      { tag: 'a', attribute: 'ok' },
      { tag: 'b', attribute: 'bad', type: 'integer', value: 'lots' },
    ])
    expect(invalidTagMappings(map).map((entry) => entry.attribute)).toEqual(['bad'])
  })
})

describe('requiredDataAttributes', () => {
  it('lists each attribute once per model', () => {
    const map = mappings([
      { tag: 'VIP', attribute: 'is_vip' },
      { tag: 'Gold', attribute: 'tier', type: 'string', target: 'both' },
      { tag: 'Silver', attribute: 'tier', type: 'string' },
      { tag: 'Demo', attribute: 'demo_at', type: 'date', target: 'conversation' },
    ])
    expect(requiredDataAttributes(map)).toEqual([
      { name: 'is_vip', dataType: 'boolean', model: 'contact' },
      { name: 'tier', dataType: 'string', model: 'contact' },
      { name: 'tier', dataType: 'string', model: 'conversation' },
      { name: 'demo_at', dataType: 'date', model: 'conversation' },
    ])
  })

  it('is empty for an empty mapping', () => {
    expect(requiredDataAttributes([])).toEqual([])
  })
})
