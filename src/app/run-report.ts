import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { BackfillResult } from './backfill-service.js'
import { parseJob } from '../domain/job.js'
import { html, SafeHtml } from './console/html.js'
import type { Runtime } from './runtime.js'

/**
 * Text of a script or style element: not HTML-escaped (entities mean nothing there), but unable to close its element.
 */
class RawText extends SafeHtml {
  constructor(text: string) {
    super(text.replace(/<\/(script|style)/gi, '<\\/$1'))
  }
}

interface Bar {
  label: string
  value: number
  tone?: 'good' | 'bad' | 'muted'
}

interface DeadLetterRow {
  id: number
  callId: string
  day: string | null
  phone: string
  error: string
}

/** A horizontal bar chart as inline SVG: it renders from the file alone, with no script and no network. */
const barChart = (title: string, bars: readonly Bar[]): SafeHtml => {
  const max = Math.max(1, ...bars.map((bar) => bar.value))
  const rowHeight = 26
  const labelWidth = 170
  const width = 640
  const height = Math.max(rowHeight, bars.length * rowHeight)
  return html`<figure>
    <figcaption>${title}</figcaption>
    <svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}">
      ${bars.map((bar, index) => {
        const y = index * rowHeight
        const length = Math.round(((width - labelWidth - 70) * bar.value) / max)
        return html`<g>
          <text x="0" y="${y + 17}">${bar.label}</text>
          <rect
            class="${bar.tone ?? 'good'}"
            x="${labelWidth}"
            y="${y + 5}"
            width="${Math.max(length, bar.value > 0 ? 2 : 0)}"
            height="16"
            rx="3"
          ></rect>
          <text x="${labelWidth + length + 8}" y="${y + 17}">${bar.value}</text>
        </g>`
      })}
    </svg>
  </figure>`
}

const STYLE = `
:root { color-scheme: light dark; --fg:#1d2330; --muted:#5d6575; --bg:#f6f7f9; --card:#fff; --line:#dde1e7;
  --good:#2f6fdb; --bad:#c0392b; --grey:#9aa3b2; }
@media (prefers-color-scheme: dark) { :root { --fg:#e7e9ee; --muted:#9aa3b2; --bg:#141820; --card:#1d222c; --line:#2d3442;
  --good:#6fa1ff; --bad:#ff7b6b; --grey:#5d6575; } }
body { margin:0; font:15px/1.45 system-ui,sans-serif; color:var(--fg); background:var(--bg); }
main { max-width:60rem; margin:0 auto; padding:1rem; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:.8rem 1rem; margin:0 0 1rem; }
h1 { font-size:1.25rem; } h2 { font-size:1rem; margin:0 0 .6rem; }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(8rem,1fr)); gap:.6rem; }
.card { border:1px solid var(--line); border-radius:6px; padding:.5rem .7rem; }
.card b { display:block; font-size:1.4rem; } .card span { color:var(--muted); font-size:.85rem; }
figure { margin:0 0 1rem; } figcaption { color:var(--muted); margin-bottom:.3rem; }
svg.chart { width:100%; height:auto; } svg text { fill:var(--fg); font-size:13px; }
rect.good { fill:var(--good); } rect.bad { fill:var(--bad); } rect.muted { fill:var(--grey); }
table { border-collapse:collapse; width:100%; font-size:.9rem; }
th, td { text-align:left; padding:.3rem .5rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { cursor:pointer; color:var(--muted); user-select:none; } th[aria-sort]::after { content:' ↕'; }
input[type=search] { font:inherit; padding:.3rem .5rem; margin-bottom:.5rem; width:min(100%,24rem); }
dl { display:grid; grid-template-columns:max-content 1fr; gap:.2rem 1rem; margin:0; } dt { color:var(--muted); } dd { margin:0; }
`

/** Sorting by a header click and filtering by a search box, for every table marked data-table. */
const SCRIPT = `
document.querySelectorAll('table[data-table]').forEach(function (table) {
  var body = table.tBodies[0];
  var filter = document.querySelector('input[data-filter="' + table.id + '"]');
  if (filter) filter.addEventListener('input', function () {
    var needle = filter.value.toLowerCase();
    Array.prototype.forEach.call(body.rows, function (row) {
      row.hidden = needle !== '' && row.textContent.toLowerCase().indexOf(needle) < 0;
    });
  });
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell, index) {
    cell.setAttribute('aria-sort', 'none');
    cell.addEventListener('click', function () {
      var ascending = cell.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.setAttribute('aria-sort', 'none'); });
      cell.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[index].textContent, y = b.cells[index].textContent;
        var nx = Number(x), ny = Number(y);
        var order = !isNaN(nx) && !isNaN(ny) && x !== '' && y !== '' ? nx - ny : x.localeCompare(y);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
`

/** Inline JSON that cannot close its script element: `<` is written as \u003c. */
const inlineJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c')

/**
 * Writes a backfill's run report: one self-contained HTML file (styles, data and the small sorting script inline,
 * a policy that forbids any request) with the run's summary, its outcomes and API use as charts, and its dead
 * letters as a sortable, filterable table. Returns the absolute path written.
 */
