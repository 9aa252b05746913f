import type { ConversationField, SearchQuery } from './query.js'
import type { IntercomRequester, SearchOptions, WriteOptions } from './requester.js'
import {
  type IntercomConversation,
  type IntercomTag,
  type IntercomUserMessage,
  conversationSearchPageSchema,
  intercomConversationSchema,
  intercomTagSchema,
  userMessageSchema,
} from './schemas.js'

export class IntercomConversations {
  constructor(private readonly api: IntercomRequester) {}

  /** A conversation started by the contact (`POST /conversations`); the body is plain text. */
  async create(
    input: { contactId: string; body: string; createdAt?: number; fromType?: 'user' | 'lead' | 'contact' },
    options: WriteOptions = {},
  ): Promise<IntercomUserMessage> {
    const { data } = await this.api.http.request({
      method: 'POST',
      path: '/conversations',
      body: {
        from: { type: input.fromType ?? 'contact', id: input.contactId },
        body: input.body,
        created_at: input.createdAt,
      },
      schema: userMessageSchema,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data
  }

  async get(id: string, signal?: AbortSignal): Promise<IntercomConversation> {
    return (
      await this.api.http.request({
        method: 'GET',
        path: `/conversations/${id}`,
        schema: intercomConversationSchema,
        signal,
      })
    ).data
  }

  search(query: SearchQuery<ConversationField>, options: SearchOptions = {}): AsyncGenerator<IntercomConversation> {
    return this.api.search(
      '/conversations/search',
      query,
      conversationSearchPageSchema,
      (p) => p.conversations,
      options,
    )
  }

  /** An internal note on the conversation (never visible to the customer). */
  async addNote(
    conversationId: string,
    input: { adminId: string; body: string },
    options: WriteOptions = {},
  ): Promise<IntercomConversation> {
    return this.action(
      `/conversations/${conversationId}/reply`,
      { message_type: 'note', type: 'admin', admin_id: input.adminId, body: input.body },
      options,
    )
  }

  /**
   * A comment written as the contact (`type: user`), as if they had sent it through the Messenger: it reaches no
   * one outside the workspace. The body is text (HTML is not documented for contact replies).
   */
  async replyAsContact(
    conversationId: string,
    input: { contactId: string; body: string },
    options: WriteOptions = {},
  ): Promise<IntercomConversation> {
    return this.action(
      `/conversations/${conversationId}/reply`,
      { message_type: 'comment', type: 'user', intercom_user_id: input.contactId, body: input.body },
      options,
    )
  }

  async close(
    conversationId: string,
    input: { adminId: string; body?: string },
    options: WriteOptions = {},
  ): Promise<IntercomConversation> {
    return this.action(
      `/conversations/${conversationId}/parts`,
      { message_type: 'close', type: 'admin', admin_id: input.adminId, body: input.body },
      options,
    )
  }

  async open(
    conversationId: string,
    input: { adminId: string },
    options: WriteOptions = {},
  ): Promise<IntercomConversation> {
    return this.action(
      `/conversations/${conversationId}/parts`,
      { message_type: 'open', admin_id: input.adminId },
      options,
    )
  }

  /** Assigns to an admin or a team; `assigneeId: "0"` unassigns. */
  async assign(
    conversationId: string,
    input: { adminId: string; assigneeId: string; type?: 'admin' | 'team'; body?: string },
    options: WriteOptions = {},
  ): Promise<IntercomConversation> {
    return this.action(
      `/conversations/${conversationId}/parts`,
      {
        message_type: 'assignment',
        type: input.type ?? 'admin',
        admin_id: input.adminId,
        assignee_id: input.assigneeId,
        body: input.body,
      },
      options,
    )
  }

  /**
   * Custom attributes must exist as conversation attributes first (unknown names give 400). The answer (the
   * whole conversation, every part included) is not read: no caller needs it, and validating it cost more
   * than the rest of the request.
   */
  async update(
    conversationId: string,
    input: { customAttributes?: Record<string, string | number | boolean | null>; title?: string; read?: boolean },
    signal?: AbortSignal,
  ): Promise<void> {
    await this.api.http.request({
      method: 'PUT',
      path: `/conversations/${conversationId}`,
      body: { custom_attributes: input.customAttributes, title: input.title, read: input.read },
      signal,
    })
  }

  async tag(
    conversationId: string,
    input: { tagId: string; adminId: string },
    options: WriteOptions = {},
  ): Promise<IntercomTag> {
    const { data } = await this.api.http.request({
      method: 'POST',
      path: `/conversations/${conversationId}/tags`,
      body: { id: input.tagId, admin_id: input.adminId },
      schema: intercomTagSchema,
      replaySafe: options.replaySafe ?? true,
      signal: options.signal,
    })
    return data
  }

  private async action(
    path: string,
    body: Record<string, unknown>,
    options: WriteOptions,
  ): Promise<IntercomConversation> {
    const { data } = await this.api.http.request({
      method: 'POST',
      path,
      body,
      schema: intercomConversationSchema,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data
  }
}
