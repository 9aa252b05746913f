import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config/loader.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

/** The one problem a file holding `yaml` gives, as `config validate` prints it. */
const problemOf = (yaml: string): string => {
  const cwd = tempDir()
  writeFileSync(join(cwd, 'aircall-intercom.yml'), yaml)
  try {
    loadConfig({ cwd, env: {} })
  } catch (error) {
    if (error instanceof ConfigError) return error.message
    throw error
  }
  throw new Error('expected a ConfigError')
}

// The texts users have read since the first release (zod 3's wording); a schema library upgrade must not move them.
describe('config error texts', () => {
  test.each([
    ['aircall:\n  rateLimitPerMinute: 0\n', 'aircall.rateLimitPerMinute: Number must be greater than or equal to 1'],
    ['aircall:\n  rateLimitPerMinute: 500\n', 'aircall.rateLimitPerMinute: Number must be less than or equal to 120'],
    ['aircall:\n  rateLimitPerMinute: 1.5\n', 'aircall.rateLimitPerMinute: Expected integer, received float'],
    ['aircall:\n  rateLimitPerMinute: fast\n', 'aircall.rateLimitPerMinute: Expected number, received string'],
    ['matching:\n  createUnknown: "yes"\n', 'matching.createUnknown: Expected boolean, received string'],
    ['matching:\n  tieBreak: []\n', 'matching.tieBreak: Array must contain at least 1 element(s)'],
    ['tickets:\n  title: ""\n', 'tickets.title: String must contain at least 1 character(s)'],
    ['tags: 3\n', 'tags: Expected object, received number'],
    ['tags:\n  map: {}\n', 'tags.map: Expected array, received object'],
    ['matching:\n  createAs: admin\n', 'matching.createAs: must be one of "lead", "user" (got "admin")'],
    ['aircall:\n  apiUrl: not a url\n', 'aircall.apiUrl: must be an absolute URL such as https://api.aircall.io'],
    [
      'matching:\n  defaultCountry: XX\n',
      'matching.defaultCountry: "XX" is not a country code libphonenumber knows: use an ISO 3166-1 alpha-2 code such as "US", "FR" or "GB"',
    ],
    ['tickets:\n  on: [voicemail]\n', 'tickets.typeId: is required when tickets.on lists a trigger'],
  ])('%j → %s', (yaml, expected) => {
    expect(problemOf(yaml)).toContain(`aircall-intercom.yml:${expected}`)
  })
})
