import type { AircallRequester } from './requester.js'
import { type AircallTeam, aircallTeamSchema } from './schemas.js'

export class AircallTeams {
  constructor(private readonly api: AircallRequester) {}

  list(signal?: AbortSignal): AsyncGenerator<AircallTeam> {
    return this.api.list('/v1/teams', 'teams', aircallTeamSchema, {}, signal)
  }
}
