import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config/loader.js'
import { configSchema } from '../../src/config/schema.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

const configError = (fn: () => unknown): ConfigError => {
  try {
    fn()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('country codes', () => {
  test('matching.defaultCountry must be a country libphonenumber knows, not just two capitals', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'aircall-intercom.yml'), 'matching:\n  defaultCountry: XX\n')
    const error = configError(() => loadConfig({ cwd: dir, env: {} }))
    expect(error.problems).toEqual([
      {
        file: 'aircall-intercom.yml',
        path: 'matching.defaultCountry',
        message: expect.stringContaining('"XX" is not a country code libphonenumber knows'),
      },
    ])
    // Route countries use the same check; real codes, including non-sovereign ones (GF, RE), pass.
    expect(
      configSchema.safeParse({ vip: { routes: [{ name: 'r', countries: ['ZZ'], assignTo: { type: 'team', id: 1 } }] } })
        .success,
    ).toBe(false)
    for (const code of ['US', 'FR', 'GB', 'GF', 'RE', 'HK']) {
      expect(configSchema.safeParse({ matching: { defaultCountry: code } }).success).toBe(true)
    }
    expect(configSchema.safeParse({ matching: { defaultCountry: 'fr' } }).success).toBe(false)
  })
})
