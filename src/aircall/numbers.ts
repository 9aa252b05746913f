import type { AircallRequester } from './requester.js'
import { type AircallNumber, aircallNumberSchema } from './schemas.js'

export class AircallNumbers {
  constructor(private readonly api: AircallRequester) {}

  list(signal?: AbortSignal): AsyncGenerator<AircallNumber> {
    return this.api.list('/v1/numbers', 'numbers', aircallNumberSchema, {}, signal)
  }
}
