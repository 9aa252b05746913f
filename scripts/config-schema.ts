/**
 * Generates `aircall-intercom.schema.json`, the JSON Schema of the configuration file, from the zod schema the
 * loader validates with (src/config/schema.ts), so editors can complete and check the YAML. Run
 * `npm run schema` after changing the schema; `--check` exits 1 instead of writing when the file is out of date
 * (test/config/config-schema.test.ts runs it).
 *
 * What the zod schema checks in code is added where JSON Schema can say it: secrets must be `${NAME}` references,
 * and country codes are the ones libphonenumber knows. Everything else (template syntax, time zones, regular
 * expressions) is left to `config validate`.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { getCountries } from 'libphonenumber-js'
import { format, resolveConfig } from 'prettier'
import { z } from 'zod'
import { configSchema, SECRET_PATHS } from '../src/config/schema.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const SCHEMA_FILE = join(ROOT, 'aircall-intercom.schema.json')

type JsonObject = { [key: string]: unknown }

const isObject = (value: unknown): value is JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

const propertiesOf = (schema: unknown, key: string): JsonObject | undefined => {
  if (!isObject(schema) || !isObject(schema.properties)) return undefined
  const property = schema.properties[key]
  return isObject(property) ? property : undefined
}

/** Every string schema under `node` that only the libphonenumber check constrains: given the list of codes. */
const constrainCountries = (node: unknown, codes: string[]): void => {
  if (Array.isArray(node)) {
    for (const item of node) constrainCountries(item, codes)
    return
  }
  if (!isObject(node)) return
  if (node.type === 'string' && node.pattern === '^[A-Z]{2}$') node.enum = codes
  for (const value of Object.values(node)) constrainCountries(value, codes)
}

export const buildConfigSchema = (): JsonObject => {
  const generated = z.toJSONSchema(configSchema, {
    target: 'draft-7',
    // The file is the input: defaults and transforms (ids written as numbers) are what a person may write.
    io: 'input',
    reused: 'inline',
    unrepresentable: 'any',
  }) as JsonObject
  delete generated.$schema
  for (const [section, key] of SECRET_PATHS) {
    const property = propertiesOf(propertiesOf(generated, section), key)
    if (!property) throw new Error(`the generated schema has no ${section}.${key}`)
    property.pattern = '^\\$\\{[A-Z0-9_]+\\}$'
    property.description = 'A secret: only a ${NAME} reference to an environment variable, never the value.'
  }
  constrainCountries(generated, [...getCountries()].sort())
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'aircall-intercom configuration',
    description:
      'aircall-intercom.yml (or .json). Generated from src/config/schema.ts by scripts/config-schema.ts: do not edit.',
    ...generated,
  }
}

/** Formatted as `prettier --check` wants it, so the generated file passes `npm run lint` as written. */
export const renderConfigSchema = async (): Promise<string> =>
  format(JSON.stringify(buildConfigSchema()), {
    ...(await resolveConfig(SCHEMA_FILE)),
    parser: 'json',
    filepath: SCHEMA_FILE,
  })

const main = async (): Promise<void> => {
  const rendered = await renderConfigSchema()
  if (process.argv.includes('--check')) {
    let current = ''
    try {
      current = readFileSync(SCHEMA_FILE, 'utf8')
    } catch {
      // Missing: out of date.
    }
    if (current !== rendered) {
      process.stderr.write('aircall-intercom.schema.json is out of date: run `npm run schema`\n')
      process.exit(1)
    }
    process.stdout.write('aircall-intercom.schema.json is up to date\n')
    return
  }
  writeFileSync(SCHEMA_FILE, rendered)
  process.stdout.write('wrote aircall-intercom.schema.json\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
