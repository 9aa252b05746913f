import type { IntercomRequester, WriteOptions } from './requester.js'
import { type IntercomAdminMessage, adminMessageSchema } from './schemas.js'

export class IntercomMessages {
  constructor(private readonly api: IntercomRequester) {}

  /**
   * An admin-initiated in-app message; with `createConversation` Intercom opens the conversation at once.
   * The recipient's `type` is the contact's role (the spec allows only `user` or `lead`): pass `contactRole`.
   */
  async sendInApp(
    input: {
      adminId: string
      contactId: string
      contactRole?: 'user' | 'lead'
      body: string
      createConversation?: boolean
    },
    options: WriteOptions = {},
  ): Promise<IntercomAdminMessage> {
    return this.send(
      {
        // The spec's enum says in_app, but its examples, the SDK and the API use "inapp".
        message_type: 'inapp',
        body: input.body,
        from: { type: 'admin', id: adminIdValue(input.adminId) },
        to: { type: input.contactRole ?? 'user', id: input.contactId },
        create_conversation_without_contact_reply: input.createConversation ?? true,
      },
      options,
    )
  }

  async sendEmail(
    input: {
      adminId: string
      contactId: string
      contactRole?: 'user' | 'lead'
      subject: string
      body: string
      template?: 'plain' | 'personal'
      createConversation?: boolean
    },
    options: WriteOptions = {},
  ): Promise<IntercomAdminMessage> {
    return this.send(
      {
        message_type: 'email',
        subject: input.subject,
        body: input.body,
        template: input.template ?? 'plain',
        from: { type: 'admin', id: adminIdValue(input.adminId) },
        to: { type: input.contactRole ?? 'user', id: input.contactId },
        create_conversation_without_contact_reply: input.createConversation ?? true,
      },
      options,
    )
  }

  private async send(body: Record<string, unknown>, options: WriteOptions): Promise<IntercomAdminMessage> {
    const { data } = await this.api.http.request({
      method: 'POST',
      path: '/messages',
      body,
      schema: adminMessageSchema,
      replaySafe: options.replaySafe ?? false,
      signal: options.signal,
    })
    return data
  }
}

/** `/messages` documents `from.id` as an integer; admin ids are numeric strings everywhere else. */
function adminIdValue(adminId: string): string | number {
  return /^\d+$/.test(adminId) && Number.isSafeInteger(Number(adminId)) ? Number(adminId) : adminId
}
