import type { z } from 'zod'

import type { RateGate } from '../http/rate-gate.js'
import type { TransportOptions } from '../http/transport-options.js'
import {
  HttpClient,
  type HttpClientOptions,
  type HttpResult,
  type Query,
  type RequestOptions,
} from '../http/request.js'
import { type Clock, systemClock } from '../http/types.js'
import { AircallCalls } from './calls.js'
import { AircallContacts } from './contacts.js'
import { AircallDialer } from './dialer.js'
import { AIRCALL_ERRORS, aircallCredentialsError } from './errors.js'
import { AircallNumbers } from './numbers.js'
import { AIRCALL_POSITIONAL_CAP, aircallList } from './paging.js'
import { AIRCALL_RATE_HEADER_SETS, AircallRateGate } from './rate-gate.js'
import type { AircallRequester, AircallWarning } from './requester.js'
import { type AircallCompany, companyEnvelope, pingSchema } from './schemas.js'
import { AircallTags } from './tags.js'
import { AircallTeams } from './teams.js'
import { AircallUsers } from './users.js'
import { AircallWebhooks } from './webhooks.js'

// The client's options name it, so callers find it here with the client.
export type { AircallWarning } from './requester.js'

export const AIRCALL_BASE_URL = 'https://api.aircall.io'
const DAY_S = 86_400

export type AircallCredentials = { apiId: string; apiToken: string } | { accessToken: string }

export interface AircallClientOptions extends TransportOptions {
  credentials: AircallCredentials
  baseUrl?: string
  /** Calls older than this are not served by Aircall (default 180 days). */
  retentionDays?: number
  /** Headroom under the 10,000-item cap for calls that arrive between probing and paging (default 500). */
  windowMargin?: number
  /** The widest window tried first (default 7 days); windows adapt to density from there. */
  maxWindowSeconds?: number
  onWarning?: (warning: AircallWarning) => void
}

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined

/** The shared HTTP client, with Aircall's credential failures reported as such (see `aircallCredentialsError`). */
class AircallHttpClient extends HttpClient {
  constructor(
    options: HttpClientOptions,
    private readonly credentials: 'api-key' | 'access-token',
  ) {
    super(options)
  }

  override async request<S extends z.ZodType | undefined = undefined>(
    options: RequestOptions<S>,
  ): Promise<HttpResult<Infer<S>>> {
    try {
      return await super.request(options)
    } catch (error) {
      throw aircallCredentialsError(error, this.credentials)
    }
  }
}

/**
 * Aircall Public API client (Basic auth with api_id:api_token, or an OAuth bearer token): the request core. Each
 * resource module (`calls`, `contacts`…) sends through this client, so all of them share one rate gate, retry
 * policy and error dialect.
 */
export class AircallClient implements AircallRequester {
  readonly http: HttpClient
  readonly calls: AircallCalls
  readonly contacts: AircallContacts
  readonly users: AircallUsers
  readonly teams: AircallTeams
  readonly numbers: AircallNumbers
  readonly tags: AircallTags
  readonly dialer: AircallDialer
  readonly webhooks: AircallWebhooks
  private readonly onWarning: (warning: AircallWarning) => void

  constructor(options: AircallClientOptions) {
    const clock: Clock = options.clock ?? systemClock
    const gate =
      options.gate ??
      new AircallRateGate({
        perMinute: options.perMinute,
        concurrency: options.concurrency,
        clock,
        sleep: options.sleep,
      })
    const c = options.credentials
    const authorization =
      'accessToken' in c
        ? `Bearer ${c.accessToken}`
        : `Basic ${Buffer.from(`${c.apiId}:${c.apiToken}`).toString('base64')}`
    this.http = new AircallHttpClient(
      {
        service: 'aircall',
        baseUrl: options.baseUrl ?? AIRCALL_BASE_URL,
        headers: { authorization },
        gate,
        errors: AIRCALL_ERRORS,
        rateHeaders: AIRCALL_RATE_HEADER_SETS,
        transport: options.transport,
        fetch: options.fetch,
        clock,
        sleep: options.sleep,
        random: options.random,
        timeoutMs: options.timeoutMs,
        retry: options.retry,
        onEvent: options.onEvent,
      },
      'accessToken' in c ? 'access-token' : 'api-key',
    )
    this.onWarning = options.onWarning ?? (() => {})
    this.tags = new AircallTags(this)
    this.calls = new AircallCalls(this, this.tags, {
      clock,
      retentionDays: options.retentionDays ?? 180,
      windowLimit: AIRCALL_POSITIONAL_CAP - (options.windowMargin ?? 500),
      maxWindowSeconds: options.maxWindowSeconds ?? 7 * DAY_S,
      onWarning: this.onWarning,
    })
    this.contacts = new AircallContacts(this)
    this.users = new AircallUsers(this)
    this.teams = new AircallTeams(this)
    this.numbers = new AircallNumbers(this)
    this.dialer = new AircallDialer(this)
    this.webhooks = new AircallWebhooks(this)
  }

  get gate(): RateGate {
    return this.http.gate
  }

  // ping and company probe the connection itself (host, credentials, account), so they stay with the core.

  async ping(signal?: AbortSignal): Promise<boolean> {
    const { data } = await this.http.request({ method: 'GET', path: '/v1/ping', schema: pingSchema, signal })
    return data.ping === 'pong'
  }

  async company(signal?: AbortSignal): Promise<AircallCompany> {
    return (await this.http.request({ method: 'GET', path: '/v1/company', schema: companyEnvelope, signal })).data
      .company
  }

  /** Resources page through here so that a list cut short by the positional cap is reported through `onWarning`. */
  list<T extends z.ZodType>(
    path: string,
    key: string,
    item: T,
    query: Query,
    signal?: AbortSignal,
  ): AsyncGenerator<z.infer<T>> {
    return aircallList(this.http, {
      path,
      key,
      item,
      query,
      signal,
      onCapped: (meta) => this.onWarning({ type: 'pagination-cap', endpoint: `GET ${path}`, total: meta.total }),
    })
  }
}
