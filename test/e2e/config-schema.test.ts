import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { parse } from 'yaml'
import { describe, expect, test } from 'vitest'
import { renderConfigSchema, SCHEMA_FILE } from '../../scripts/config-schema.js'
import { leafPaths } from '../../src/config/loader.js'
import { configSectionsSchema } from '../../src/config/schema.js'
import { REPO_ROOT, runCli } from '../helpers/run-cli.js'

const EXAMPLE_FILE = join(REPO_ROOT, 'aircall-intercom.example.yml')

// ajv-formats ships as CJS; under NodeNext its default import is the module namespace in some toolchains.
type AddFormats = (ajv: Ajv) => Ajv
const addFormats: AddFormats =
  typeof addFormatsModule === 'function'
    ? addFormatsModule
    : (addFormatsModule as unknown as { default: AddFormats }).default

const validator = () => {
  const ajv = new Ajv({ allErrors: true, strict: false })
  addFormats(ajv)
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object)
}

const example = (): Record<string, unknown> => parse(readFileSync(EXAMPLE_FILE, 'utf8')) as Record<string, unknown>

/** The YAML block the README's Configuration section shows. */
const readmeExample = (): Record<string, unknown> => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf('```yaml\n', readme.indexOf('A commented example with every section'))
  const end = readme.indexOf('```\n', start + 8)
  return parse(readme.slice(start + 8, end)) as Record<string, unknown>
}

const EXAMPLE_ENV = {
  AIRCALL_API_ID: 'example-id',
  AIRCALL_API_TOKEN: 'example-token',
  AIRCALL_WEBHOOK_TOKEN: 'example-webhook-token',
  INTERCOM_ACCESS_TOKEN: 'example-access-token',
  INTERCOM_CLIENT_SECRET: 'example-client-secret',
}

describe('the configuration JSON Schema', () => {
  test('is generated from the zod schema and up to date (npm run schema)', async () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(await renderConfigSchema())
  })

  test('accepts the example and refuses what the loader refuses: unknown keys, literal secrets, unknown countries', () => {
    const validate = validator()
    expect(validate(example()), JSON.stringify(validate.errors)).toBe(true)
    expect(validate({ listner: {} })).toBe(false)
    expect(validate({ aircall: { apiToken: 'a-literal-secret' } })).toBe(false)
    expect(validate({ aircall: { apiToken: '${AIRCALL_API_TOKEN}' } })).toBe(true)
    expect(validate({ matching: { defaultCountry: 'XX' } })).toBe(false)
    expect(validate({ matching: { defaultCountry: 'FR' } })).toBe(true)
    expect(validate({ intercom: { adminId: 991267459 } })).toBe(true)
    expect(validate({ listener: { port: 'eighty' } })).toBe(false)
  })
})

describe('aircall-intercom.example.yml', () => {
  test('has every section and the keys of the README example', () => {
    expect(Object.keys(example()).sort()).toEqual(Object.keys(configSectionsSchema.shape).sort())
    const keys = (value: Record<string, unknown>): string[] => leafPaths(value).map((path) => path.join('.'))
    expect(keys(example()).sort()).toEqual(keys(readmeExample()).sort())
  })

  test('passes config validate through the built CLI', async () => {
    const result = await runCli(['config', 'validate', '--config', EXAMPLE_FILE, '--json'], { env: EXAMPLE_ENV })
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const document = JSON.parse(result.stdout) as { ok: boolean; warnings: string[]; result: { enabled: string[] } }
    expect(document.ok).toBe(true)
    expect(document.result.enabled).toEqual([
      'missedCalls',
      'vip',
      'resolve',
      'escalation',
      'insightCards',
      'tags',
      'insights',
      'voicemail',
      'tickets',
    ])
    // Every credential came from its variable and the admin id from the file: nothing is missing.
    expect(document.warnings).toEqual([])
  })
})
