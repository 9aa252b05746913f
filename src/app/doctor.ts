import { ConfigError, formatProblem, type LoadedConfig } from '../config/loader.js'
import type { FetchLike } from '../http/types.js'
import { checkAircall, checkAircallAi, checkAircallTags, checkAircallWebhook } from './doctor-aircall.js'
import { environmentRows } from './doctor-environment.js'
import { checkAdmin, checkAttributes, checkIntercom, checkIntercomTags, intercomTopicsRow } from './doctor-intercom.js'
import {
  message,
  row,
  skipped,
  type CheckRow,
  type DoctorOptions,
  type DoctorResult,
  type Outcome,
} from './doctor-rows.js'
import { checkTemplateRows } from './doctor-templates.js'
import { checkTicketType } from './doctor-tickets.js'
import { runningProcesses, type RunningProcess } from './lock-holders.js'
import { Runtime } from './runtime.js'
import { listenerUrls } from './webhooks.js'

export type { CheckRow, CheckStatus, DoctorOptions, DoctorResult } from './doctor-rows.js'

class CheckTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms / 1000} s`)
    this.name = 'CheckTimeoutError'
  }
}

const withTimeout = async <T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> => {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort()
      reject(new CheckTimeoutError(ms))
    }, ms)
  })
  try {
    return await Promise.race([work(controller.signal), expired])
  } finally {
    clearTimeout(timer)
  }
}

export const runDoctor = async (options: DoctorOptions): Promise<DoctorResult> => {
  let loaded: LoadedConfig
  try {
    loaded = options.load()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    const detail = error.problems.map(formatProblem).join('; ')
    return summarise(
      null,
      [row('config', 'configuration', 'fail', detail, 'fix the file, then run `config validate`')],
      [],
      [],
    )
  }
  const runtime = new Runtime(loaded, options.deps)
  const timeoutMs = options.timeoutMs ?? 10_000
  const guarded = async (
    id: string,
    title: string,
    check: (signal: AbortSignal) => Promise<Outcome>,
  ): Promise<Outcome> => {
    try {
      return await withTimeout(timeoutMs, check)
    } catch (error) {
      return {
        rows: [row(id, title, 'fail', message(error), 'check the network and the API URL, then run doctor again')],
      }
    }
  }
  try {
    const { config } = loaded
    const configRow = loaded.file
      ? row('config', 'configuration', 'pass', `${loaded.file} is valid`)
      : row(
          'config',
          'configuration',
          'warn',
          `no file at ${loaded.expectedFile}: defaults and environment`,
          'run `init`',
        )

    const [aircall, intercom] = await Promise.all([
      guarded('aircall-credentials', 'Aircall credentials', (signal) => checkAircall(runtime, signal)),
      guarded('intercom-credentials', 'Intercom credentials', (signal) => checkIntercom(runtime, signal)),
    ])
    const aircallOk = aircall.rows.every((item) => item.status === 'pass')
    const intercomOk = intercom.rows.every((item) => item.status === 'pass')
    const needsAircall = (id: string, title: string, check: (signal: AbortSignal) => Promise<Outcome>) =>
      aircallOk ? guarded(id, title, check) : Promise.resolve(skipped(id, title, 'the Aircall credentials failed'))
    const needsIntercom = (id: string, title: string, check: (signal: AbortSignal) => Promise<Outcome>) =>
      intercomOk ? guarded(id, title, check) : Promise.resolve(skipped(id, title, 'the Intercom credentials failed'))
    const listenerUrl = options.listenerUrl ?? config.listener.publicUrl

    const outcomes: Outcome[] = await Promise.all([
      Promise.resolve({ rows: [configRow, ...environmentRows(loaded)] }),
      Promise.resolve(aircall),
      Promise.resolve(intercom),
      needsIntercom('admin', 'Intercom admin', (signal) => checkAdmin(runtime, signal)),
      needsIntercom('data-attributes', 'data attributes', (signal) => checkAttributes(runtime, signal)),
      needsAircall('aircall-tags', 'Aircall tags', (signal) => checkAircallTags(runtime, signal)),
      config.insights.enabled
        ? needsAircall('aircall-ai', 'Aircall AI', (signal) => checkAircallAi(runtime, signal))
        : Promise.resolve({ rows: [] }),
      config.escalation.enabled && config.escalation.tags.length > 0
        ? needsIntercom('intercom-tags', 'Intercom tags', (signal) => checkIntercomTags(runtime, signal))
        : Promise.resolve({ rows: [] }),
      config.tickets.typeId !== undefined
        ? needsIntercom('ticket-type', 'Intercom ticket type', (signal) => checkTicketType(runtime, signal))
        : Promise.resolve({ rows: [] }),
      Promise.resolve({ rows: checkTemplateRows(config) }),
      guarded('store', 'state store', () => checkStore(runtime)),
      listenerUrl
        ? guarded('listener', 'listener', (signal) => checkListener(listenerUrl, options.fetch ?? fetch, signal))
        : Promise.resolve({
            rows: [row('listener', 'listener', 'info', 'not checked', 'pass --listener-url URL to check it answers')],
          }),
      needsAircall('aircall-webhook', 'Aircall webhook', (signal) => checkAircallWebhook(runtime, listenerUrl, signal)),
      Promise.resolve({ rows: [intercomTopicsRow(config, listenerUrl)] }),
    ])
    const rows = outcomes.flatMap((outcome) => outcome.rows)
    const fixes = outcomes.flatMap((outcome) => outcome.fixes ?? [])
    const applied: string[] = []
    let pending = fixes
    if (
      fixes.length > 0 &&
      options.fix &&
      (await (options.confirmFix ?? (() => Promise.resolve(false)))(fixes.map((fix) => fix.description)))
    ) {
      pending = []
      for (const fix of fixes) {
        const target = rows.find((item) => item.id === fix.rowId)
        try {
          await withTimeout(timeoutMs, fix.apply)
          applied.push(fix.description)
          if (target)
            Object.assign(target, {
              status: 'pass',
              detail: `${target.detail} → fixed: ${fix.description}`,
              fixed: true,
              hint: undefined,
            })
        } catch (error) {
          pending.push(fix)
          if (target) target.detail = `${target.detail}; the fix failed: ${message(error)}`
        }
      }
    }
    return summarise(
      loaded.file,
      rows,
      applied,
      pending.map((fix) => fix.description),
    )
  } finally {
    await runtime.close()
  }
}

const summarise = (file: string | null, checks: CheckRow[], applied: string[], pending: string[]): DoctorResult => ({
  configFile: file,
  checks: checks.map((item) => (item.hint === undefined ? (({ hint: _hint, ...rest }) => rest)(item) : item)),
  failed: checks.filter((item) => item.status === 'fail').length,
  warned: checks.filter((item) => item.status === 'warn').length,
  fixesApplied: applied,
  fixesPending: pending,
})

const PROBE = 'doctor:probe'

const checkStore = async (runtime: Runtime): Promise<Outcome> => {
  const { store } = runtime
  await store.checkpoints.set(PROBE, { at: runtime.now() })
  const written = (await store.checkpoints.get(PROBE)) !== undefined
  await store.checkpoints.deleteByPrefix(PROBE)
  if (!written) throw new Error('a probe row written to the store could not be read back')
  const writable = row('store', 'state store', 'pass', `${runtime.loaded.statePath} is writable`)
  const working = await processesRow(runtime)
  if (runtime.stateLocation.kind === 'sqlite') return { rows: [writable, working] }
  return { rows: [writable, await checkMigrations(runtime), await checkClockSkew(runtime), working] }
}

/** Who works on the store now, from their locks: every listener (each replica on PostgreSQL) and a sync. */
const processesRow = async (runtime: Runtime): Promise<CheckRow> => {
  const running = await runningProcesses(runtime.store, runtime.now())
  const who = (process: RunningProcess): string => `pid ${process.pid ?? '?'} on ${process.host ?? '?'}`
  const listeners = running.filter((process) => process.command === 'listen')
  const syncs = running.filter((process) => process.command === 'sync')
  const parts = [
    listeners.length === 0
      ? 'no listener running'
      : `${listeners.length} listener(s) running (${listeners.map(who).join(', ')})`,
    syncs.length === 0 ? 'no sync running' : `a sync running (${syncs.map(who).join(', ')})`,
    ...running
      .filter((process) => process.command === 'events replay')
      .map((process) => `events replay --process running (${who(process)})`),
  ]
  return row('store:processes', 'working on the store', 'info', parts.join('; '))
}

/** Beyond this, leases and locks one host takes look expired (or far from it) to another. */
const CLOCK_SKEW_WARN_MS = 2_000

const checkMigrations = async (runtime: Runtime): Promise<CheckRow> => {
  const { store } = runtime
  const { current, latest } = await store.schemaVersions()
  const problems = await store.integrityProblems()
  if (problems.length > 0) {
    return row(
      'store',
      'store schema',
      'fail',
      problems.join('; '),
      'restore the schema from a backup, or point store.url at another schema',
    )
  }
  return row('store', 'store schema', 'pass', `version ${current} of ${latest}, every table in place`)
}

const checkClockSkew = async (runtime: Runtime): Promise<CheckRow> => {
  const before = runtime.now()
  const server = await runtime.store.serverTime()
  const after = runtime.now()
  if (server === null) return row('store', 'clock skew', 'pass', 'the store is on this host')
  // The server read its clock somewhere inside the round trip: the middle of it is the fair comparison.
  const skew = Math.round(server - (before + after) / 2)
  const detail = `this host's clock is ${Math.abs(skew)} ms ${skew > 0 ? 'behind' : 'ahead of'} the database server's`
  return Math.abs(skew) > CLOCK_SKEW_WARN_MS
    ? row(
        'store',
        'clock skew',
        'warn',
        detail,
        "run NTP (chrony, systemd-timesyncd) on every host: leases and locks are judged by each host's clock",
      )
    : row('store', 'clock skew', 'pass', detail)
}

const checkListener = async (url: string, fetchImpl: FetchLike, signal: AbortSignal): Promise<Outcome> => {
  const { base } = listenerUrls(url)
  const hint = 'start `aircall-intercom listen` and make sure this URL reaches it'
  try {
    const response = await fetchImpl(`${base}/healthz`, { method: 'GET', signal })
    if (response.ok)
      return { rows: [row('listener', 'listener', 'pass', `${base}/healthz answered ${response.status}`)] }
    return { rows: [row('listener', 'listener', 'fail', `${base}/healthz answered ${response.status}`, hint)] }
  } catch (error) {
    if (signal.aborted) throw error
    return { rows: [row('listener', 'listener', 'fail', `${base}/healthz did not answer: ${message(error)}`, hint)] }
  }
}
