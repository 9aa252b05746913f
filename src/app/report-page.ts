import { html, SafeHtml } from './console/html.js'

/**
 * The model of a run report, which each command fills with its own content: key/value facts, summary cards,
 * charts (bars, stacked columns per day, lines over time) and sortable, filterable tables. `renderReportPage` turns
 * it into one self-contained page: inline SVG that draws with no script, inline data, and a policy that forbids
 * every request.
 */
export interface ReportModel {
  /** e.g. "sync": the page's heading is "aircall-intercom sync report". */
  command: string
  /** UNIX ms. */
  generated: number
  sections: ReportSection[]
  /** The run as data, inline in the page for whoever wants more than the charts (`#report-data`). */
  data: unknown
}

export type ReportSection =
  | { kind: 'facts'; title: string; facts: Array<[string, string]> }
  | { kind: 'cards'; title: string; cards: Array<{ label: string; value: number | string }> }
  | { kind: 'charts'; title: string; charts: Chart[] }
  | { kind: 'table'; title: string; table: ReportTable }

export type Tone = 'good' | 'bad' | 'muted' | 'alt' | 'warn'

export interface Bar {
  label: string
  value: number
  tone?: Tone
}

export interface Series {
  label: string
  tone: Tone
  values: number[]
}

export type Chart =
  /** Horizontal bars, one per label. */
  | { kind: 'bars'; id: string; title: string; bars: Bar[] }
  /** Columns per category (call days), each stacked from the series. */
  | { kind: 'columns'; id: string; title: string; categories: string[]; series: Series[] }
  /** Lines over time: one point per bucket starting at `times` (UNIX ms). */
  | { kind: 'lines'; id: string; title: string; times: number[]; series: Series[] }

export interface ReportTable {
  /** The element id, also what its filter box names. */
  id: string
  columns: string[]
  rows: Array<Array<string | number>>
  /** Shown under the table, e.g. how to act on its rows. */
  footer?: SafeHtml
}

/**
 * Text of a script or style element: not HTML-escaped (entities mean nothing there), but unable to close its element.
 */
class RawText extends SafeHtml {
  constructor(text: string) {
    super(text.replace(/<\/(script|style)/gi, '<\\/$1'))
  }
}

const WIDTH = 640

const legend = (series: readonly Series[], y: number): SafeHtml => {
  let x = 0
  return html`${series.map((item) => {
    const at = x
    x += 24 + item.label.length * 7.5
    return html`<g class="legend">
      <rect class="${item.tone}" x="${at}" y="${y - 10}" width="12" height="12" rx="2"></rect>
      <text x="${at + 16}" y="${y}">${item.label}</text>
    </g>`
  })}`
}

const figure = (chart: Chart, body: SafeHtml): SafeHtml =>
  html`<figure data-chart="${chart.id}">
    <figcaption>${chart.title}</figcaption>
    ${body}
  </figure>`

/** A horizontal bar chart as inline SVG. */
const barChart = (chart: Extract<Chart, { kind: 'bars' }>): SafeHtml => {
  const max = Math.max(1, ...chart.bars.map((bar) => bar.value))
  const rowHeight = 26
  const labelWidth = 190
  const height = Math.max(rowHeight, chart.bars.length * rowHeight)
  return figure(
    chart,
    html`<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${chart.title}">
      ${chart.bars.map((bar, index) => {
        const y = index * rowHeight
        const length = Math.round(((WIDTH - labelWidth - 70) * bar.value) / max)
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
    </svg>`,
  )
}

/** Plot area shared by the column and line charts: a y axis from 0 to the largest value, labels under it. */
const PLOT = { left: 48, right: 8, top: 28, height: 170, bottom: 36 }

const axis = (max: number): SafeHtml => {
  const bottom = PLOT.top + PLOT.height
  const ticks = max <= 1 ? [0, max] : [0, Math.round(max / 2), max]
  return html`${ticks.map((tick) => {
    const y = bottom - (PLOT.height * tick) / Math.max(1, max)
    return html`<line class="grid" x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${y}" y2="${y}"></line>
      <text class="tick" x="${PLOT.left - 6}" y="${y + 4}" text-anchor="end">${tick}</text>`
  })}`
}

