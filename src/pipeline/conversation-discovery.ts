import type { IntercomClient } from '../intercom/client.js'
import { conversationQuery } from '../intercom/query.js'
import type { StateStore } from '../store/state-store.js'
import { callMarker } from './call-content.js'
import { conversationStepKey, noteStepKey } from './call-logger.js'

const DAY_S = 86_400
/** Intercom's largest search page. */
const PAGE = 150
const MARKER_ID = new RegExp(`${callMarker('')}([0-9A-Za-z_-]+)`)

export interface DiscoveryDeps {
  store: Pick<StateStore, 'ledger' | 'transaction'>
  intercom: IntercomClient
  /** The conversation attribute holding the call id (`logging.callIdAttribute`). */
  callIdAttribute: string
}

export interface DiscoveryFigures {
  requests: number
  /** Conversations of calls the ledger did not know (another state file, another machine, a lost file). */
  adopted: number
}

/**
 * Intercom is the source of truth and the ledger its cache: before a run over a time range logs anything, the
 * conversations created in that range are read (150 per request) and every call's conversation the ledger does
 * not know is written into it, so a new or lost state file, another folder or another machine logs nothing twice.
 *
 * A conversation carrying the call-id attribute carries its note too (the attribute is written after the note);
 * one found only by the marker in its first message has its note checked by the call logger before writing.
 */
export class ConversationDiscovery {
  private readonly days = new Map<number, Promise<void>>()
  readonly figures: DiscoveryFigures = { requests: 0, adopted: 0 }

  constructor(private readonly deps: DiscoveryDeps) {}

  /**
   * Reads the conversations created on the day a call started, once per run and day; calls of one day in flight
   * together share the read. Called only on a ledger miss, so a rerun on a complete ledger makes no request.
   */
  coverCall(startedAt: number, signal?: AbortSignal): Promise<void> {
    const day = Math.floor(startedAt / DAY_S)
    let read = this.days.get(day)
    if (!read) {
      read = this.search(day, day, signal)
      // A failed read (an interrupted run, an outage) is tried again by the next call of that day.
      read.catch(() => this.days.delete(day))
      this.days.set(day, read)
    }
    return read
  }

  /**
   * Days are read with a day of margin on each side: Intercom ≤ 2.16 compares dates by calendar day in the
   * workspace's time zone (`>` meaning "from the next day on"), which this process does not know.
   */
  private async search(firstDay: number, lastDay: number, signal?: AbortSignal): Promise<void> {
    const query = conversationQuery.and(
      conversationQuery.gt('created_at', (firstDay - 1) * DAY_S - 1),
      conversationQuery.lt('created_at', (lastDay + 2) * DAY_S),
      conversationQuery.contains('source.body', callMarker('')),
    )
    let page: Array<{ callId: string; conversationId: string; contactId: string; attributed: boolean }> = []
    let read = 0
    for await (const conversation of this.deps.intercom.conversations.search(query, { perPage: PAGE, signal })) {
      if (read++ % PAGE === 0) this.figures.requests++
      const found = this.identify(conversation)
      if (found) page.push(found)
      if (page.length >= PAGE) {
        await this.adopt(page)
        page = []
      }
    }
    if (read === 0) this.figures.requests++
    await this.adopt(page)
  }

  private identify(
    conversation: unknown,
  ): { callId: string; conversationId: string; contactId: string; attributed: boolean } | null {
    const record = conversation as {
      id?: unknown
      custom_attributes?: Record<string, unknown> | null
      source?: { body?: unknown } | null
      contacts?: { contacts?: Array<{ id?: unknown }> } | null
    }
    const contactId = record.contacts?.contacts?.[0]?.id
    if (typeof record.id !== 'string' || typeof contactId !== 'string') return null
    const attribute = record.custom_attributes?.[this.deps.callIdAttribute]
    if (typeof attribute === 'string' && attribute !== '') {
      return { callId: attribute, conversationId: record.id, contactId, attributed: true }
    }
    const body = typeof record.source?.body === 'string' ? record.source.body : ''
    const callId = MARKER_ID.exec(body)?.[1]
    return callId ? { callId, conversationId: record.id, contactId, attributed: false } : null
  }

  /** Steps the ledger lacks become done; a pending step belongs to whoever claimed it and is left alone. */
  private async adopt(
    found: Array<{ callId: string; conversationId: string; contactId: string; attributed: boolean }>,
  ): Promise<void> {
    if (found.length === 0) return
    const { store } = this.deps
    await store.transaction(async (tx) => {
      for (const item of found) {
        const [conversation, note] = await tx.ledger.getMany([
          conversationStepKey(item.callId),
          noteStepKey(item.callId),
        ])
        if (conversation === undefined) {
          await tx.ledger.complete(conversationStepKey(item.callId), item.conversationId, {
            contactId: item.contactId,
            resolution: {
              status: 'matched',
              contactId: item.contactId,
              role: 'lead',
              e164: null,
              via: 'discovered',
              reason: `the call's conversation ${item.conversationId} was found in Intercom`,
              candidates: 1,
            },
            created: true,
            discovered: true,
          })
          this.figures.adopted++
        }
        if (note === undefined && item.attributed && (conversation === undefined || conversation.status === 'done')) {
          await tx.ledger.complete(noteStepKey(item.callId), null, {
            conversationId: item.conversationId,
            revision: null,
            discovered: true,
          })
        }
      }
    })
  }
}
