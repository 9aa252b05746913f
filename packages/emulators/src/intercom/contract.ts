/**
 * Validates request and response bodies against the official Intercom OpenAPI 2.16 description (the committed subset
 * in contract/), with Ajv: the emulator must never drift into shapes the real API would not send or accept.
 */
import { readFileSync } from 'node:fs'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

export const CONTRACT_VERSION = '2.16'
const SUBSET_URL = new URL('../../contract/intercom-openapi-2.16-subset.json', import.meta.url)
const COMPONENTS_ID = 'https://contract.local/intercom-2.16'

export interface ContractViolation {
  at: number
  direction: 'request' | 'response'
  operation: string
  status?: number
  errors: Array<{ path: string; message: string }>
}

export interface Operation {
  method: string
  path: string
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * OpenAPI 3.0 → JSON Schema for Ajv: "#/components/schemas/x" refs point at "<base>/schemas/x", each component being
 * registered once under that id (so Ajv compiles it once and shares it across operations), and `nullable: true` becomes `anyOf [null, schema]`: Ajv's own `nullable` needs a sibling `type`, and
 * the spec puts it next to `$ref`/`allOf` too.
 */
function toJsonSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toJsonSchema)
  if (!isRecord(value)) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (k === 'nullable') continue
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/')) {
      out[k] = `${COMPONENTS_ID}/${v.slice('#/components/'.length)}`
    } else if (k === 'properties' && isRecord(v))
      out[k] = Object.fromEntries(Object.entries(v).map(([n, s]) => [n, toJsonSchema(s)]))
    else out[k] = toJsonSchema(v)
  }
  if (value.nullable === true) {
    // In OpenAPI 3.0 a $ref's siblings are ignored; keep the ref alone inside the anyOf branch.
    const branch = typeof out.$ref === 'string' ? { $ref: out.$ref } : out
    return { anyOf: [{ type: 'null' }, branch] }
  }
  return out
}

// ajv-formats ships as CJS; under NodeNext its default import is the module namespace in some toolchains.
type AddFormats = (ajv: Ajv) => Ajv
const addFormats: AddFormats =
  typeof addFormatsModule === 'function'
    ? addFormatsModule
    : (addFormatsModule as unknown as { default: AddFormats }).default

/** A known defect of the 2.16 description, corrected at load time so the validator judges what the live API does. */
export interface ContractErratum {
  id: string
  /** The operations whose bodies the correction changes. */
  operations: string[]
  /** What the description says, what the API (or its own examples) do, and how the validator reads it. */
  reading: string
  apply(doc: Record<string, unknown>): void
}

function schemasOf(doc: Record<string, unknown>): Record<string, unknown> {
  return isRecord(doc.components) && isRecord(doc.components.schemas) ? doc.components.schemas : {}
}

/**
 * Every accepted erratum: requests and responses they cover are not recorded as violations. The `uuid` and `uri`
 * formats (24-hex ids such as `from.id`, relative paths) are read the API's way in the constructor.
 */
