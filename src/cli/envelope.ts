import { type DescribedError, EXIT, type ExitCode } from './exit-codes.js'

/** What `--json` prints on stdout: exactly one of these per command (streams print their own NDJSON lines). */
export type JsonEnvelope<T> =
  | { ok: boolean; exitCode: ExitCode; result: T; warnings: string[] }
  | { ok: false; exitCode: ExitCode; error: DescribedError; warnings: string[] }

/** A command that ran: `ok` only for exit 0, so a partial run (3) or an interrupted one (130) is not ok. */
export const resultEnvelope = <T>(result: T, exitCode: ExitCode, warnings: string[]): JsonEnvelope<T> => ({
  ok: exitCode === EXIT.ok,
  exitCode,
  result,
  warnings,
})

export const errorEnvelope = (error: DescribedError, warnings: string[]): JsonEnvelope<never> => ({
  ok: false,
  exitCode: error.exitCode,
  error,
  warnings,
})
