import type { IntercomRequester, WriteOptions } from './requester.js'
import { type IntercomDataAttribute, dataAttributeListSchema, intercomDataAttributeSchema } from './schemas.js'

type DataType = 'string' | 'integer' | 'float' | 'boolean' | 'datetime' | 'date'

export class IntercomDataAttributes {
  constructor(private readonly api: IntercomRequester) {}

  async list(
    model: 'contact' | 'company' = 'contact',
    options: { includeArchived?: boolean; signal?: AbortSignal } = {},
  ): Promise<IntercomDataAttribute[]> {
    const { data } = await this.api.http.request({
      method: 'GET',
      path: '/data_attributes',
      query: { model, include_archived: options.includeArchived },
      schema: dataAttributeListSchema,
      signal: options.signal,
    })
    return data.data
  }

  async create(
    input: { name: string; model: 'contact' | 'company'; dataType: DataType; description?: string },
    options: WriteOptions = {},
  ): Promise<IntercomDataAttribute> {
    const { data } = await this.api.http.request({
      method: 'POST',
      path: '/data_attributes',
      body: { name: input.name, model: input.model, data_type: input.dataType, description: input.description },
      schema: intercomDataAttributeSchema,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data
  }
}