export const CONTRACT_ERRATA: readonly ContractErratum[] = [
  {
    id: 'message-type-inapp',
    operations: ['POST /messages'],
    reading:
      '`create_message_request.message_type` lists `in_app`, yet the API, the spec’s own examples and the official SDK ' +
      'send `inapp` (reference §3.7): both are accepted.',
    apply: (doc) => {
      const message = schemasOf(doc).create_message_request
      if (isRecord(message) && isRecord(message.properties) && isRecord(message.properties.message_type)) {
        const type = message.properties.message_type
        if (Array.isArray(type.enum) && !type.enum.includes('inapp')) type.enum = [...(type.enum as unknown[]), 'inapp']
      }
    },
  },
  {
    id: 'tags-any-of',
    operations: ['POST /tags'],
    reading:
      '`POST /tags` declares its bodies as `oneOf`, but `{name, users}` also satisfies the plain `{name}` variant, so ' +
      'every tag-users request would fail "exactly one": read as `anyOf`.',
    apply: (doc) => {
      const tags = isRecord(doc.paths) && isRecord(doc.paths['/tags']) ? doc.paths['/tags'].post : undefined
      const body =
        isRecord(tags) && isRecord(tags.requestBody) && isRecord(tags.requestBody.content)
          ? tags.requestBody.content['application/json']
          : undefined
      if (isRecord(body) && isRecord(body.schema) && Array.isArray(body.schema.oneOf)) {
        body.schema = { anyOf: body.schema.oneOf }
      }
    },
  },
  {
    id: 'conversation-attribute-boolean-decimal',
    operations: [
      'PUT /conversations/{conversation_id}',
      'GET /conversations/{conversation_id}',
      'POST /conversations/search',
      'POST /conversations/{conversation_id}/reply',
      'POST /conversations/{conversation_id}/parts',
    ],
    reading:
      'Conversation attributes are created with `data_type` boolean or decimal (the 422 message lists "string, ' +
      'integer, list, decimal, boolean, datetime, relationship, files") and the `custom_attributes` example sends ' +
      '`paid_subscriber: true` and `monthly_spend: 155.5`, but the `custom_attributes` schema allows only string, ' +
      'integer, datetime or custom-object references (reference T.9): a boolean or a decimal value is accepted, in ' +
      'requests and in the conversations that carry it.',
    apply: (doc) => {
      const attrs = schemasOf(doc).custom_attributes
      const values = isRecord(attrs) && isRecord(attrs.additionalProperties) ? attrs.additionalProperties : undefined
      if (!values || !Array.isArray(values.anyOf)) return
      const types = (values.anyOf as unknown[]).map((branch) => (isRecord(branch) ? branch.type : undefined))
      if (!types.includes('boolean')) values.anyOf = [...(values.anyOf as unknown[]), { type: 'boolean' }]
      if (!types.includes('number')) values.anyOf = [...(values.anyOf as unknown[]), { type: 'number' }]
    },
  },
]

function applyErrata(doc: Record<string, unknown>): void {
  for (const erratum of CONTRACT_ERRATA) erratum.apply(doc)
}

export class ContractValidator {
  private readonly ajv: Ajv
  private readonly doc: Record<string, unknown>
  private readonly cache = new Map<string, ValidateFunction | null>()
  readonly templates: Array<{ method: string; path: string; regex: RegExp }>

