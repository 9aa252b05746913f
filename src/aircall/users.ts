import { GoneError, NotFoundError } from '../http/errors.js'
import type { AircallRequester } from './requester.js'
import { type AircallUser, aircallUserSchema, userEnvelope } from './schemas.js'

export class AircallUsers {
  /** Remembered once v2 is known to be missing, so later reads go straight to v1. */
  private usersApi: 'v2' | 'v1' = 'v2'

  constructor(private readonly api: AircallRequester) {}

  /** Users from `/v2/users`; falls back to v1 (and remembers it) where v2 answers 404/410. */
  async *list(signal?: AbortSignal): AsyncGenerator<AircallUser> {
    if (this.usersApi === 'v2') {
      const v2 = this.api.list('/v2/users', 'users', aircallUserSchema, {}, signal)
      let first: IteratorResult<AircallUser> | undefined
      try {
        first = await v2.next()
      } catch (error) {
        if (!(error instanceof NotFoundError || error instanceof GoneError)) throw error
        this.usersApi = 'v1'
      }
      if (first) {
        if (!first.done) {
          yield first.value
          yield* v2
        }
        return
      }
    }
    yield* this.api.list('/v1/users', 'users', aircallUserSchema, {}, signal)
  }

  async get(id: number | string, signal?: AbortSignal): Promise<AircallUser> {
    if (this.usersApi === 'v2') {
      try {
        return (await this.api.http.request({ method: 'GET', path: `/v2/users/${id}`, schema: userEnvelope, signal }))
          .data.user
      } catch (error) {
        // A 404 here may just mean "no such user"; only switch to v1 when v1 knows the user.
        if (!(error instanceof NotFoundError || error instanceof GoneError)) throw error
        const user = (
          await this.api.http.request({ method: 'GET', path: `/v1/users/${id}`, schema: userEnvelope, signal })
        ).data.user
        this.usersApi = 'v1'
        return user
      }
    }
    return (await this.api.http.request({ method: 'GET', path: `/v1/users/${id}`, schema: userEnvelope, signal })).data
      .user
  }
}
