/**
 * Intercom REST client (Bearer token, pinned `Intercom-Version`, regional hosts).
 *
 * We keep a thin typed client of our own rather than the official `intercom-client` SDK: the SDK weighs
 * about 24 MB, is generated from API 2.14 (we target 2.16: 410 for merged contacts, `formatted_phone`
 * search) and its built-in retries replay any method, including creates, which would duplicate notes and
 * contacts. Here retries follow the method and the caller's `replaySafe`.
 */
import type { z } from 'zod'

import { paginate } from '../http/paginate.js'
import type { RateGate } from '../http/rate-gate.js'
import { HttpClient } from '../http/request.js'
import type { TransportOptions } from '../http/transport-options.js'
import { IntercomAdmins } from './admins.js'
import { IntercomContacts } from './contacts.js'
import { IntercomConversations } from './conversations.js'
import { IntercomDataAttributes } from './data-attributes.js'
import { INTERCOM_ERRORS } from './errors.js'
import { IntercomMessages } from './messages.js'
import type { SearchQuery } from './query.js'
import { IntercomRateGate } from './rate-gate.js'
import type { IntercomRequester, SearchOptions } from './requester.js'
import { type IntercomAdmin, intercomAdminSchema } from './schemas.js'
import { IntercomTags } from './tags.js'
import { IntercomTeams } from './teams.js'
import { IntercomTickets } from './tickets.js'

export type IntercomRegion = 'us' | 'eu' | 'au'

export const INTERCOM_BASE_URLS: Record<IntercomRegion, string> = {
  us: 'https://api.intercom.io',
  eu: 'https://api.eu.intercom.io',
  au: 'https://api.au.intercom.io',
}

export const INTERCOM_DEFAULT_VERSION = '2.16'

export interface IntercomClientOptions extends TransportOptions {
  accessToken: string
  region?: IntercomRegion
  /** Overrides the regional host (emulator, proxy). */
  baseUrl?: string
  version?: string
}

/**
 * The request core: each resource module (`contacts`, `tickets`…) sends through this client, so all of them share
 * one rate gate, retry policy and error dialect.
 */
export class IntercomClient implements IntercomRequester {
  readonly http: HttpClient
  readonly version: string
  readonly contacts: IntercomContacts
  readonly conversations: IntercomConversations
  readonly tickets: IntercomTickets
  readonly messages: IntercomMessages
  readonly dataAttributes: IntercomDataAttributes
  readonly admins: IntercomAdmins
  readonly teams: IntercomTeams
  readonly tags: IntercomTags

  constructor(options: IntercomClientOptions) {
    this.version = options.version ?? INTERCOM_DEFAULT_VERSION
    const gate =
      options.gate ??
      new IntercomRateGate({
        perMinute: options.perMinute,
        concurrency: options.concurrency,
        clock: options.clock,
        sleep: options.sleep,
      })
    this.http = new HttpClient({
      service: 'intercom',
      baseUrl: options.baseUrl ?? INTERCOM_BASE_URLS[options.region ?? 'us'],
      headers: { authorization: `Bearer ${options.accessToken}`, 'intercom-version': this.version },
      gate,
      errors: INTERCOM_ERRORS,
      transport: options.transport,
      fetch: options.fetch,
      clock: options.clock,
      sleep: options.sleep,
      random: options.random,
      timeoutMs: options.timeoutMs,
      retry: options.retry,
      onEvent: options.onEvent,
    })
    this.contacts = new IntercomContacts(this)
    this.conversations = new IntercomConversations(this)
    this.tickets = new IntercomTickets(this)
    this.messages = new IntercomMessages(this)
    this.dataAttributes = new IntercomDataAttributes(this)
    this.admins = new IntercomAdmins(this)
    this.teams = new IntercomTeams(this)
    this.tags = new IntercomTags(this)
  }

  get gate(): RateGate {
    return this.http.gate
  }

  /** The admin the token acts as: a probe of the connection itself (host, token, workspace), so it stays here. */
  async me(signal?: AbortSignal): Promise<IntercomAdmin> {
    return (await this.http.request({ method: 'GET', path: '/me', schema: intercomAdminSchema, signal })).data
  }

  /** Intercom's search paging: the cursor travels in the POST body, not the query string. */
  search<P extends z.ZodType, T>(
    path: string,
    query: SearchQuery,
    schema: P,
    items: (page: z.infer<P>) => T[],
    options: SearchOptions,
  ): AsyncGenerator<T> {
    return paginate<z.infer<P>, T, { startingAfter?: string }>({
      first: {},
      load: async (cursor) =>
        (
          await this.http.request({
            method: 'POST',
            path,
            body: {
              query,
              pagination: { per_page: options.perPage ?? 50, starting_after: cursor.startingAfter },
              sort: options.sort,
            },
            schema,
            // A search reads only, so replaying it after a failure is safe.
            replaySafe: true,
            signal: options.signal,
          })
        ).data as z.infer<P>,
      items,
      readAhead: options.readAhead ?? false,
      next: (page: z.infer<P>) => {
        const next = (page as { pages?: { next?: { starting_after?: string | null } | null } | null }).pages?.next
          ?.starting_after
        return next ? { startingAfter: next } : null
      },
    })
  }
}
