import type { AircallRequester, WriteOptions } from './requester.js'
import { type AircallContact, aircallContactSchema, contactEnvelope } from './schemas.js'

export interface AircallContactInput {
  first_name?: string
  last_name?: string
  company_name?: string
  information?: string
  phone_numbers?: Array<{ label: string; value: string }>
  emails?: Array<{ label: string; value: string }>
}

export class AircallContacts {
  constructor(private readonly api: AircallRequester) {}

  search(params: { phoneNumber?: string; email?: string }, signal?: AbortSignal): AsyncGenerator<AircallContact> {
    return this.api.list(
      '/v1/contacts/search',
      'contacts',
      aircallContactSchema,
      { phone_number: params.phoneNumber, email: params.email },
      signal,
    )
  }

  list(signal?: AbortSignal): AsyncGenerator<AircallContact> {
    return this.api.list('/v1/contacts', 'contacts', aircallContactSchema, {}, signal)
  }

  async get(id: number, signal?: AbortSignal): Promise<AircallContact> {
    return (await this.api.http.request({ method: 'GET', path: `/v1/contacts/${id}`, schema: contactEnvelope, signal }))
      .data.contact
  }

  async create(input: AircallContactInput, options: WriteOptions = {}): Promise<AircallContact> {
    const { data } = await this.api.http.request({
      method: 'POST',
      path: '/v1/contacts',
      body: input,
      schema: contactEnvelope,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data.contact
  }

  /** Aircall's staff code updates with POST (PUT also routes); it overwrites fields, so a replay is harmless. */
  async update(id: number, input: AircallContactInput, options: WriteOptions = {}): Promise<AircallContact> {
    const { data } = await this.api.http.request({
      method: 'POST',
      path: `/v1/contacts/${id}`,
      body: input,
      schema: contactEnvelope,
      replaySafe: options.replaySafe ?? true,
      signal: options.signal,
    })
    return data.contact
  }
}
