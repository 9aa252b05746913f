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

describe('where each value comes from', () => {
  test('a bad environment value names the variable, not a config file that does not exist', () => {
    const dir = tempDir()
    const error = configError(() => loadConfig({ cwd: dir, env: { AIRCALL_API_URL: 'not a url' } }))
    expect(error.problems).toEqual([
      expect.objectContaining({ file: 'environment', variable: 'AIRCALL_API_URL', path: 'aircall.apiUrl' }),
    ])
    expect(error.message).toMatch(
      /^AIRCALL_API_URL \(environment variable, for aircall\.apiUrl\): must be an absolute URL/,
    )
    expect(error.message).not.toContain('aircall-intercom.yml')
  })

  test('a bad value a file key takes from ${NAME} is the file’s key and says which variable held it', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'aircall-intercom.yml'), 'intercom:\n  apiUrl: ${MY_INTERCOM_URL}\n')
    const error = configError(() => loadConfig({ cwd: dir, env: { MY_INTERCOM_URL: 'nope' } }))
    expect(error.message).toMatch(
      /^aircall-intercom\.yml:intercom\.apiUrl: must be an absolute URL.*\(from \$\{MY_INTERCOM_URL\}\)$/,
    )
  })

  test('origins: file key path, environment variable, ${NAME} reference, flag or default, for every value', () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, 'aircall-intercom.yml'),
      'aircall:\n  apiUrl: https://file.example\n  apiToken: ${AIRCALL_API_TOKEN}\nintercom:\n  adminId: "111"\nmatching:\n  tieBreak: [oldest-created]\n',
    )
    const loaded = loadConfig({
      cwd: dir,
      statePath: 'flag.sqlite',
      env: { AIRCALL_API_URL: 'https://env.example', AIRCALL_API_TOKEN: 'secret-token-1', INTERCOM_ADMIN_ID: '111' },
    })
    expect(loaded.origins).toMatchObject({
      'aircall.apiUrl': { kind: 'env', variable: 'AIRCALL_API_URL' },
      'aircall.apiToken': {
        kind: 'file',
        file: 'aircall-intercom.yml',
        path: 'aircall.apiToken',
        variable: 'AIRCALL_API_TOKEN',
      },
      'intercom.adminId': { kind: 'env', variable: 'INTERCOM_ADMIN_ID' },
      'matching.tieBreak': { kind: 'file', file: 'aircall-intercom.yml', path: 'matching.tieBreak' },
      'matching.defaultCountry': { kind: 'default' },
      'listener.port': { kind: 'default' },
      'store.path': { kind: 'flag', flag: '--state' },
    })
    // The environment replaced a different file value only for the API URL: the admin id is the same in both, and
    // the token's key names the variable that supplies it.
    expect(loaded.overrides).toEqual([
      {
        path: 'aircall.apiUrl',
        variable: 'AIRCALL_API_URL',
        file: 'aircall-intercom.yml',
        secret: false,
        fileValue: 'https://file.example',
        envValue: 'https://env.example',
      },
    ])
  })

  test('an overridden secret is reported without either value', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'aircall-intercom.yml'), 'intercom:\n  accessToken: ${VAULT_INTERCOM_TOKEN}\n')
    const loaded = loadConfig({
      cwd: dir,
      env: { VAULT_INTERCOM_TOKEN: 'from-vault-123', INTERCOM_ACCESS_TOKEN: 'from-shell-456' },
    })
    expect(loaded.config.intercom.accessToken).toBe('from-shell-456')
    expect(loaded.overrides).toEqual([
      { path: 'intercom.accessToken', variable: 'INTERCOM_ACCESS_TOKEN', file: 'aircall-intercom.yml', secret: true },
    ])
    expect(JSON.stringify(loaded.overrides)).not.toContain('from-')
  })
})
