/**
 * The console's stylesheet and script, served from the listener itself (no CDN: it works on a closed network, and
 * the Content-Security-Policy allows only the listener's own origin). The script only polls the stats endpoint and
 * writes text and SVG through DOM APIs: it never builds markup from strings.
 */
export const CONSOLE_CSS = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #5d6575; --bg: #f6f7f9; --card: #fff; --line: #dde1e7;
  --accent: #2f6fdb; --bad: #c0392b; --good: #1e8449; }
@media (prefers-color-scheme: dark) { :root { --fg: #e7e9ee; --muted: #9aa3b2; --bg: #141820; --card: #1d222c;
  --line: #2d3442; --accent: #6fa1ff; --bad: #ff7b6b; --good: #5fd38d; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: baseline; padding: .8rem 1.2rem;
  background: var(--card); border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.1rem; margin: 0; }
header a { color: var(--accent); text-decoration: none; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; margin: 0 0 1rem; }
h2 { font-size: 1rem; margin: 0 0 .6rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(8.5rem, 1fr)); gap: .6rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .7rem; }
.card b { display: block; font-size: 1.5rem; font-variant-numeric: tabular-nums; }
.card span { color: var(--muted); font-size: .85rem; }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.error { color: var(--bad); max-width: 28rem; overflow-wrap: anywhere; }
.status-done { color: var(--good); } .status-dead { color: var(--bad); }
form.inline { display: inline; margin: 0; }
button { font: inherit; padding: .2rem .7rem; border-radius: 5px; border: 1px solid var(--line); background: var(--bg);
  color: var(--fg); cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: var(--bad); }
.notice { border-left: 4px solid var(--good); }
.muted { color: var(--muted); }
pre { overflow: auto; max-height: 28rem; background: var(--bg); padding: .6rem; border-radius: 6px; font-size: .8rem; }
svg.chart { width: 100%; height: 120px; display: block; }
svg.chart polyline { fill: none; stroke-width: 2; }
svg.chart .processed { stroke: var(--accent); } svg.chart .accepted { stroke: var(--good); }
.legend span { margin-right: 1rem; font-size: .85rem; }
.legend .processed { color: var(--accent); } .legend .accepted { color: var(--good); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
`

export const CONSOLE_JS = `
'use strict';
(function () {
  var root = document.querySelector('[data-stats-url]');
  if (!root) return;
  var url = root.getAttribute('data-stats-url');
  var svgNs = 'http://www.w3.org/2000/svg';
  function setStat(name, value) {
    var nodes = document.querySelectorAll('[data-stat="' + name + '"]');
    for (var i = 0; i < nodes.length; i++) nodes[i].textContent = String(value);
  }
  function line(svg, cls, values, max) {
    var old = svg.querySelector('polyline.' + cls);
    if (old) svg.removeChild(old);
    if (values.length < 2) return;
    var width = 600, height = 110, step = width / (values.length - 1);
    var points = values.map(function (v, i) {
      return (i * step).toFixed(1) + ',' + (height - (max > 0 ? (v / max) * (height - 6) : 0) + 3).toFixed(1);
    });
    var poly = document.createElementNS(svgNs, 'polyline');
    poly.setAttribute('class', cls);
    poly.setAttribute('points', points.join(' '));
    svg.appendChild(poly);
  }
  function draw(series) {
    var svg = document.getElementById('throughput');
    if (!svg) return;
    var processed = [], accepted = [];
    for (var i = 1; i < series.length; i++) {
      processed.push(Math.max(0, series[i].processed - series[i - 1].processed));
      accepted.push(Math.max(0, series[i].accepted - series[i - 1].accepted));
    }
    var max = Math.max.apply(null, [1].concat(processed, accepted));
    line(svg, 'accepted', accepted, max);
    line(svg, 'processed', processed, max);
    svg.setAttribute('data-points', String(processed.length));
    var latency = document.getElementById('latency');
    if (!latency) return;
    var p50 = [], p95 = [];
    for (var j = 0; j < series.length; j++) {
      p50.push(series[j].p50Ms === null ? 0 : series[j].p50Ms);
      p95.push(series[j].p95Ms === null ? 0 : series[j].p95Ms);
    }
    var peak = Math.max.apply(null, [0].concat(p95));
    line(latency, 'accepted', p50, peak);
    line(latency, 'processed', p95, peak);
    setStat('latency-peak', Math.round(peak));
    var ack = document.getElementById('ack-latency');
    if (!ack) return;
    var a50 = [], a95 = [];
    for (var k = 0; k < series.length; k++) {
      a50.push(series[k].ackP50Ms === null ? 0 : series[k].ackP50Ms);
      a95.push(series[k].ackP95Ms === null ? 0 : series[k].ackP95Ms);
    }
    var ackPeak = Math.max.apply(null, [0].concat(a95));
    line(ack, 'accepted', a50, ackPeak);
    line(ack, 'processed', a95, ackPeak);
    ack.setAttribute('data-points', String(a95.length));
    setStat('ack-peak', Math.round(ackPeak * 10) / 10);
  }
  function refresh() {
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (stats) {
        if (!stats) return;
        Object.keys(stats.counts).forEach(function (k) { setStat('queue-' + k, stats.counts[k]); });
        Object.keys(stats.run).forEach(function (k) { setStat('run-' + k, stats.run[k]); });
        setStat('per-minute', stats.perMinute);
        setStat('ready', stats.ready ? 'ready' : 'not ready');
        Object.keys(stats.apis).forEach(function (api) {
          var a = stats.apis[api];
          setStat(api + '-requests', a.requests);
          setStat(api + '-rate-limited', a.rateLimited);
          setStat(api + '-left', a.left);
          setStat(api + '-limit', a.limit);
          setStat(api + '-window', a.windowSeconds);
          setStat(api + '-resets', a.resetsInSeconds === null ? '-' : a.resetsInSeconds + ' s');
          setStat(api + '-source', a.source === 'gate' ? 'rate headers' : 'configured (not used yet)');
          setStat(api + '-paused', a.paused ? 'paused' : 'open');
        });
        draw(stats.series);
        root.setAttribute('data-refreshed', String(Date.now()));
      })
      .catch(function () { setStat('ready', 'unreachable'); });
  }
  var forms = document.querySelectorAll('form[data-confirm]');
  for (var i = 0; i < forms.length; i++) {
    forms[i].addEventListener('submit', function (event) {
      if (!window.confirm(event.currentTarget.getAttribute('data-confirm'))) event.preventDefault();
    });
  }
  refresh();
  setInterval(refresh, 2000);
})();
`