/** Every nth label, so at most about ten fit under the plot. */
const sparseLabels = (labels: readonly string[], xOf: (index: number) => number): SafeHtml => {
  const every = Math.max(1, Math.ceil(labels.length / 8))
  const bottom = PLOT.top + PLOT.height
  return html`${labels.map((label, index) =>
    index % every === 0 || index === labels.length - 1
      ? html`<text class="tick" x="${xOf(index)}" y="${bottom + 16}" text-anchor="middle">${label}</text>`
      : '',
  )}`
}

/** Stacked columns per category as inline SVG. */
const columnChart = (chart: Extract<Chart, { kind: 'columns' }>): SafeHtml => {
  const totals = chart.categories.map((_, index) =>
    chart.series.reduce((sum, series) => sum + (series.values[index] ?? 0), 0),
  )
  const max = Math.max(1, ...totals)
  const plotWidth = WIDTH - PLOT.left - PLOT.right
  const slot = plotWidth / Math.max(1, chart.categories.length)
  const width = Math.max(1, Math.min(48, slot * 0.7))
  const bottom = PLOT.top + PLOT.height
  const xOf = (index: number): number => PLOT.left + slot * index + slot / 2
  const height = bottom + PLOT.bottom
  return figure(
    chart,
    html`<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${chart.title}">
      ${legend(chart.series, 14)} ${axis(max)}
      ${chart.categories.map((category, index) => {
        let top = bottom
        return html`<g>
          <title>${category}: ${chart.series.map((s) => `${s.label} ${s.values[index] ?? 0}`).join(', ')}</title>
          ${chart.series.map((series) => {
            const value = series.values[index] ?? 0
            if (value <= 0) return ''
            const length = Math.max(1, (PLOT.height * value) / max)
            top -= length
            return html`<rect
              class="${series.tone}"
              x="${(xOf(index) - width / 2).toFixed(1)}"
              y="${top.toFixed(1)}"
              width="${width.toFixed(1)}"
              height="${length.toFixed(1)}"
            ></rect>`
          })}
        </g>`
      })}
      ${sparseLabels(chart.categories, xOf)}
    </svg>`,
  )
}

const clock = (ms: number, spanMs: number): string => {
  const text = new Date(ms).toISOString()
  if (spanMs >= 2 * 86_400_000) return text.slice(5, 16).replace('T', ' ')
  return spanMs >= 3_600_000 ? text.slice(11, 16) : text.slice(11, 19)
}

/** Lines over time as inline SVG, with a dot per point so a run of one bucket still shows. */
const lineChart = (chart: Extract<Chart, { kind: 'lines' }>): SafeHtml => {
  const max = Math.max(1, ...chart.series.flatMap((series) => series.values))
  const plotWidth = WIDTH - PLOT.left - PLOT.right
  const count = chart.times.length
  const xOf = (index: number): number =>
    count <= 1 ? PLOT.left + plotWidth / 2 : PLOT.left + (plotWidth * index) / (count - 1)
  const bottom = PLOT.top + PLOT.height
  const yOf = (value: number): number => bottom - (PLOT.height * value) / max
  const span = (chart.times.at(-1) ?? 0) - (chart.times[0] ?? 0)
  const labels = chart.times.map((time) => clock(time, span))
  return figure(
    chart,
    html`<svg class="chart" viewBox="0 0 ${WIDTH} ${bottom + PLOT.bottom}" role="img" aria-label="${chart.title}">
      ${legend(chart.series, 14)} ${axis(max)}
      ${chart.series.map(
        (series) =>
          html`<g class="series ${series.tone}">
            <polyline
              points="${series.values.map((value, index) => `${xOf(index).toFixed(1)},${yOf(value).toFixed(1)}`).join(' ')}"
            ></polyline>
            ${
              count <= 120
                ? series.values.map(
                    (value, index) =>
                      html`<circle cx="${xOf(index).toFixed(1)}" cy="${yOf(value).toFixed(1)}" r="2.5">
                        <title>${labels[index] ?? ''}: ${value}</title>
                      </circle>`,
                  )
                : ''
            }
          </g>`,
      )}
      ${sparseLabels(labels, xOf)}
    </svg>`,
  )
}

const renderChart = (chart: Chart): SafeHtml => {
  switch (chart.kind) {
    case 'bars':
      return barChart(chart)
    case 'columns':
      return columnChart(chart)
    case 'lines':
      return lineChart(chart)
  }
}

