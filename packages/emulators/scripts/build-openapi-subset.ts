/**
 * Builds contract/intercom-openapi-2.16-subset.json from the official Intercom OpenAPI 2.16 description: only the
 * operations the toolkit calls, plus the components they reference transitively, with prose and examples removed so
 * the file stays small, reviewable and deterministic. Run from packages/emulators: `npx tsx scripts/build-openapi-subset.ts`.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { format, resolveConfig } from 'prettier'

const root = fileURLToPath(new URL('..', import.meta.url))
const source = new URL('../../../../shared/reference/intercom-openapi/api.intercom.io.2.16.yaml', import.meta.url)
const licenseSource = new URL('../../../../shared/reference/intercom-openapi/LICENSE.md', import.meta.url)
const target = new URL('../contract/intercom-openapi-2.16-subset.json', import.meta.url)
const licenseTarget = new URL('../contract/LICENSE-intercom-openapi.md', import.meta.url)

/** The operations the emulator implements and the clients call; keep in sync with src/intercom/routes. */
export const SUBSET_OPERATIONS: ReadonlyArray<readonly [string, string]> = [
  ['get', '/me'],
  ['get', '/admins'],
  ['get', '/admins/{admin_id}'],
  ['get', '/teams'],
  ['get', '/teams/{team_id}'],
  ['get', '/tags'],
  ['post', '/tags'],
  ['post', '/contacts'],
  ['post', '/contacts/search'],
  ['get', '/contacts/{contact_id}'],
  ['put', '/contacts/{contact_id}'],
  ['post', '/contacts/merge'],
  ['get', '/contacts/{contact_id}/tags'],
  ['post', '/contacts/{contact_id}/tags'],
  ['delete', '/contacts/{contact_id}/tags/{tag_id}'],
  ['get', '/contacts/{contact_id}/notes'],
  ['post', '/contacts/{contact_id}/notes'],
  ['get', '/data_attributes'],
  ['post', '/data_attributes'],
  ['put', '/data_attributes/{data_attribute_id}'],
  ['get', '/conversations/attributes'],
  ['post', '/conversations/attributes'],
  ['post', '/conversations'],
  ['get', '/conversations/{conversation_id}'],
  ['put', '/conversations/{conversation_id}'],
  ['post', '/conversations/search'],
  ['post', '/conversations/{conversation_id}/reply'],
  ['post', '/conversations/{conversation_id}/parts'],
  ['post', '/conversations/{conversation_id}/tags'],
  ['delete', '/conversations/{conversation_id}/tags/{tag_id}'],
  ['post', '/messages'],
  ['get', '/calls'],
  ['get', '/calls/{call_id}'],
  ['post', '/calls/search'],
  ['get', '/ticket_types'],
  ['get', '/ticket_types/{ticket_type_id}'],
  ['get', '/ticket_states'],
  ['post', '/tickets'],
  ['get', '/tickets/{ticket_id}'],
  ['put', '/tickets/{ticket_id}'],
  ['post', '/conversations/{conversation_id}/convert'],
]

const PROSE_KEYS = new Set(['description', 'summary', 'example', 'examples', 'externalDocs', 'tags'])
/** Maps keyed by user-chosen names: a property called "description" must survive the prose strip. */
const NAME_MAPS = new Set(['properties', 'schemas', 'parameters', 'responses', 'securitySchemes', 'headers', 'content'])

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function strip(value: unknown, parentKey: string | null): unknown {
  if (Array.isArray(value)) return value.map((item) => strip(item, null))
  if (!isRecord(value)) return value
  const out: Record<string, unknown> = {}
  const isNameMap = parentKey !== null && NAME_MAPS.has(parentKey)
  for (const [key, child] of Object.entries(value)) {
    if (!isNameMap && (PROSE_KEYS.has(key) || key.startsWith('x-'))) continue
    out[key] = strip(child, isNameMap ? null : key)
  }
  return out
}

