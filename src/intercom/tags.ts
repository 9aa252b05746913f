import type { IntercomRequester } from './requester.js'
import { type IntercomTag, intercomTagSchema, tagListSchema } from './schemas.js'

export class IntercomTags {
  constructor(private readonly api: IntercomRequester) {}

  async list(signal?: AbortSignal): Promise<IntercomTag[]> {
    return (await this.api.http.request({ method: 'GET', path: '/tags', schema: tagListSchema, signal })).data.data
  }

  /** `POST /tags` upserts by case-insensitive name, so replaying it is harmless. */
  async upsert(name: string, signal?: AbortSignal): Promise<IntercomTag> {
    const { data } = await this.api.http.request({
      method: 'POST',
      path: '/tags',
      body: { name },
      schema: intercomTagSchema,
      replaySafe: true,
      signal,
    })
    return data
  }
}
