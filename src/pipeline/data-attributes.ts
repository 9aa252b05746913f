import { z } from 'zod'

import { ApiError, ValidationError } from '../http/errors.js'
import type { IntercomClient } from '../intercom/client.js'
import type { AttributeDataType } from '../rules/tag-attributes.js'

export type AttributeModel = 'contact' | 'conversation'

/** Intercom's names for our mapping types; conversations have no `date`, only `datetime`. */
const CONTACT_TYPES: Record<AttributeDataType, 'string' | 'integer' | 'boolean' | 'date'> = {
  boolean: 'boolean',
  string: 'string',
  integer: 'integer',
  date: 'date',
}
const CONVERSATION_TYPES: Record<AttributeDataType, 'string' | 'integer' | 'boolean' | 'datetime'> = {
  boolean: 'boolean',
  string: 'string',
  integer: 'integer',
  date: 'datetime',
}

const conversationAttributeListSchema = z
  .object({
    data: z.array(
      z.object({ name: z.string(), data_type: z.string().optional(), archived: z.boolean().optional() }).passthrough(),
    ),
  })
  .passthrough()
const conversationAttributeSchema = z.object({ name: z.string() }).passthrough()

/**
 * Makes sure the custom data attributes we write exist, creating missing ones with the mapping's type.
 * Intercom rejects a write to an unknown attribute, so this runs before the first write of each name; the
 * answers are cached for the life of one run (one list request per model, one create per missing name).
 */
export class DataAttributeEnsurer {
  private readonly known = new Map<AttributeModel, Promise<Map<string, string>>>()
  private readonly pending = new Map<string, Promise<void>>()
  /** `model.name` of each attribute this run created, for summaries. */
  readonly created: string[] = []

  constructor(
    private readonly intercom: IntercomClient,
    private readonly options: { signal?: AbortSignal } = {},
  ) {}

  /** Resolves once `name` exists on `model`; concurrent callers share one create. */
  async ensure(model: AttributeModel, name: string, dataType: AttributeDataType): Promise<void> {
    const key = `${model}\u0000${name.toLowerCase()}`
    let work = this.pending.get(key)
    if (!work) {
      work = this.ensureOnce(model, name, dataType)
      this.pending.set(key, work)
      // A failed create may succeed on the next call, so failures are not cached.
      work.catch(() => this.pending.delete(key))
    }
    return work
  }

  private async ensureOnce(model: AttributeModel, name: string, dataType: AttributeDataType): Promise<void> {
    const existing = await this.list(model)
    const found = existing.get(name.toLowerCase())
    if (found !== undefined) return
    try {
      if (model === 'contact') {
        await this.intercom.dataAttributes.create(
          { name, model: 'contact', dataType: CONTACT_TYPES[dataType], description: 'Written by aircall-intercom' },
          { signal: this.options.signal },
        )
      } else {
        await this.intercom.http.request({
          method: 'POST',
          path: '/conversations/attributes',
          body: { name, data_type: CONVERSATION_TYPES[dataType], description: 'Written by aircall-intercom' },
          schema: conversationAttributeSchema,
          signal: this.options.signal,
        })
      }
      this.created.push(`${model}.${name}`)
    } catch (error) {
      // Another process may have created it since we listed: look again before giving up.
      if (!(error instanceof ValidationError || (error instanceof ApiError && error.status === 422))) throw error
      this.known.delete(model)
      if (!(await this.list(model)).has(name.toLowerCase())) throw error
    }
  }

  private list(model: AttributeModel): Promise<Map<string, string>> {
    let listing = this.known.get(model)
    if (!listing) {
      listing = this.load(model)
      this.known.set(model, listing)
      listing.catch(() => this.known.delete(model))
    }
    return listing
  }

  private async load(model: AttributeModel): Promise<Map<string, string>> {
    const names = new Map<string, string>()
    if (model === 'contact') {
      for (const attribute of await this.intercom.dataAttributes.list('contact', { signal: this.options.signal })) {
        if (attribute.archived) continue
        names.set(attribute.name.toLowerCase(), attribute.data_type)
      }
      return names
    }
    const { data } = await this.intercom.http.request({
      method: 'GET',
      path: '/conversations/attributes',
      schema: conversationAttributeListSchema,
      signal: this.options.signal,
    })
    for (const attribute of data.data) {
      if (!attribute.archived) names.set(attribute.name.toLowerCase(), attribute.data_type ?? '')
    }
    return names
  }
}
