/** What a listener did so far: `listen` prints it at the end, the console shows it live. */
export interface ListenSummary {
  url: string
  accepted: number
  duplicates: number
  rejected: number
  processed: number
  retried: number
  deadLettered: number
  /** `rule:status[:detail]` → count, e.g. `missed-call:skipped:anonymous`. */
  outcomes: Record<string, number>
}
