import { describe, expect, test } from 'vitest'
import { parseDateInput } from '../../src/domain/date-input.js'
import { parseDuration } from '../../src/domain/duration.js'
import { UserError } from '../../src/errors.js'

const NOW = Date.UTC(2026, 10, 24, 10, 0, 0)

describe('parseDateInput', () => {
  test.each([
    ['2026-06-01', 'start', Date.UTC(2026, 5, 1)],
    ['2026-06-01', 'end', Date.UTC(2026, 5, 2)],
    ['2026-06-01T08:30:00Z', 'start', Date.UTC(2026, 5, 1, 8, 30)],
    ['2026-06-01 08:30', 'end', Date.UTC(2026, 5, 1, 8, 30)],
    ['2026-06-01T08:30:00+02:00', 'start', Date.UTC(2026, 5, 1, 6, 30)],
    ['1780000000', 'start', 1_780_000_000_000],
    ['90d', 'start', NOW - 90 * 86_400_000],
    ['2h', 'end', NOW - 2 * 3_600_000],
    [' 1w ', 'start', NOW - 7 * 86_400_000],
  ] as const)('%s as %s', (text, bound, expected) => {
    expect(parseDateInput('--since', text, NOW, bound)).toBe(expected)
  })

  test.each(['2026-02-30', 'June 1 2026', '01/06/2026', 'yesterday', '', '2026-13-01', '90 days'])(
    '%j is refused with the flag named, never guessed',
    (text) => {
      expect(() => parseDateInput('--until', text, NOW, 'end')).toThrow(UserError)
      expect(() => parseDateInput('--until', text, NOW, 'end')).toThrow(`--until "${text}" is not a date`)
    },
  )

  test.each([
    ['30m', 'refused', 1_800_000],
    ['2h', 'refused', 7_200_000],
    ['7D', 'refused', 604_800_000],
    [' 12 h ', 'refused', 43_200_000],
    ['500ms', 'refused', 500],
    ['1.5s', 'refused', 1500],
    ['2w', 'refused', 1_209_600_000],
    ['45', 'seconds', 45_000],
    ['2.5', 'seconds', 2500],
    ['45', 'refused', null],
    ['2 hours', 'seconds', null],
    ['-5m', 'seconds', null],
    ['', 'seconds', null],
  ] as const)('duration %j (bare number %s) → %s ms', (text, bareNumber, ms) => {
    expect(parseDuration(text, bareNumber)).toBe(ms)
  })
})
