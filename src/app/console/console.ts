import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { RateBudget } from '../../http/rate-gate.js'
import type { ServiceName } from '../../http/types.js'
import type { ControlHandler, ControlRequest, ControlResponse } from '../../listener/control.js'
import type { EventStatus, StateStore } from '../../store/state-store.js'
import type { LoopGuardMark, LoopGuardMarks } from '../../pipeline/loop-guard.js'
import { eventView, objectViews, showEvent, type EventDetail, type EventView } from '../events.js'
import type { ListenSummary } from '../listen-summary.js'
import type { GateStats, RateBudgetSampler } from '../listen-metrics.js'
import type { Runtime } from '../runtime.js'
import { CONSOLE_CSS, CONSOLE_JS } from './assets.js'
import { html, type SafeHtml } from './html.js'

export interface ConsoleDeps {
  runtime: Runtime
  store: Pick<StateStore, 'queue'>
  /** The queue's counts by status (shared with /metrics, briefly cached). */
  eventCounts: () => Promise<Record<EventStatus, number>>
  /** The interface the listener is bound to: on loopback the console is open to local clients only. */
  host: string
  /** Required on any other interface (listener.consoleToken); without one the console is off there. */
  token: string | null
  summary: () => ListenSummary
  ready: () => Promise<boolean>
  /** The fallback estimate of the budgets, for an API whose gate has not been used yet. */
  budget: RateBudgetSampler
  /** Each API's exact budget from its rate gate (the servers' headers and the gate's window). */
  gateBudgets: () => Record<ServiceName, RateBudget | null>
  /** The loop guard's latest marks and the echoes it suppressed (null: a listener run without the guard). */
  loopMarks: () => LoopGuardMarks | null
  requestStats: () => Record<ServiceName, GateStats | null>
  /** Wakes the worker after a replay, so the replayed event does not wait for its next poll. */
  notifyWorker: () => void
  now: () => number
}

export interface ConsoleHandle {
  handle: ControlHandler
  /** One event's processing time, for the latency chart. */
  observeProcessing(ms: number): void
  /** One webhook's acknowledgement time (request in to 2xx out, after the commit), for its chart. */
  observeAck(ms: number): void
  close(): void
}

const COOKIE = 'aic_console'
const SAMPLE_MS = 2_000
const SERIES_POINTS = 150
/** Loop-guard marks the overview lists (the guard keeps more; the newest matter). */
const MARKS_SHOWN = 50

/** 127.0.0.0/8, ::1, an IPv4-mapped loopback, or the name localhost. */
export const isLoopback = (address: string): boolean => {
  const bare = address.replace(/^\[|\]$/g, '').replace(/^::ffff:/i, '')
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare)
}

const hostnameOf = (hostHeader: string): string => {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hostHeader)
  if (bracketed) return bracketed[1] ?? ''
  return hostHeader.replace(/:\d+$/, '')
}

/** Compared by digest: equal lengths for timingSafeEqual, and no early exit on the first differing byte. */
const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest())

const cookieValue = (header: string | undefined, name: string): string | null => {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return decodeURIComponent(rest.join('='))
  }
  return null
}

const SECURITY_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}

const respond = (
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): ControlResponse => ({
  status,
  headers: { ...SECURITY_HEADERS, 'content-type': type, ...headers },
  body,
})
const page = (status: number, body: SafeHtml, headers: Record<string, string> = {}): ControlResponse =>
  respond(status, 'text/html; charset=utf-8', body.text, headers)
const json = (status: number, body: unknown): ControlResponse =>
  respond(status, 'application/json', JSON.stringify(body))
const redirect = (location: string, headers: Record<string, string> = {}): ControlResponse =>
  respond(303, 'text/plain; charset=utf-8', '', { location, ...headers })

const problemPage = (status: number, title: string, message: string): ControlResponse =>
  page(
    status,
    layout(
      title,
      html`<section>
        <h2>${title}</h2>
        <p>${message}</p>
      </section>`,
      null,
    ),
  )

const iso = (text: string): string => text.replace('T', ' ').slice(0, 19)

