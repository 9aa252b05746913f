import type { IntercomRequester } from './requester.js'
import { type IntercomAdmin, adminListSchema } from './schemas.js'

export class IntercomAdmins {
  constructor(private readonly api: IntercomRequester) {}

  async list(signal?: AbortSignal): Promise<IntercomAdmin[]> {
    return (await this.api.http.request({ method: 'GET', path: '/admins', schema: adminListSchema, signal })).data
      .admins
  }
}
