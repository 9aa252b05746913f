import type { IntercomClient } from '../intercom/client.js'
import { conversationQuery } from '../intercom/query.js'
import type { IntercomContact } from '../intercom/schemas.js'
import type { InsightCardConversation } from '../rules/insight-card.js'

export interface ContactContext {
  id: string
  role: string
  name: string | null
  email: string | null
  phone: string | null
  companyName: string | null
  attributes: Record<string, unknown>
  tags: string[]
}

/**
 * Intercom facts the live rules read (a contact with its attributes and tag names, admins' emails, the
 * workspace id, open conversations), with the slow-changing directory cached for the life of the process.
 */
export class IntercomContext {
  private admins: Promise<Map<string, string | null>> | null = null
  private tags: Promise<Map<string, string>> | null = null
  private app: Promise<string | undefined> | null = null

  constructor(private readonly intercom: IntercomClient) {}

  async contact(id: string, signal?: AbortSignal): Promise<ContactContext> {
    const contact: IntercomContact = await this.intercom.contacts.getFollowingMerges(id, signal)
    const tagRefs = contact.tags ?? []
    const named = tagRefs.map((ref) => ref.name ?? null)
    const tagNames =
      named.every((name) => name !== null) || tagRefs.length === 0
        ? (named as string[])
        : await this.tagNames(tagRefs.flatMap((ref) => (ref.id === null || ref.id === undefined ? [] : [ref.id])))
    return {
      id: contact.id,
      role: contact.role,
      name: contact.name ?? null,
      email: contact.email ?? null,
      phone: contact.formatted_phone ?? contact.phone ?? null,
      companyName: contact.companies?.[0]?.name ?? null,
      attributes: contact.custom_attributes ?? {},
      tags: tagNames,
    }
  }

  async adminEmail(adminId: string, signal?: AbortSignal): Promise<string | null> {
    this.admins ??= this.intercom.admins
      .list(signal)
      .then((admins) => new Map(admins.map((admin) => [admin.id, admin.email?.trim().toLowerCase() ?? null])))
    this.admins.catch(() => (this.admins = null))
    return (await this.admins).get(adminId) ?? null
  }

  /** The workspace id (`app.id_code` of `/me`), used to build links; undefined when Intercom does not say. */
  async appId(signal?: AbortSignal): Promise<string | undefined> {
    this.app ??= this.intercom.me(signal).then((me) => me.app?.id_code ?? undefined)
    this.app.catch(() => (this.app = null))
    return this.app
  }

  async openConversations(contactId: string, signal?: AbortSignal): Promise<InsightCardConversation[]> {
    const query = conversationQuery.and(
      conversationQuery.eq('contact_ids', contactId),
      conversationQuery.eq('state', 'open'),
    )
    const found: InsightCardConversation[] = []
    for await (const conversation of this.intercom.conversations.search(query, { perPage: 20, signal })) {
      found.push({
        id: conversation.id,
        title: conversation.title ?? null,
        updatedAt: conversation.updated_at ?? conversation.created_at ?? 0,
      })
      if (found.length >= 20) break
    }
    return found
  }

  /** The contact's most recently updated open conversation, where a call without its own is noted. */
  async latestOpenConversation(contactId: string, signal?: AbortSignal): Promise<string | null> {
    const open = await this.openConversations(contactId, signal)
    const latest = open.reduce<InsightCardConversation | null>(
      (best, conversation) => (best === null || conversation.updatedAt > best.updatedAt ? conversation : best),
      null,
    )
    return latest?.id ?? null
  }

  /** Whether a conversation already holds a part whose body contains `needle` (reconciles a pending note). */
  async hasPartContaining(conversationId: string, needle: string, signal?: AbortSignal): Promise<boolean> {
    const conversation = await this.intercom.conversations.get(conversationId, signal)
    return (conversation.conversation_parts?.conversation_parts ?? []).some((part) => part.body?.includes(needle))
  }

  private async tagNames(ids: string[]): Promise<string[]> {
    this.tags ??= this.intercom.tags.list().then((tags) => new Map(tags.map((tag) => [tag.id, tag.name])))
    this.tags.catch(() => (this.tags = null))
    const names = await this.tags
    return ids.map((id) => names.get(id)).filter((name): name is string => name !== undefined)
  }
}
