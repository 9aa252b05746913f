import { getPriority, setPriority } from 'node:os'

/**
 * How much lower than the intake the worker's (main) thread runs. Under CPU contention the scheduler then
 * favours acknowledging webhooks, which has a deadline, over running the rules, which only delays effects
 * and whose pace is bounded by the APIs' rate limits anyway.
 */
export const WORKER_NICE_INCREMENT = 10

/**
 * Lowers the calling thread's scheduling priority and returns how to undo it (best effort: an unprivileged
 * process may not raise it back). Only on Linux, where a nice value belongs to one thread: elsewhere it would
 * apply to the whole process, the intake thread included, and help nothing.
 */
export const lowerThisThreadPriority = (increment: number): (() => void) => {
  if (process.platform !== 'linux' || increment <= 0) return () => undefined
  let before: number
  try {
    before = getPriority()
    setPriority(Math.min(19, before + increment))
  } catch {
    // Not permitted here (e.g. a restricted container): the listener works the same, with no preference.
    return () => undefined
  }
  return () => {
    try {
      setPriority(before)
    } catch {
      // Raising a priority back needs privileges the process may not have; it is about to exit in practice.
    }
  }
}