function collectRefs(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, into)
    return
  }
  if (!isRecord(value)) return
  for (const [key, child] of Object.entries(value)) {
    if (key === '$ref' && typeof child === 'string') into.add(child)
    else collectRefs(child, into)
  }
}

function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`external $ref not supported: ${ref}`)
  let node: unknown = doc
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (!isRecord(node) || !(key in node)) throw new Error(`dangling $ref ${ref}`)
    node = node[key]
  }
  return node
}

export function buildSubset(doc: unknown): Record<string, unknown> {
  if (!isRecord(doc) || !isRecord(doc.paths) || !isRecord(doc.components)) throw new Error('not an OpenAPI document')
  const paths: Record<string, Record<string, unknown>> = {}
  for (const [method, path] of SUBSET_OPERATIONS) {
    const item = doc.paths[path]
    if (!isRecord(item) || !isRecord(item[method]))
      throw new Error(`operation ${method.toUpperCase()} ${path} not found`)
    const entry = (paths[path] ??= {})
    entry[method] = strip(item[method], method)
  }
  const components: Record<string, Record<string, unknown>> = {}
  const seen = new Set<string>()
  const queue = new Set<string>()
  collectRefs(paths, queue)
  while (queue.size > 0) {
    const [ref] = queue
    if (ref === undefined) break
    queue.delete(ref)
    if (seen.has(ref)) continue
    seen.add(ref)
    const [, , section, name] = ref.split('/')
    if (section === undefined || name === undefined) throw new Error(`unexpected $ref ${ref}`)
    const stripped = strip(resolvePointer(doc, ref), name)
    ;(components[section] ??= {})[name] = stripped
    const next = new Set<string>()
    collectRefs(stripped, next)
    for (const r of next) if (!seen.has(r)) queue.add(r)
  }
  const sortedComponents = Object.fromEntries(
    Object.keys(components)
      .sort()
      .map((section) => {
        const entries = components[section] ?? {}
        return [
          section,
          Object.fromEntries(
            Object.keys(entries)
              .sort()
              .map((k) => [k, entries[k]]),
          ),
        ]
      }),
  )
  const securitySchemes = isRecord(doc.components.securitySchemes) ? doc.components.securitySchemes : {}
  const info = isRecord(doc.info) ? doc.info : {}
  return {
    openapi: doc.openapi,
    info: { title: info.title, version: info.version, 'x-subset-of': 'api.intercom.io.2.16.yaml' },
    security: doc.security,
    paths: Object.fromEntries(
      Object.keys(paths)
        .sort()
        .map((p) => [p, paths[p]]),
    ),
    components: { ...sortedComponents, securitySchemes },
  }
}

async function main(): Promise<void> {
  const doc: unknown = parse(readFileSync(source, 'utf8'), { maxAliasCount: -1 })
  const subset = buildSubset(doc)
  mkdirSync(new URL('../contract/', import.meta.url), { recursive: true })
  const prettierConfig = (await resolveConfig(fileURLToPath(target))) ?? {}
  const text = await format(JSON.stringify(subset), { ...prettierConfig, parser: 'json' })
  writeFileSync(target, text)
  const license = readFileSync(licenseSource, 'utf8')
  writeFileSync(
    licenseTarget,
    [
      '# Licence of contract/intercom-openapi-2.16-subset.json',
      '',
      'The subset is derived from `descriptions/2.16/api.intercom.io.yaml` in',
      '[intercom/Intercom-OpenAPI](https://github.com/intercom/Intercom-OpenAPI) (prose and examples removed,',
      'operations filtered by `scripts/build-openapi-subset.ts`). The original is distributed under this licence:',
      '',
      license.trim(),
      '',
    ].join('\n'),
  )
  const size = Object.keys(subset.paths as Record<string, unknown>).length
  console.log(`wrote ${fileURLToPath(target).replace(root, '')} (${size} paths)`)
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main()
