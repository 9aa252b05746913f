import { ValidationError } from '../http/errors.js'
import type { AircallRequester, WriteOptions } from './requester.js'
import { type AircallTag, aircallTagSchema, tagEnvelope } from './schemas.js'

export class AircallTags {
  private cache: Promise<Map<string, number>> | undefined
  private readonly creations = new Map<string, Promise<number>>()

  constructor(private readonly api: AircallRequester) {}

  list(signal?: AbortSignal): AsyncGenerator<AircallTag> {
    return this.api.list('/v1/tags', 'tags', aircallTagSchema, {}, signal)
  }

  async create(input: { name: string; color?: string }, options: WriteOptions = {}): Promise<AircallTag> {
    const { data } = await this.api.http.request({
      method: 'POST',
      path: '/v1/tags',
      body: { color: '#2196F3', ...input },
      schema: tagEnvelope,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data.tag
  }

  /** The id of the tag named `name` (case-insensitive), created when missing; names are listed once and cached. */
  async idFor(name: string, signal?: AbortSignal): Promise<number> {
    const key = name.trim().toLowerCase()
    const known = (await this.byName(signal)).get(key)
    if (known !== undefined) return known
    // Concurrent taggings of a new name share one creation.
    let creation = this.creations.get(key)
    if (!creation) {
      creation = this.createMissing(name.trim(), key, signal).finally(() => this.creations.delete(key))
      this.creations.set(key, creation)
    }
    return creation
  }

  private async createMissing(name: string, key: string, signal?: AbortSignal): Promise<number> {
    const map = await this.byName(signal)
    try {
      const tag = await this.create({ name }, { signal })
      map.set(key, tag.id)
      return tag.id
    } catch (error) {
      // Someone else may have created it since we listed: re-read before giving up.
      if (!(error instanceof ValidationError)) throw error
      this.cache = undefined
      const id = (await this.byName(signal)).get(key)
      if (id === undefined) throw error
      return id
    }
  }

  private byName(signal?: AbortSignal): Promise<Map<string, number>> {
    if (!this.cache) {
      const load = async (): Promise<Map<string, number>> => {
        const map = new Map<string, number>()
        for await (const tag of this.list(signal)) map.set(tag.name.trim().toLowerCase(), tag.id)
        return map
      }
      this.cache = load().catch((error: unknown) => {
        this.cache = undefined
        throw error
      })
    }
    return this.cache
  }
}
