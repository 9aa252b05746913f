const API_NAMES = { aircall: 'Aircall', intercom: 'Intercom' } as const

/** One line per API at most this often: a database that stays away would otherwise repeat it at every retry. */
const REPEAT_AFTER_MS = 5 * 60_000

/**
 * What a command says when the shared API budget in the PostgreSQL store stopped answering: the process goes on
 * under its own gate (the API's whole limit, unaware of the other processes), which the operator should know.
 */
export function sharedBudgetWarner(
  warn: (text: string) => void,
  now: () => number = Date.now,
): (api: 'aircall' | 'intercom', error: unknown) => void {
  const lastSaid = new Map<string, number>()
  return (api, error) => {
    const at = now()
    const said = lastSaid.get(api)
    if (said !== undefined && at - said < REPEAT_AFTER_MS) return
    lastSaid.set(api, at)
    const reason = error instanceof Error ? error.message : String(error)
    warn(
      `the shared ${API_NAMES[api]} budget in the PostgreSQL store is unavailable (${reason}): this process sends ` +
        `under its own ${api}.rateLimitPerMinute, unaware of the other processes, until it answers again`,
    )
  }
}