  constructor(doc?: unknown) {
    const loaded: unknown = doc ?? JSON.parse(readFileSync(SUBSET_URL, 'utf8'))
    if (!isRecord(loaded) || !isRecord(loaded.paths) || !isRecord(loaded.components)) {
      throw new Error('contract subset is not an OpenAPI document')
    }
    this.doc = structuredClone(loaded)
    applyErrata(this.doc)
    // strict:false because OpenAPI 3.0 keywords (discriminator, xml, readOnly…) are not JSON Schema; Ajv 8 implements
    // `nullable` natively. logger:false keeps Ajv from printing its warnings. inlineRefs:false and no code optimisation
    // keep compiling the whole subset around half a second (it is done once per process, before the first request).
    this.ajv = new Ajv({
      strict: false,
      allErrors: true,
      logger: false,
      validateFormats: true,
      inlineRefs: false,
      code: { optimize: false },
    })
    addFormats(this.ajv)
    for (const f of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password', 'timestamp'])
      this.ajv.addFormat(f, true)
    // The spec tags 24-hex contact ids as "uuid" and relative paths ("/contacts/1/tags") or even types ("tag") as
    // "uri"; the live API sends exactly those values, so these two formats are read the way the API actually uses them.
    this.ajv.addFormat('uuid', /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{24})$/i)
    this.ajv.addFormat('uri', (s: string) => !/\s/.test(s))
    for (const [section, entries] of Object.entries(this.doc.components as Record<string, unknown>)) {
      if (!isRecord(entries)) continue
      for (const [name, schema] of Object.entries(entries)) {
        if (section === 'schemas')
          this.ajv.addSchema(toJsonSchema(schema) as object, `${COMPONENTS_ID}/${section}/${name}`)
      }
    }
    this.templates = []
    for (const [path, item] of Object.entries(loaded.paths)) {
      if (!isRecord(item)) continue
      const regex = new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`)
      for (const method of Object.keys(item)) this.templates.push({ method: method.toUpperCase(), path, regex })
    }
    // Literal paths first so "/contacts/search" is never taken for "/contacts/{contact_id}".
    this.templates.sort((a, b) => (a.path.includes('{') ? 1 : 0) - (b.path.includes('{') ? 1 : 0))
  }

  /** Compiles every operation's schemas now, so the first request through an emulator is not stalled by Ajv. */
  compileAll(): this {
    for (const t of this.templates) {
      const op = { method: t.method, path: t.path }
      const operation = this.operation(op)
      if (!operation) continue
      if (operation.requestBody !== undefined)
        this.compile(`req ${t.method} ${t.path}`, this.jsonSchema(operation.requestBody))
      if (!isRecord(operation.responses)) continue
      for (const [status, response] of Object.entries(operation.responses)) {
        this.compile(`res ${t.method} ${t.path} ${status}`, this.jsonSchema(response))
      }
    }
    this.compile('error', { $ref: '#/components/schemas/error' })
    return this
  }

  /** The operation (method + path template) a concrete request belongs to, if the subset has it. */
  operationFor(method: string, pathname: string): Operation | null {
    const m = method.toUpperCase()
    const t = this.templates.find((x) => x.method === m && x.regex.test(pathname))
    return t ? { method: t.method, path: t.path } : null
  }

  hasOperation(op: Operation): boolean {
    return this.templates.some((t) => t.method === op.method.toUpperCase() && t.path === op.path)
  }

  private operation(op: Operation): Record<string, unknown> | null {
    const item = (this.doc.paths as Record<string, unknown>)[op.path]
    const operation = isRecord(item) ? item[op.method.toLowerCase()] : undefined
    return isRecord(operation) ? operation : null
  }

  private compile(key: string, schema: unknown): ValidateFunction | null {
    if (this.cache.has(key)) return this.cache.get(key) ?? null
    const fn = schema === undefined ? null : this.ajv.compile(toJsonSchema(schema) as object)
    this.cache.set(key, fn)
    return fn
  }

  private jsonSchema(node: unknown): unknown {
    if (!isRecord(node) || !isRecord(node.content)) return undefined
    const media = node.content['application/json']
    return isRecord(media) ? media.schema : undefined
  }

  /** Null when valid (or when the operation declares no JSON body), else the errors. */
  validateRequest(op: Operation, body: unknown): ContractViolation['errors'] | null {
    const operation = this.operation(op)
    if (!operation) return [{ path: '', message: `unknown operation ${op.method} ${op.path}` }]
    const requestBody = operation.requestBody
    if (requestBody === undefined) return null
    const fn = this.compile(`req ${op.method} ${op.path}`, this.jsonSchema(requestBody))
    return this.run(fn, body)
  }

  validateResponse(op: Operation, status: number, body: unknown): ContractViolation['errors'] | null {
    const operation = this.operation(op)
    if (!operation || !isRecord(operation.responses))
      return [{ path: '', message: `unknown operation ${op.method} ${op.path}` }]
    const response = operation.responses[String(status)] ?? operation.responses.default
    if (response === undefined) {
      // An undocumented status must still carry the error envelope.
      if (status >= 400) {
        const fn = this.compile('error', { $ref: '#/components/schemas/error' })
        return this.run(fn, body)
      }
      return [{ path: '', message: `status ${status} is not documented for ${op.method} ${op.path}` }]
    }
    const fn = this.compile(`res ${op.method} ${op.path} ${status}`, this.jsonSchema(response))
    return this.run(fn, body)
  }

  private run(fn: ValidateFunction | null, body: unknown): ContractViolation['errors'] | null {
    if (!fn || fn(body)) return null
    return (fn.errors ?? []).map((e) => ({
      path: e.instancePath,
      message: `${e.message ?? 'invalid'} (${e.schemaPath})`,
    }))
  }
}

let shared: ContractValidator | null = null

/** Compiling the subset takes a moment; emulators in one process share one validator. */
export function sharedContractValidator(): ContractValidator {
  shared ??= new ContractValidator().compileAll()
  return shared
}
