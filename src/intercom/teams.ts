import type { IntercomRequester } from './requester.js'
import { type IntercomTeam, intercomTeamSchema, teamListSchema } from './schemas.js'

export class IntercomTeams {
  constructor(private readonly api: IntercomRequester) {}

  async list(signal?: AbortSignal): Promise<IntercomTeam[]> {
    return (await this.api.http.request({ method: 'GET', path: '/teams', schema: teamListSchema, signal })).data.teams
  }

  async get(id: string, signal?: AbortSignal): Promise<IntercomTeam> {
    return (await this.api.http.request({ method: 'GET', path: `/teams/${id}`, schema: intercomTeamSchema, signal }))
      .data
  }
}
