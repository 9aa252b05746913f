/**
 * Time compression for benchmarks: every process of a run (emulators and toolkit) reads the same dilated
 * clock, `t0 + (real − t0) × factor`, and sleeps `ms ÷ factor`. Per-minute budgets, 10-second windows and
 * lockouts all shrink together, so "120 requests/min" keeps its meaning while a minute lasts 60/factor s.
 */
export interface Dilation {
  /** Real UNIX ms at which dilated and real time coincide. */
  t0: number
  factor: number
}

export const dilatedClock =
  ({ t0, factor }: Dilation) =>
  (): number =>
    Math.floor(t0 + (Date.now() - t0) * factor)

export const dilatedSleep =
  ({ factor }: Dilation) =>
  (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error)
        return
      }
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        },
        Math.max(0, ms / factor),
      )
      const onAbort = (): void => {
        clearTimeout(timer)
        reject(signal?.reason as Error)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    })
