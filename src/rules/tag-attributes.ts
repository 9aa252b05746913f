import type { TagMapping } from '../config/schema.js'
import { sameName } from './match.js'

export type AttributeDataType = TagMapping['type']
export type AttributeTarget = TagMapping['target']
export type AttributeValue = string | number | boolean

export interface AttributeWrite {
  attribute: string
  value: AttributeValue
  dataType: AttributeDataType
  target: AttributeTarget
  /** The mapping's tag that produced this write. */
  tag: string
}

export interface RequiredDataAttribute {
  name: string
  dataType: AttributeDataType
  /** Intercom keeps contact and conversation attributes apart; a `both` mapping needs one of each. */
  model: 'contact' | 'conversation'
}

export interface TagAttributeContext {
  /** UNIX seconds written by `date` mappings that give no value, usually the call's start. */
  at?: number
}

/** The value a mapping writes, converted to its Intercom data type, or null when it cannot be. */
export function mappingValue(mapping: TagMapping, context: TagAttributeContext = {}): AttributeValue | null {
  const { value } = mapping
  switch (mapping.type) {
    case 'boolean':
      if (value === undefined) return true
      if (typeof value === 'boolean') return value
      if (typeof value === 'number') return value !== 0
      if (/^(true|yes|1)$/i.test(value.trim())) return true
      if (/^(false|no|0)$/i.test(value.trim())) return false
      return null
    case 'string':
      return value === undefined ? mapping.tag : String(value)
    case 'integer':
      if (value === undefined) return 1
      if (typeof value === 'boolean') return value ? 1 : 0
      if (typeof value === 'number') return Number.isInteger(value) ? value : null
      return /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : null
    case 'date': {
      // Intercom stores contact dates as UNIX seconds.
      if (value === undefined) return context.at ?? null
      if (typeof value === 'number') return Number.isFinite(value) ? Math.floor(value) : null
      if (typeof value === 'boolean') return null
      const parsed = Date.parse(value)
      return Number.isNaN(parsed) ? null : Math.floor(parsed / 1000)
    }
  }
}

/** Mappings whose value cannot be written as their data type, for `doctor` and config checks. */
export function invalidTagMappings(mapping: readonly TagMapping[]): TagMapping[] {
  return mapping.filter((entry) => mappingValue(entry, { at: 0 }) === null)
}

/**
 * The attribute writes a call's tags call for. When several mappings write the same attribute on the same
 * target, the first one in the config wins so the outcome does not depend on the order of the call's tags.
 */
export function planTagAttributes(
  callTags: readonly string[],
  mapping: readonly TagMapping[],
  context: TagAttributeContext = {},
): AttributeWrite[] {
  const writes: AttributeWrite[] = []
  const taken = new Set<string>()
  for (const entry of mapping) {
    if (!callTags.some((tag) => sameName(tag, entry.tag))) continue
    const value = mappingValue(entry, context)
    if (value === null) continue
    const all: AttributeTarget[] = entry.target === 'both' ? ['contact', 'conversation'] : [entry.target]
    const targets = all.filter((target) => !taken.has(`${target}\u0000${entry.attribute}`))
    const [first] = targets
    if (first === undefined) continue
    for (const target of targets) taken.add(`${target}\u0000${entry.attribute}`)
    const target: AttributeTarget = targets.length > 1 ? 'both' : first
    writes.push({ attribute: entry.attribute, value, dataType: entry.type, target, tag: entry.tag })
  }
  return writes
}

/** The data attributes the mapping writes, one per name and model, for creating the missing ones. */
export function requiredDataAttributes(mapping: readonly TagMapping[]): RequiredDataAttribute[] {
  const required: RequiredDataAttribute[] = []
  const seen = new Set<string>()
  for (const entry of mapping) {
    const models: Array<RequiredDataAttribute['model']> =
      entry.target === 'both' ? ['contact', 'conversation'] : [entry.target]
    for (const model of models) {
      const key = `${model}\u0000${entry.attribute}`
      if (seen.has(key)) continue
      seen.add(key)
      required.push({ name: entry.attribute, dataType: entry.type, model })
    }
  }
  return required
}