const layout = (title: string, body: SafeHtml, statsUrl: string | null): SafeHtml => html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title} · aircall-intercom</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/console/assets/console.css" />
  </head>
  <body${statsUrl ? html` data-stats-url="${statsUrl}"` : ''}>
    <header>
      <h1><a href="/console">aircall-intercom console</a></h1>
      <span class="muted">listener <b data-stat="ready"></b></span>
    </header>
    <main>${body}</main>
    <script src="/console/assets/console.js"></script>
  </body>
</html>`

/**
 * The operator console, served by `listen` at /console on its own port: the queue and its throughput, the rate
 * budgets, the dead letters with replay and purge, and every event's trail. Pages are rendered here from the
 * store (no client-side templating); every change is a POST carrying the process's CSRF token.
 */
export const createConsole = (deps: ConsoleDeps): ConsoleHandle => {
  const csrf = randomBytes(24).toString('base64url')
  const loopback = isLoopback(deps.host)
  const series: Array<{
    at: number
    accepted: number
    processed: number
    p50Ms: number | null
    p95Ms: number | null
    ackP50Ms: number | null
    ackP95Ms: number | null
  }> = []
  // Times since the last sample; each sample keeps only their median and 95th percentile.
  let durations: number[] = []
  let acks: number[] = []
  const percentile = (sorted: number[], p: number): number | null =>
    sorted.length === 0 ? null : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? null)
  const sample = (): void => {
    const { accepted, processed } = deps.summary()
    const sorted = durations.sort((a, b) => a - b)
    const ackSorted = acks.sort((a, b) => a - b)
    durations = []
    acks = []
    series.push({
      at: deps.now(),
      accepted,
      processed,
      p50Ms: percentile(sorted, 0.5),
      p95Ms: percentile(sorted, 0.95),
      ackP50Ms: percentile(ackSorted, 0.5),
      ackP95Ms: percentile(ackSorted, 0.95),
    })
    if (series.length > SERIES_POINTS) series.shift()
  }
  sample()
  const sampler = setInterval(sample, SAMPLE_MS)
  sampler.unref()

  /** Who may see the console: see README "Operator console". */
  const authorise = (request: ControlRequest): ControlResponse | 'ok' => {
    if (deps.token === null) {
      if (!loopback) {
        return problemPage(
          403,
          'Console off on this interface',
          'The listener is bound to a non-loopback interface: set listener.consoleToken to open the console here.',
        )
      }
      // A page of another site that resolves its own name to 127.0.0.1 (DNS rebinding) sends its own Host.
      if (!isLoopback(request.remoteAddress) || !isLoopback(hostnameOf(request.headers.host ?? ''))) {
        return problemPage(403, 'Forbidden', 'The console answers local clients at a loopback address only.')
      }
      return 'ok'
    }
    const given =
      /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? cookieValue(request.headers.cookie, COOKIE)
    if (given !== null && sameSecret(given, deps.token)) return 'ok'
    return problemPage(401, 'Console token required', 'Open /console?token=… with listener.consoleToken once.')
  }

  const tokenLogin = (request: ControlRequest): ControlResponse | null => {
    if (deps.token === null || request.method !== 'GET' || request.path !== '/console') return null
    const given = new URLSearchParams(request.query).get('token')
    if (given === null) return null
    if (!sameSecret(given, deps.token)) return problemPage(401, 'Wrong console token', 'Check listener.consoleToken.')
    // The token leaves the address bar and the history: from now on it travels as a same-site cookie only.
    return redirect('/console', {
      'set-cookie': `${COOKIE}=${encodeURIComponent(deps.token)}; HttpOnly; SameSite=Strict; Path=/console`,
    })
  }

  const checkPost = (request: ControlRequest): ControlResponse | URLSearchParams => {
    if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return problemPage(415, 'Unsupported form', 'Console actions are posted as forms.')
    }
    const origin = request.headers.origin
    if (origin !== undefined && origin !== 'null') {
      let originHost = ''
      try {
        originHost = new URL(origin).host
      } catch {
        // Unparseable: refused below.
      }
      if (originHost !== request.headers.host) return problemPage(403, 'Forbidden', 'Cross-origin form refused.')
    }
    const form = new URLSearchParams(request.body)
    if (!sameSecret(form.get('csrf') ?? '', csrf)) {
      return problemPage(403, 'Forbidden', 'This form has no valid CSRF token: reload the console and try again.')
    }
    return form
  }

  const stats = async () => {
    const counts = await deps.eventCounts()
    const summary = deps.summary()
    const gates = deps.requestStats()
    const left = deps.budget.remaining()
    const exact = deps.gateBudgets()
    const now = deps.now()
    const minuteAgo = series.find((point) => point.at >= now - 60_000) ?? series.at(0)
    const apis = Object.fromEntries(
      (['aircall', 'intercom'] as const).map((api) => {
        const gate = exact[api]
        // The gate's own figures once it has a budget; the configured estimate before the API is first used.
        const known = gate !== null && gate.limit !== null && gate.remaining !== null
        const configured = deps.budget.budgets[api]
        return [
          api,
          {
            requests: gates[api]?.requests ?? 0,
            rateLimited: gates[api]?.rateLimited ?? 0,
            left: known ? gate.remaining : left[api],
            limit: known ? gate.limit : configured.limit,
            windowSeconds: (known && gate.windowMs !== null ? gate.windowMs : configured.windowMs) / 1000,
            resetsInSeconds:
              known && gate.resetsAt !== null ? Math.max(0, Math.ceil((gate.resetsAt - now) / 1000)) : null,
            source: known ? 'gate' : 'estimate',
            paused: (gates[api]?.pausedUntil ?? 0) > now,
          },
        ]
      }),
    )
    return {
      ready: await deps.ready(),
      counts,
      run: {
        accepted: summary.accepted,
        duplicates: summary.duplicates,
        rejected: summary.rejected,
        processed: summary.processed,
        retried: summary.retried,
        deadLettered: summary.deadLettered,
      },
      perMinute: summary.processed - (minuteAgo?.processed ?? summary.processed),
      apis,
      series,
    }
  }

  const csrfField = html`<input type="hidden" name="csrf" value="${csrf}" />`

  const notice = (query: URLSearchParams): SafeHtml | string => {
    const replayed = /^\d+$/.exec(query.get('replayed') ?? '')?.[0]
    const purged = /^\d+$/.exec(query.get('purged') ?? '')?.[0]
    if (replayed)
      return html`<section class="notice">Event #${replayed} requeued: the worker processes it now.</section>`
    if (purged) return html`<section class="notice">Purged ${purged} dead letter(s).</section>`
    return ''
  }

  const eventRow = (event: EventView, actions: boolean): SafeHtml =>
    html`<tr data-event="${event.id}">
      <td><a href="/console/events/${event.id}">#${event.id}</a></td>
      <td>${event.type}</td>
      <td>${event.subject ?? ''}</td>
      <td class="status-${event.status}">${event.status}</td>
      <td>${event.attempts}</td>
      ${
        event.status === 'dead'
          ? html`<td class="error">${event.lastError ?? ''}</td>`
          : html`<td>${event.summary ?? ''}</td>`
      }
      ${
        actions
          ? html`<td>
              <form class="inline" method="post" action="/console/events/${event.id}/replay">
                ${csrfField}<button class="primary" type="submit">Replay</button>
              </form>
              <form class="inline" method="post" action="/console/events/${event.id}/purge">
                ${csrfField}<button class="danger" type="submit">Purge</button>
              </form>
            </td>`
          : ''
      }
    </tr>`

  const overview = async (query: URLSearchParams): Promise<ControlResponse> => {
    const s = await stats()
    const dead = (await deps.store.queue.list({ status: 'dead', limit: 200 })).map(eventView)
    const recent = (await deps.store.queue.listRecent(25)).map(eventView)
    const card = (stat: string, value: number | string, label: string): SafeHtml =>
      html`<div class="card"><b data-stat="${stat}">${value}</b><span>${label}</span></div>`
    const statuses: EventStatus[] = ['queued', 'processing', 'done', 'dead']
    const api = (name: 'aircall' | 'intercom', label: string): SafeHtml => {
      const a = s.apis[name]
      return html`<tr>
        <td>${label}</td>
        <td data-stat="${name}-requests">${a?.requests ?? 0}</td>
        <td data-stat="${name}-rate-limited">${a?.rateLimited ?? 0}</td>
        <td>
          <span data-stat="${name}-left">${a?.left ?? 0}</span> /
          <span data-stat="${name}-limit">${a?.limit ?? 0}</span> per
          <span data-stat="${name}-window">${a?.windowSeconds ?? 0}</span> s
        </td>
        <td data-stat="${name}-resets">${a?.resetsInSeconds === null ? '-' : `${a?.resetsInSeconds ?? 0} s`}</td>
        <td data-stat="${name}-source">${a?.source === 'gate' ? 'rate headers' : 'configured (not used yet)'}</td>
        <td data-stat="${name}-paused">${a?.paused ? 'paused' : 'open'}</td>
      </tr>`
    }
    const guard = deps.loopMarks() ?? {
      marks: [],
      capacity: 0,
      suppressed: { 'own-admin': 0, fingerprint: 0, 'origin-marker': 0 },
    }
    const shownMarks = guard.marks.slice(0, MARKS_SHOWN)
    const markRow = (mark: LoopGuardMark): SafeHtml =>
      html`<tr>
        <td>${iso(new Date(mark.markedAt).toISOString())}</td>
        <td>${mark.service}</td>
        <td>${mark.kind}</td>
        <td>${mark.targetId}</td>
        <td>${mark.detail ?? ''}</td>
        <td>${iso(new Date(mark.expiresAt).toISOString())}</td>
        <td>${mark.echoes}</td>
      </tr>`
    const body = html`${notice(query)}
      <section>
        <h2>Queue</h2>
        <div class="cards">
          ${statuses.map((status) => card(`queue-${status}`, s.counts[status], status))}
          ${card('per-minute', s.perMinute, 'processed in the last minute')}
          ${card('run-accepted', s.run.accepted, 'accepted since start')}
          ${card('run-processed', s.run.processed, 'processed since start')}
          ${card('run-rejected', s.run.rejected, 'rejected since start')}
        </div>
      </section>
      <section>
        <h2>Throughput (per ${SAMPLE_MS / 1000} s, last ${(SAMPLE_MS * SERIES_POINTS) / 60_000} min)</h2>
        <div class="legend"><span class="accepted">accepted</span><span class="processed">processed</span></div>
        <svg
          id="throughput"
          class="chart"
          viewBox="0 0 600 116"
          preserveAspectRatio="none"
          role="img"
          aria-label="webhooks accepted and events processed over time"
        ></svg>
      </section>
      <section>
        <h2>Acknowledgement time (ms from request to 2xx, after the commit: median and 95th percentile)</h2>
        <div class="legend">
          <span class="accepted">median</span><span class="processed">95th percentile</span>
          <span class="muted">peak <b data-stat="ack-peak">-</b> ms</span>
        </div>
        <svg
          id="ack-latency"
          class="chart"
          viewBox="0 0 600 116"
          preserveAspectRatio="none"
          role="img"
          aria-label="acknowledgement time of webhooks over time"
        ></svg>
      </section>
      <section>
        <h2>Processing time (ms: median and 95th percentile of each ${SAMPLE_MS / 1000} s)</h2>
        <div class="legend">
          <span class="accepted">median</span><span class="processed">95th percentile</span>
          <span class="muted">peak <b data-stat="latency-peak">-</b> ms</span>
        </div>
        <svg
          id="latency"
          class="chart"
          viewBox="0 0 600 116"
          preserveAspectRatio="none"
          role="img"
          aria-label="processing time of events over time"
        ></svg>
      </section>
      <section>
        <h2>Rate budgets</h2>
        <div class="table">
          <table>
            <thead>
              <tr>
                <th>API</th>
                <th>requests</th>
                <th>429s</th>
                <th>budget left</th>
                <th>resets in</th>
                <th>from</th>
                <th>gate</th>
              </tr>
            </thead>
            <tbody>
              ${api('aircall', 'Aircall')}${api('intercom', 'Intercom')}
            </tbody>
          </table>
        </div>
      </section>
      <section id="loop-guard">
        <h2>Loop guard: our latest writes (${guard.marks.length} of the last ${guard.capacity} kept)</h2>
        <p class="muted">
          Echoes suppressed since start: own admin <b>${guard.suppressed['own-admin']}</b>, fingerprint
          <b>${guard.suppressed.fingerprint}</b>, origin marker <b>${guard.suppressed['origin-marker']}</b>.
        </p>
        ${
          shownMarks.length === 0
            ? html`<p class="muted">No writes marked yet.</p>`
            : html`<div class="table">
                <table>
                  <thead>
                    <tr>
                      <th>marked</th>
                      <th>API</th>
                      <th>write</th>
                      <th>target</th>
                      <th>detail</th>
                      <th>until</th>
                      <th>echoes</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${shownMarks.map(markRow)}
                  </tbody>
                </table>
              </div>`
        }
      </section>
      <section id="dead-letters">
        <h2>Dead letters (${dead.length})</h2>
        ${
          dead.length === 0
            ? html`<p class="muted">None.</p>`
            : html`<div class="table">
                  <table>
                    <thead>
                      <tr>
                        <th>id</th>
                        <th>type</th>
                        <th>subject</th>
                        <th>status</th>
                        <th>tries</th>
                        <th>error</th>
                        <th></th>
                      </tr>
                    </thead>
                    <tbody>
                      ${dead.map((event) => eventRow(event, true))}
                    </tbody>
                  </table>
                </div>
                <form method="post" action="/console/dead-letters/purge" data-confirm="Delete every dead letter?">
                  ${csrfField}<button class="danger" type="submit">Purge all dead letters</button>
                </form>`
        }
      </section>
      <section>
        <h2>Latest events</h2>
        <div class="table">
          <table>
            <thead>
              <tr>
                <th>id</th>
                <th>type</th>
                <th>subject</th>
                <th>status</th>
                <th>tries</th>
                <th>trail / error</th>
              </tr>
            </thead>
            <tbody>
              ${recent.map((event) => eventRow(event, false))}
            </tbody>
          </table>
        </div>
      </section>`
    return page(200, layout('Console', body, '/console/api/stats'))
  }

  const eventPage = (detail: EventDetail): ControlResponse => {
    const { outcome } = detail
    const body = html`<section>
        <h2>Event #${detail.id}: ${detail.source} ${detail.type}</h2>
        <dl>
          <dt>status</dt>
          <dd class="status-${detail.status}">${detail.status} after ${detail.attempts} attempt(s)</dd>
          <dt>kind</dt>
          <dd>${detail.kind} (replayed with the ${detail.origin} origin)</dd>
          <dt>subject</dt>
          <dd>${detail.subject ?? '-'}</dd>
          <dt>identity</dt>
          <dd>${detail.identity}</dd>
          <dt>received</dt>
          <dd>${iso(detail.receivedAt)}</dd>
          <dt>updated</dt>
          <dd>${iso(detail.updatedAt)}</dd>
          ${
            detail.lastError
              ? html`<dt>last error</dt>
                  <dd class="error">${detail.lastError}</dd>`
              : ''
          }
        </dl>
        ${
          detail.status === 'dead' || detail.status === 'done'
            ? html`<p>
              <form class="inline" method="post" action="/console/events/${detail.id}/replay">
                ${csrfField}<button class="primary" type="submit">Replay</button>
              </form>
            </p>`
            : ''
        }
      </section>
      <section id="trail">
        <h2>
          Trail${outcome?.durationMs !== null && outcome?.durationMs !== undefined ? ` (${outcome.durationMs} ms)` : ''}
        </h2>
        ${
          outcome === null
            ? html`<p class="muted">
                ${detail.status === 'done' ? 'Processed before outcomes were kept.' : 'Not processed yet.'}
              </p>`
            : html`<div class="table">
                  <table>
                    <thead>
                      <tr>
                        <th>rule</th>
                        <th>decision</th>
                        <th>detail</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${
                        outcome.effects.length === 0
                          ? html`<tr>
                              <td colspan="3">no rule applies</td>
                            </tr>`
                          : ''
                      }
                      ${outcome.effects.map(
                        (effect) =>
                          html`<tr class="effect">
                            <td>${effect.rule}</td>
                            <td>${effect.status}</td>
                            <td>${effect.detail ?? ''}</td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>
                </div>
                ${
                  outcome.objects.length > 0
                    ? html`<h2>Objects</h2>
                        <ul>
                          ${objectViews(deps.runtime, outcome.objects).map(
                            (object) =>
                              html`<li>
                                ${object.service} ${object.kind}
                                <a href="${object.url}" rel="noreferrer" target="_blank">${object.id}</a>
                              </li>`,
                          )}
                        </ul>`
                    : ''
                }`
        }
      </section>
      <section>
        <h2>Payload</h2>
        <pre>${JSON.stringify(detail.payload, null, 2)}</pre>
      </section>`
    return page(200, layout(`Event #${detail.id}`, body, '/console/api/stats'))
  }

  const EVENT_ACTION = /^\/console\/events\/(\d+)\/(replay|purge)$/
  const EVENT_PAGE = /^\/console\/events\/(\d+)$/

  const handle: ControlHandler = (request) => {
    // Assets carry nothing private: they load before a token cookie exists (the login page itself uses them).
    if (request.path === '/console/assets/console.css') return Promise.resolve(respond(200, 'text/css', CONSOLE_CSS))
    if (request.path === '/console/assets/console.js') {
      return Promise.resolve(respond(200, 'text/javascript', CONSOLE_JS))
    }
    const login = tokenLogin(request)
    if (login) return Promise.resolve(login)
    const allowed = authorise(request)
    if (allowed !== 'ok') return Promise.resolve(allowed)
    return route(request)
  }

  const route = async (request: ControlRequest): Promise<ControlResponse> => {
    const query = new URLSearchParams(request.query)
    if (request.method === 'GET' || request.method === 'HEAD') {
      if (request.path === '/console' || request.path === '/console/') return overview(query)
      if (request.path === '/console/api/stats') return json(200, await stats())
      const shown = EVENT_PAGE.exec(request.path)
      if (shown) {
        const id = Number(shown[1])
        if (!(await deps.store.queue.get(id))) return problemPage(404, 'No such event', `There is no event #${id}.`)
        return eventPage(await showEvent(deps.runtime, id))
      }
      return problemPage(404, 'Not found', 'No such console page.')
    }
    if (request.method !== 'POST')
      return respond(405, 'text/plain; charset=utf-8', 'method not allowed', { allow: 'GET, POST' })
    const form = checkPost(request)
    if (!(form instanceof URLSearchParams)) return form
    const rememberUntil = deps.now() + deps.runtime.config.listener.purgedIdentityDays * 86_400_000
    if (request.path === '/console/dead-letters/purge') {
      const purged = await deps.store.queue.purge({ status: ['dead'], rememberIdentitiesUntil: rememberUntil })
      return redirect(`/console?purged=${purged}#dead-letters`)
    }
    const action = EVENT_ACTION.exec(request.path)
    if (!action) return problemPage(404, 'Not found', 'No such console action.')
    const id = Number(action[1])
    const event = await deps.store.queue.get(id)
    if (!event) return problemPage(404, 'No such event', `There is no event #${id}.`)
    if (event.status !== 'dead' && event.status !== 'done') {
      return problemPage(409, 'Not settled', `Event #${id} is ${event.status}: only done or dead events change here.`)
    }
    if (action[2] === 'replay') {
      await deps.store.queue.replay([id], deps.now())
      deps.notifyWorker()
      return redirect(`/console?replayed=${id}`)
    }
    await deps.store.queue.purge({ ids: [id], rememberIdentitiesUntil: rememberUntil })
    return redirect(`/console?purged=1#dead-letters`)
  }

  return {
    handle,
    observeProcessing: (ms) => {
      // Bounded: a burst between two samples keeps a representative sample, not every duration.
      if (durations.length < 5_000) durations.push(ms)
    },
    observeAck: (ms) => {
      if (acks.length < 5_000) acks.push(ms)
    },
    close: () => clearInterval(sampler),
  }
}
