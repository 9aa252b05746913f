import { AircallClient, type AircallWarning } from '../aircall/client.js'
import { intercomBaseUrl, type LoadedConfig } from '../config/loader.js'
import type { AppConfig } from '../config/schema.js'
import { UserError } from '../errors.js'
import type { HttpEvent } from '../http/types.js'
import { IntercomClient } from '../intercom/client.js'
import { openStateStore } from '../store/sqlite-store.js'
import type { StateStore } from '../store/state-store.js'

export interface RuntimeDeps {
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  fetch?: (input: string, init: RequestInit) => Promise<Response>
  onHttpEvent?: (event: HttpEvent) => void
  onAircallWarning?: (warning: AircallWarning) => void
}

/**
 * Everything a service needs, built once per command from the loaded configuration: the clients
 * (with one shared rate gate each, so concurrent work in this process stays within the limits) and
 * the state store. Services receive this; commands never touch clients or the store directly.
 */
export class Runtime {
  private storeInstance: StateStore | null = null
  private aircallInstance: AircallClient | null = null
  private intercomInstance: IntercomClient | null = null
  readonly now: () => number

  constructor(
    readonly loaded: LoadedConfig,
    readonly deps: RuntimeDeps = {},
  ) {
    this.now = deps.now ?? Date.now
  }

  get config(): AppConfig {
    return this.loaded.config
  }

  get store(): StateStore {
    this.storeInstance ??= openStateStore(this.loaded.statePath, { now: this.now })
    return this.storeInstance
  }

  get aircall(): AircallClient {
    if (!this.aircallInstance) {
      const { aircall } = this.config
      if (!aircall.apiId || !aircall.apiToken) {
        throw new UserError(
          'Aircall credentials are not set',
          'export AIRCALL_API_ID and AIRCALL_API_TOKEN (Aircall dashboard › Integrations › API keys), or run `aircall-intercom sandbox` and use the env lines it prints',
        )
      }
      this.aircallInstance = new AircallClient({
        credentials: { apiId: aircall.apiId, apiToken: aircall.apiToken },
        baseUrl: aircall.apiUrl.replace(/\/+$/, ''),
        perMinute: aircall.rateLimitPerMinute,
        concurrency: aircall.concurrency,
        timeoutMs: aircall.timeoutMs,
        retentionDays: aircall.retentionDays,
        fetch: this.deps.fetch,
        clock: { now: this.now },
        sleep: this.deps.sleep,
        onEvent: this.deps.onHttpEvent,
        onWarning: this.deps.onAircallWarning,
      })
    }
    return this.aircallInstance
  }

  get intercom(): IntercomClient {
    if (!this.intercomInstance) {
      const { intercom } = this.config
      if (!intercom.accessToken) {
        throw new UserError(
          'the Intercom access token is not set',
          'export INTERCOM_ACCESS_TOKEN (Developer Hub › your app › Authentication), or run `aircall-intercom sandbox` and use the env lines it prints',
        )
      }
      this.intercomInstance = new IntercomClient({
        accessToken: intercom.accessToken,
        baseUrl: intercomBaseUrl(this.config),
        version: intercom.apiVersion,
        perMinute: intercom.rateLimitPerMinute,
        concurrency: intercom.concurrency,
        timeoutMs: intercom.timeoutMs,
        fetch: this.deps.fetch,
        clock: { now: this.now },
        sleep: this.deps.sleep,
        onEvent: this.deps.onHttpEvent,
      })
    }
    return this.intercomInstance
  }

  /** The admin our notes, replies and assignments are written as; required for every conversation write. */
  get adminId(): string {
    const adminId = this.config.intercom.adminId
    if (!adminId) {
      throw new UserError(
        'the Intercom admin id is not set',
        'export INTERCOM_ADMIN_ID or set intercom.adminId (run `aircall-intercom doctor` to list admins)',
      )
    }
    return adminId
  }

  /** Requests made so far per API, for summaries. */
  requestStats(): {
    aircall: ReturnType<AircallClient['gate']['stats']> | null
    intercom: ReturnType<IntercomClient['gate']['stats']> | null
  } {
    return {
      aircall: this.aircallInstance ? this.aircallInstance.gate.stats() : null,
      intercom: this.intercomInstance ? this.intercomInstance.gate.stats() : null,
    }
  }

  close(): void {
    this.storeInstance?.close()
    this.storeInstance = null
  }
}
