import { Args, Flags, type Interfaces } from '@oclif/core'
import { type Duration, parseDuration } from '../domain/duration.js'
import { UserError } from '../errors.js'

/**
 * A bad flag value, worded for the user. oclif rewrites the message of whatever a flag's `parse` throws into
 * "Parsing --flag \n\t…\nSee more help with --help"; this error keeps the sentence it was given.
 */
export class FlagValueError extends UserError {
  constructor(message: string, hint: string) {
    super(message, hint)
    Object.defineProperty(this, 'message', { get: () => message, set: () => undefined, configurable: true })
  }
}

export interface DurationFlagOptions {
  description: string
  helpValue?: string
  /** Where a bare number could mean anything (a purge of "7"), it is refused; elsewhere it counts in seconds. */
  bareNumber: 'seconds' | 'refused'
  /** What a value that is not a duration is told. */
  invalid: { message: (text: string) => string; hint: string }
}

/** How `events purge --older-than` and `events tail --since` have always refused a value. */
export const AGE_INVALID: DurationFlagOptions['invalid'] = {
  message: (text) => `"${text}" is not a duration`,
  hint: 'write a number and a unit: 45s, 30m, 12h, 7d or 2w',
}

/** A flag that takes a duration (45s, 30m, 12h, 7d, 2w, 500ms) and hands the command what it was and comes to. */
export function durationFlag(options: DurationFlagOptions & { default: string }): Interfaces.OptionFlag<Duration>
export function durationFlag(options: DurationFlagOptions): Interfaces.OptionFlag<Duration | undefined>
export function durationFlag(
  options: DurationFlagOptions & { default?: string },
): Interfaces.OptionFlag<Duration> | Interfaces.OptionFlag<Duration | undefined> {
  const read = (text: string): Duration => {
    const ms = parseDuration(text, options.bareNumber)
    if (ms === null) throw new FlagValueError(options.invalid.message(text), options.invalid.hint)
    return { text, ms }
  }
  const flag = Flags.custom<Duration>({
    description: options.description,
    ...(options.helpValue === undefined ? {} : { helpValue: options.helpValue }),
    parse: (input) => Promise.resolve(read(input)),
  })
  const fallback = options.default
  if (fallback === undefined) return flag()
  // The help and the manifest show the default as it is written, not the parsed object.
  return flag({ default: () => Promise.resolve(read(fallback)), defaultHelp: () => Promise.resolve(fallback) })
}

const readEventId = (input: string): Promise<number> => {
  if (!/^\d+$/.test(input)) {
    return Promise.reject(new UserError(`"${input}" is not an event id`, 'pass numeric ids from `events list`'))
  }
  return Promise.resolve(Number(input))
}

/** An event id as `events list` prints it. */
export const eventIdArg = Args.custom<number>({ parse: readEventId })
