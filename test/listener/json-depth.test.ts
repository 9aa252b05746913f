import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { exceedsJsonDepth } from '../../src/listener/json-depth.js'

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8')

/** The nesting depth JSON.parse sees, for comparison with the byte scan. */
const depthOf = (value: unknown): number =>
  value !== null && typeof value === 'object'
    ? 1 + Math.max(0, ...Object.values(value as Record<string, unknown>).map(depthOf))
    : 0

describe('JSON nesting depth, scanned from the raw bytes', () => {
  test('arrays and objects count; the limit itself is allowed', () => {
    expect(exceedsJsonDepth(bytes('[[[1]]]'), 3)).toBe(false)
    expect(exceedsJsonDepth(bytes('[[[1]]]'), 2)).toBe(true)
    expect(exceedsJsonDepth(bytes('{"a":{"b":[{}]}}'), 4)).toBe(false)
    expect(exceedsJsonDepth(bytes('{"a":{"b":[{}]}}'), 3)).toBe(true)
    // Siblings do not add up: depth is how deep, not how many.
    expect(exceedsJsonDepth(bytes(`[${'[],'.repeat(10_000)}[]]`), 2)).toBe(false)
  })

  test('brackets inside strings, escaped quotes included, do not count', () => {
    expect(exceedsJsonDepth(bytes(JSON.stringify({ note: '['.repeat(10_000) })), 1)).toBe(false)
    expect(exceedsJsonDepth(bytes(JSON.stringify({ note: `\\"${'{'.repeat(500)}"\\` })), 1)).toBe(false)
    // An escaped quote does not end the string: the brackets after it are still text.
    expect(exceedsJsonDepth(bytes('["\\"[[[[", 1]'), 1)).toBe(false)
    // An escaped backslash does end it: what follows the closing quote is structure again.
    expect(exceedsJsonDepth(bytes('["\\\\", [[1]]]'), 2)).toBe(true)
  })

  test('multi-byte UTF-8 and 100,000 open brackets are scanned without recursion', () => {
    expect(exceedsJsonDepth(bytes(JSON.stringify({ name: 'Zoë 日本 🙂 [' })), 1)).toBe(false)
    expect(exceedsJsonDepth(bytes('['.repeat(100_000)), 64)).toBe(true)
  })

  test('agrees with JSON.parse on random documents', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 9 }), (value, limit) => {
        const text = JSON.stringify(value)
        expect(exceedsJsonDepth(bytes(text), limit)).toBe(depthOf(JSON.parse(text)) > limit)
      }),
      { seed: 20261124, numRuns: 500 },
    )
  })
})
