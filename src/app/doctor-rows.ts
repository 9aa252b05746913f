import type { FetchLike } from '../http/types.js'
import type { LoadedConfig } from '../config/loader.js'
import type { RuntimeDeps } from './runtime.js'

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'info' | 'skip'

export interface CheckRow {
  id: string
  title: string
  status: CheckStatus
  detail: string
  hint?: string
  /** Set when `--fix` repaired what this row found. */
  fixed?: boolean
}

export interface DoctorResult {
  configFile: string | null
  checks: CheckRow[]
  failed: number
  warned: number
  fixesApplied: string[]
  /** Repairs that were available but not made (no --fix, or not confirmed). */
  fixesPending: string[]
}

export interface DoctorOptions {
  /** Loads the configuration; a ConfigError becomes the failed first row. */
  load: () => LoadedConfig
  listenerUrl?: string
  fix?: boolean
  /** Asked once with every repair about to be made; false leaves them undone. */
  confirmFix?: (fixes: string[]) => Promise<boolean>
  /** Per check, so one dead API cannot hang the command (default 10 s). */
  timeoutMs?: number
  deps?: RuntimeDeps
  fetch?: FetchLike
}

export interface Fix {
  rowId: string
  description: string
  apply: (signal: AbortSignal) => Promise<void>
}

export interface Outcome {
  rows: CheckRow[]
  fixes?: Fix[]
}

export const row = (id: string, title: string, status: CheckStatus, detail: string, hint?: string): CheckRow => ({
  id,
  title,
  status,
  detail,
  ...(hint ? { hint } : {}),
})

export const skipped = (id: string, title: string, because: string): Outcome => ({
  rows: [row(id, title, 'skip', `not checked: ${because}`)],
})

export const message = (error: unknown): string => (error instanceof Error ? error.message : String(error))
