import type { ControlHandler, ControlRequest, ControlResponse } from '../listener/control.js'
import type { StateStore } from '../store/state-store.js'
import type { ListenMetrics } from './listen-metrics.js'

/** What `/readyz` answers: ready only when every check passes. */
export interface Readiness {
  ready: boolean
  /** A SIGTERM arrived: the listener finishes what it holds and stops, so no new traffic should come. */
  draining: boolean
  store: { ok: boolean; schema: number | null; latest: number | null; error?: string }
  worker: { ok: boolean }
}

export const readinessOf = async (
  store: Pick<StateStore, 'schemaVersions'>,
  state: { workerRunning: boolean; draining: boolean },
): Promise<Readiness> => {
  let check: Readiness['store']
  try {
    const { current, latest } = await store.schemaVersions()
    check = { ok: current === latest, schema: current, latest }
  } catch (error) {
    check = { ok: false, schema: null, latest: null, error: error instanceof Error ? error.message : String(error) }
  }
  const worker = { ok: state.workerRunning }
  return { ready: check.ok && worker.ok && !state.draining, draining: state.draining, store: check, worker }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): ControlResponse => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
})

export const NOT_FOUND: ControlResponse = json(404, { error: 'not found' })

export interface ControlPlaneDeps {
  readiness: () => Promise<Readiness>
  /** Null when listener.metrics is off: /metrics is then 404 like an unknown path. */
  metrics: ListenMetrics | null
  /** Null when the console is off on this interface. */
  console: ControlHandler | null
}

/** The listener's control paths, answered on the main thread (see src/listener/control.ts). */
export const controlPlane =
  (deps: ControlPlaneDeps): ControlHandler =>
  async (request: ControlRequest): Promise<ControlResponse> => {
    if (request.path === '/readyz' || request.path === '/metrics') {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return json(405, { error: 'method not allowed' }, { allow: 'GET, HEAD' })
      }
      if (request.path === '/readyz') {
        const readiness = await deps.readiness()
        return json(readiness.ready ? 200 : 503, readiness)
      }
      if (!deps.metrics) return NOT_FOUND
      const { contentType, text } = await deps.metrics.render(request.intakeMetrics)
      return { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body: text }
    }
    return deps.console ? deps.console(request) : NOT_FOUND
  }