const renderTable = (title: string, table: ReportTable): SafeHtml =>
  html`<input type="search" data-filter="${table.id}" placeholder="Filter" aria-label="Filter ${title}" />
    <table id="${table.id}" data-table>
      <thead>
        <tr>
          ${table.columns.map((column) => html`<th>${column}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${table.rows.map(
          (row) =>
            html`<tr>
              ${row.map((cell) => html`<td>${cell}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>
    ${table.footer ?? ''}`

const renderSection = (section: ReportSection): SafeHtml => {
  switch (section.kind) {
    case 'facts':
      return html`<section>
        <h2>${section.title}</h2>
        <dl>
          ${section.facts.map(
            ([key, value]) =>
              html`<dt>${key}</dt>
                <dd>${value}</dd>`,
          )}
        </dl>
      </section>`
    case 'cards':
      return html`<section>
        <h2>${section.title}</h2>
        <div class="cards">
          ${section.cards.map((card) => html`<div class="card"><b>${card.value}</b><span>${card.label}</span></div>`)}
        </div>
      </section>`
    case 'charts':
      return html`<section>
        <h2>${section.title}</h2>
        ${section.charts.map(renderChart)}
      </section>`
    case 'table':
      return html`<section>
        <h2>${section.title} (${section.table.rows.length})</h2>
        ${renderTable(section.title, section.table)}
      </section>`
  }
}

const STYLE = `
:root { color-scheme: light dark; --fg:#1d2330; --muted:#5d6575; --bg:#f6f7f9; --card:#fff; --line:#dde1e7;
  --good:#2f6fdb; --bad:#c0392b; --grey:#9aa3b2; --alt:#1e9e75; --warn:#d98a1c; }
@media (prefers-color-scheme: dark) { :root { --fg:#e7e9ee; --muted:#9aa3b2; --bg:#141820; --card:#1d222c; --line:#2d3442;
  --good:#6fa1ff; --bad:#ff7b6b; --grey:#5d6575; --alt:#4fd1a5; --warn:#f5b456; } }
body { margin:0; font:15px/1.45 system-ui,sans-serif; color:var(--fg); background:var(--bg); }
main { max-width:60rem; margin:0 auto; padding:1rem; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:.8rem 1rem; margin:0 0 1rem; }
h1 { font-size:1.25rem; } h2 { font-size:1rem; margin:0 0 .6rem; }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(8rem,1fr)); gap:.6rem; }
.card { border:1px solid var(--line); border-radius:6px; padding:.5rem .7rem; }
.card b { display:block; font-size:1.4rem; } .card span { color:var(--muted); font-size:.85rem; }
figure { margin:0 0 1.2rem; } figcaption { color:var(--muted); margin-bottom:.3rem; }
svg.chart { width:100%; height:auto; } svg text { fill:var(--fg); font-size:13px; } svg text.tick { fill:var(--muted); font-size:11px; }
svg line.grid { stroke:var(--line); }
rect.good { fill:var(--good); } rect.bad { fill:var(--bad); } rect.muted { fill:var(--grey); }
rect.alt { fill:var(--alt); } rect.warn { fill:var(--warn); }
g.series polyline { fill:none; stroke-width:2; } g.series.good { stroke:var(--good); fill:var(--good); }
g.series.bad { stroke:var(--bad); fill:var(--bad); } g.series.muted { stroke:var(--grey); fill:var(--grey); }
g.series.alt { stroke:var(--alt); fill:var(--alt); } g.series.warn { stroke:var(--warn); fill:var(--warn); }
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

export const renderReportPage = (model: ReportModel): string => {
  const generated = new Date(model.generated).toISOString()
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta
          http-equiv="Content-Security-Policy"
          content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
        />
        <title>${model.command} report ${generated.slice(0, 19).replace('T', ' ')}</title>
        <style>
          ${new RawText(STYLE)}
        </style>
      </head>
      <body>
        <main>
          <h1>aircall-intercom ${model.command} report</h1>
          ${model.sections.map(renderSection)}
        </main>
        <script type="application/json" id="report-data">
          ${new RawText(inlineJson(model.data))}
        </script>
        <script>
          ${new RawText(SCRIPT)}
        </script>
      </body>
    </html>`.text
}
