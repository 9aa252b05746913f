import { AircallClient } from '../aircall/client.js'
import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'

export interface SandboxInfo {
  aircall: { url: string; apiId: string; apiToken: string; webhookToken: string }
  intercom: { url: string; accessToken: string; clientSecret: string; adminId: string }
  seeded: { calls: number; aircallContacts: number; intercomContacts: number; days: number; seed: number }
  /** Webhooks pointed at a listener, when --listener was given. */
  listener: { url: string; aircallWebhookId: string; intercomSubscriptionId: string } | null
  env: Record<string, string>
}

export interface SandboxSession {
  info: SandboxInfo
  handle: SandboxHandle
  close(): Promise<void>
}

export interface SandboxSessionOptions {
  calls: number
  seed: number
  days: number
  aircallPort: number
  intercomPort: number
  /** Base URL of a running `listen`: both emulators deliver their webhooks there. */
  listenerUrl?: string
  /** Compressed call.hungup → call.ended delay, so live rules can be watched without waiting 30 s. */
  endedDelayMs?: number
}

const INTERCOM_TOPICS = [
  'conversation.admin.assigned',
  'conversation.admin.open.assigned',
  'conversation.priority.updated',
  'conversation_part.tag.created',
  'conversation.admin.noted',
  'conversation.admin.closed',
  'contact.user.updated',
  'contact.lead.updated',
]

/** Starts both emulators seeded from one world and returns what a user needs to point other commands at them. */
export const startSandboxSession = async (options: SandboxSessionOptions): Promise<SandboxSession> => {
  const handle = await startSandbox({
    calls: options.calls,
    seed: options.seed,
    days: options.days,
    aircallPort: options.aircallPort,
    intercomPort: options.intercomPort,
    aircall: options.endedDelayMs === undefined ? {} : { endedDelayMs: options.endedDelayMs },
  })
  try {
    let listener: SandboxInfo['listener'] = null
    if (options.listenerUrl) {
      const base = options.listenerUrl.replace(/\/+$/, '')
      const aircall = new AircallClient({
        credentials: { apiId: handle.aircall.apiId, apiToken: handle.aircall.apiToken },
        baseUrl: handle.aircall.url,
        perMinute: 120,
      })
      const webhook = await aircall.webhooks.create({ url: `${base}/aircall`, events: [] })
      const subscription = await handle.intercomEmulator.subscribe(`${base}/intercom`, INTERCOM_TOPICS, {
        verify: false,
      })
      listener = { url: base, aircallWebhookId: webhook.webhook_id, intercomSubscriptionId: subscription.id }
      handle.aircall.webhookToken = webhook.token ?? handle.aircall.webhookToken
    }
    const { world } = handle
    const info: SandboxInfo = {
      aircall: { ...handle.aircall },
      intercom: { ...handle.intercom },
      seeded: {
        calls: world.aircall.calls.length,
        aircallContacts: world.aircall.contacts.length,
        intercomContacts: world.intercom.contacts.length,
        days: options.days,
        seed: options.seed,
      },
      listener,
      env: {
        AIRCALL_API_URL: handle.aircall.url,
        AIRCALL_API_ID: handle.aircall.apiId,
        AIRCALL_API_TOKEN: handle.aircall.apiToken,
        AIRCALL_WEBHOOK_TOKEN: handle.aircall.webhookToken,
        INTERCOM_API_URL: handle.intercom.url,
        INTERCOM_ACCESS_TOKEN: handle.intercom.accessToken,
        INTERCOM_CLIENT_SECRET: handle.intercom.clientSecret,
        INTERCOM_ADMIN_ID: handle.intercom.adminId,
      },
    }
    return { info, handle, close: () => handle.close() }
  } catch (error) {
    await handle.close()
    throw error
  }
}