export const writeRunReport = (file: string, run: { result: BackfillResult; runtime: Runtime }): string => {
  const { result, runtime } = run
  const { counts } = result
  const dead: DeadLetterRow[] = result.deadLetterIds.map((id) => {
    const event = runtime.store.getEvent(id)
    let callId = event?.subject?.replace(/^aircall:call:/, '') ?? '?'
    let day: string | null = null
    let phone = ''
    try {
      const job = event ? parseJob(event.payload) : null
      if (job) {
        callId = job.call.callId
        day = new Date(job.call.startedAt * 1000).toISOString().slice(0, 10)
        phone = job.call.rawDigits
      }
    } catch {
      // A job this build cannot read is still listed, with what the event row says.
    }
    return { id, callId, day, phone, error: event?.lastError ?? '' }
  })
  const skipped = Object.entries<number>(counts.skipped)
  const outcomes: Bar[] = [
    { label: 'logged', value: counts.logged },
    { label: 'updated', value: counts.updated },
    { label: 'already done', value: counts.alreadyDone, tone: 'muted' },
    ...(result.dryRun ? [{ label: 'would log', value: counts.wouldLog }] : []),
    ...skipped.map(([reason, value]): Bar => ({ label: `skipped: ${reason}`, value, tone: 'muted' })),
    { label: 'dead letters', value: counts.deadLetters, tone: 'bad' },
  ]
  const api: Bar[] = [
    { label: 'Aircall requests', value: result.requests.aircall.requests },
    { label: 'Aircall 429s', value: result.requests.aircall.rateLimited, tone: 'bad' },
    { label: 'Intercom requests', value: result.requests.intercom.requests },
    { label: 'Intercom 429s', value: result.requests.intercom.rateLimited, tone: 'bad' },
  ]
  const deadByDay = new Map<string, number>()
  for (const row of dead) deadByDay.set(row.day ?? 'unknown', (deadByDay.get(row.day ?? 'unknown') ?? 0) + 1)
  const card = (value: number | string, label: string): SafeHtml =>
    html`<div class="card"><b>${value}</b><span>${label}</span></div>`
  const generated = new Date(runtime.now()).toISOString()
  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta
          http-equiv="Content-Security-Policy"
          content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
        />
        <title>Backfill report ${generated.slice(0, 19).replace('T', ' ')}</title>
        <style>
          ${new RawText(STYLE)}
        </style>
      </head>
      <body>
        <main>
          <h1>aircall-intercom backfill report</h1>
          <section>
            <h2>Run</h2>
            <dl>
              <dt>generated</dt>
              <dd>${generated}</dd>
              <dt>source</dt>
              <dd>${result.source}${result.file ? ` (${result.file})` : ''}</dd>
              <dt>range</dt>
              <dd>${result.since ?? 'start'} → ${result.until ?? 'now'}</dd>
              <dt>read this run</dt>
              <dd>${result.read.map((part) => `${part.since} → ${part.until}`).join(', ') || 'nothing new'}</dd>
              <dt>elapsed</dt>
              <dd>
                ${(result.elapsedMs / 1000).toFixed(1)}
                s${result.interrupted ? ' (interrupted: run the same command to resume)' : ''}
              </dd>
              ${
                result.dryRun
                  ? html`<dt>dry run</dt>
                      <dd>nothing was written</dd>`
                  : ''
              }
            </dl>
          </section>
          <section>
            <h2>Summary</h2>
            <div class="cards">
              ${card(counts.read, 'calls read')}${card(counts.logged, 'logged')}${card(counts.updated, 'updated')}
              ${card(counts.alreadyDone, 'already done')}${card(counts.deadLetters, 'dead letters')}
              ${card(counts.contactsMatched, 'contacts matched')}${card(counts.contactsCreated, 'contacts created')}
              ${card(result.unmatchedCallers, 'unmatched callers')}
            </div>
          </section>
          <section>
            <h2>Charts</h2>
            ${barChart('Calls by outcome', outcomes)} ${barChart('API requests and 429s', api)}
            ${
              dead.length > 0
                ? barChart(
                    'Dead letters by call day',
                    [...deadByDay.entries()]
                      .sort(([a], [b]) => a.localeCompare(b))
                      .map(([label, value]) => ({ label, value, tone: 'bad' as const })),
                  )
                : ''
            }
          </section>
          <section>
            <h2>Dead letters (${dead.length})</h2>
            <input type="search" data-filter="dead-letters" placeholder="Filter" aria-label="Filter dead letters" />
            <table id="dead-letters" data-table>
              <thead>
                <tr>
                  <th>event</th>
                  <th>call</th>
                  <th>day</th>
                  <th>caller</th>
                  <th>error</th>
                </tr>
              </thead>
              <tbody>
                ${dead.map(
                  (row) =>
                    html`<tr>
                      <td>${row.id}</td>
                      <td>${row.callId}</td>
                      <td>${row.day ?? ''}</td>
                      <td>${row.phone}</td>
                      <td>${row.error}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
            <p>
              Replay them with <code>aircall-intercom events replay --all-dead</code> (no customer message is sent).
            </p>
          </section>
        </main>
        <script type="application/json" id="report-data">
          ${new RawText(inlineJson({ result, deadLetters: dead }))}
        </script>
        <script>
          ${new RawText(SCRIPT)}
        </script>
      </body>
    </html>`
  const path = resolve(file)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, page.text)
  return path
}
