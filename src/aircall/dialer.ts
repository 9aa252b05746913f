import { NotFoundError, ValidationError } from '../http/errors.js'
import type { AircallRequester } from './requester.js'
import {
  type AircallDialerCampaign,
  type AircallDialerNumber,
  dialerCampaignEnvelope,
  dialerNumbersEnvelope,
} from './schemas.js'

export class AircallDialer {
  constructor(private readonly api: AircallRequester) {}

  async getCampaign(userId: number, signal?: AbortSignal): Promise<AircallDialerCampaign | null> {
    try {
      const { data } = await this.api.http.request({
        method: 'GET',
        path: `/v1/users/${userId}/dialer_campaign`,
        schema: dialerCampaignEnvelope,
        signal,
      })
      return data.dialer_campaign
    } catch (error) {
      if (error instanceof NotFoundError) return null
      throw error
    }
  }

  /** Makes sure the user has a campaign (a user has at most one) holding `phoneNumbers`. */
  async ensureCampaign(
    userId: number,
    phoneNumbers: string[],
    signal?: AbortSignal,
  ): Promise<{ created: boolean; added: string[]; alreadyImported: string[] }> {
    if ((await this.getCampaign(userId, signal)) === null) {
      try {
        await this.api.http.request({
          method: 'POST',
          path: `/v1/users/${userId}/dialer_campaign`,
          body: { phone_numbers: phoneNumbers },
          signal,
        })
        return { created: true, added: phoneNumbers, alreadyImported: [] }
      } catch (error) {
        // A 422 here means a campaign appeared meanwhile; anything else is real.
        if (!(error instanceof ValidationError) || (await this.getCampaign(userId, signal)) === null) throw error
      }
    }
    return { created: false, ...(await this.addNumbers(userId, phoneNumbers, signal)) }
  }

  async listNumbers(userId: number, signal?: AbortSignal): Promise<AircallDialerNumber[]> {
    const { data } = await this.api.http.request({
      method: 'GET',
      path: `/v1/users/${userId}/dialer_campaign/phone_numbers`,
      schema: dialerNumbersEnvelope,
      signal,
    })
    return data.numbers
  }

  /**
   * Queues numbers on the user's campaign. Aircall answers 422 ("already imported") when a number is queued
   * already; instead of reading that message we check the campaign's list, so the 422 counts as success exactly
   * when every number is there, and numbers of the batch that are not are sent again on their own.
   */
  async addNumbers(
    userId: number,
    phoneNumbers: string[],
    signal?: AbortSignal,
  ): Promise<{ added: string[]; alreadyImported: string[] }> {
    if (phoneNumbers.length === 0) return { added: [], alreadyImported: [] }
    const post = (numbers: string[]) =>
      this.api.http.request({
        method: 'POST',
        path: `/v1/users/${userId}/dialer_campaign/phone_numbers`,
        body: { phone_numbers: numbers },
        // Queuing a number twice is refused with 422, never duplicated.
        replaySafe: true,
        signal,
      })
    try {
      await post(phoneNumbers)
      return { added: phoneNumbers, alreadyImported: [] }
    } catch (error) {
      if (!(error instanceof ValidationError && error.status === 422)) throw error
      const queued = new Set((await this.listNumbers(userId, signal)).map((n) => digitsOf(n.number)))
      const missing = phoneNumbers.filter((n) => !queued.has(digitsOf(n)))
      if (missing.length === phoneNumbers.length) throw error
      if (missing.length > 0) await post(missing)
      return { added: missing, alreadyImported: phoneNumbers.filter((n) => queued.has(digitsOf(n))) }
    }
  }

  async removeNumber(userId: number, numberId: number, signal?: AbortSignal): Promise<void> {
    await this.api.http.request({
      method: 'DELETE',
      path: `/v1/users/${userId}/dialer_campaign/phone_numbers/${numberId}`,
      signal,
    })
  }
}

function digitsOf(phone: string): string {
  return phone.replace(/\D/g, '')
}
