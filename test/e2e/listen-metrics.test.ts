import { describe, expect, test } from 'vitest'
import { coveredSeconds, spansOf } from '../../src/sources/coverage.js'
import { aircallFixture } from '../../src/listener/fixtures.js'
import { MIGRATIONS } from '../../src/store/migrations.js'
import { openStateStore } from '../../src/store/sqlite/index.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { queueSettled, useListenerCleanup, waitFor } from '../listener/harness.js'

const tempDir = useTempDir()
const LATEST = MIGRATIONS.at(-1)?.version
const { startHarness, spawnListen } = useListenerCleanup()

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/**
 * A small parser of the Prometheus text format (version 0.0.4): `# HELP`/`# TYPE` lines, then one sample a line,
 * `name{label="value",…} number`. Every line must be one of these, so a malformed exposition fails the test.
 */
const parsePrometheus = (text: string): { samples: Sample[]; types: Map<string, string> } => {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|\+Inf|-Inf|NaN))$/
  const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g
  for (const line of text.split('\n')) {
    if (line === '') continue
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line)
    if (type) {
      types.set(type[1] ?? '', type[2] ?? '')
      continue
    }
    if (line.startsWith('# HELP ')) continue
    const match = sampleLine.exec(line)
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const pair of (match[2] ?? '').matchAll(labelPair)) labels[pair[1] ?? ''] = pair[2] ?? ''
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) })
  }
  return { samples, types }
}

const valueOf = (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined =>
  samples.find(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  )?.value

describe('listen /metrics, /readyz, /healthz (built CLI)', () => {
  test('after a burst of webhooks, /metrics parses and its counters match the store; SIGTERM fails /readyz first', async () => {
    const harness = await startHarness(tempDir(), { listener: { metrics: true, drainGraceMs: 60_000 } })
    // A backfill on the same store, as from cron on the same machine: /metrics shows how far it got.
    const backfill = await runCli(['backfill', '--since', '2d', '--json'], { env: harness.env })
    expect(backfill.code, backfill.stderr).toBe(0)
    const listener = spawnListen(harness)
    const url = await listener.url
    expect((await fetch(`${url}/readyz`)).status).toBe(200)

    const token = harness.sandbox.aircall.webhookToken
    const timestamp = Math.floor(Date.now() / 1000)
    const bodies = Array.from({ length: 30 }, (_, index) =>
      JSON.stringify(aircallFixture('call.ended', token, { callId: 500_000 + index, timestamp: timestamp - index })),
    )
    const post = (body: string) =>
      fetch(`${url}/aircall`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const answers = await Promise.all([
      ...bodies.map(post),
      // Redeliveries of five of them, five forged tokens and three bodies that are not JSON.
      ...bodies.slice(0, 5).map(post),
      ...Array.from({ length: 5 }, (_, index) =>
        post(JSON.stringify(aircallFixture('call.ended', 'forged', { callId: 600_000 + index }))),
      ),
      ...Array.from({ length: 3 }, () => post('{not json')),
    ])
    const statuses = answers.map((answer) => answer.status)
    expect(statuses.filter((status) => status === 200)).toHaveLength(35)
    expect(statuses.filter((status) => status === 401)).toHaveLength(5)
    expect(statuses.filter((status) => status === 400)).toHaveLength(3)
    await queueSettled(url, 60_000)

    const scraped = await fetch(`${url}/metrics`)
    expect(scraped.status).toBe(200)
    expect(scraped.headers.get('content-type')).toContain('text/plain; version=0.0.4')
    const { samples, types } = parsePrometheus(await scraped.text())

    const store = openStateStore(harness.statePath, { readonly: true })
    const stored = store.queue.list({ source: 'aircall' })
    const counts = store.queue.counts()
    const checkpoint = store.checkpoints.get('backfill:api')
    store.close()
    expect(stored).toHaveLength(30)

    expect(types.get('aircall_intercom_webhooks_received_total')).toBe('counter')
    expect(types.get('aircall_intercom_event_processing_seconds')).toBe('histogram')
    expect(valueOf(samples, 'aircall_intercom_webhooks_received_total', { source: 'aircall' })).toBe(43)
    expect(valueOf(samples, 'aircall_intercom_webhooks_accepted_total', { source: 'aircall' })).toBe(stored.length)
    expect(valueOf(samples, 'aircall_intercom_webhooks_duplicates_total', { source: 'aircall' })).toBe(5)
    expect(
      valueOf(samples, 'aircall_intercom_webhooks_rejected_total', {
        source: 'aircall',
        status: '401',
        cause: 'invalid webhook token',
      }),
    ).toBe(5)
    expect(valueOf(samples, 'aircall_intercom_webhooks_rejected_total', { status: '400' })).toBe(3)
    expect(valueOf(samples, 'aircall_intercom_webhook_ack_seconds_count', { source: 'aircall' })).toBe(35)
    for (const status of ['queued', 'processing', 'done', 'dead'] as const) {
      expect(valueOf(samples, 'aircall_intercom_queue_events', { status })).toBe(counts[status])
    }
    expect(counts.done).toBe(30)
    expect(valueOf(samples, 'aircall_intercom_events_processed_total', { result: 'done' })).toBe(counts.done)
    expect(valueOf(samples, 'aircall_intercom_event_processing_seconds_count')).toBe(counts.done)
    expect(valueOf(samples, 'aircall_intercom_event_effects_total', { rule: 'log', status: 'logged' })).toBe(30)
    expect(valueOf(samples, 'aircall_intercom_api_requests_total', { api: 'intercom' })).toBeGreaterThan(0)
    expect(valueOf(samples, 'aircall_intercom_api_rate_limited_total', { api: 'intercom' })).toBe(0)
    // Aircall's budget (aircall.rateLimitPerMinute: 120 in the harness) less what this minute used.
    const aircallRequests = valueOf(samples, 'aircall_intercom_api_requests_total', { api: 'aircall' }) ?? 0
    expect(valueOf(samples, 'aircall_intercom_api_rate_budget_remaining', { api: 'aircall' })).toBe(
      Math.max(0, 120 - aircallRequests),
    )
    expect(valueOf(samples, 'aircall_intercom_listener_ready')).toBe(1)
    expect(coveredSeconds(spansOf(checkpoint?.value))).toBeGreaterThan(86_400)
    expect(valueOf(samples, 'aircall_intercom_backfill_covered_seconds', { checkpoint: 'backfill:api' })).toBe(
      coveredSeconds(spansOf(checkpoint?.value)),
    )
    expect(
      valueOf(samples, 'aircall_intercom_backfill_checkpoint_updated_timestamp_seconds', {
        checkpoint: 'backfill:api',
      }),
    ).toBe(Math.floor((checkpoint?.updatedAt ?? 0) / 1000))

    // A drain: /readyz fails while the process is up and still acknowledging webhooks.
    listener.child.kill('SIGTERM')
    const draining = await waitFor(async () => {
      const answer = await fetch(`${url}/readyz`)
      return answer.status === 503 ? ((await answer.json()) as { draining: boolean }) : null
    }, '/readyz to fail')
    expect(draining.draining).toBe(true)
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    expect((await post(bodies[0] ?? '')).status).toBe(200)
    // The test does not wait out the grace: cleanup kills the child.
  }, 120_000)

  test('metrics are off by default: /metrics is 404, /readyz still answers', async () => {
    const harness = await startHarness(tempDir())
    const listener = spawnListen(harness)
    const url = await listener.url
    expect((await fetch(`${url}/metrics`)).status).toBe(404)
    const ready = await fetch(`${url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ ready: true, store: { ok: true, schema: LATEST, latest: LATEST } })
    expect((await fetch(`${url}/readyz`, { method: 'POST' })).status).toBe(405)
    listener.child.kill('SIGTERM')
    expect(await listener.exited).toBe(0)
  }, 60_000)
})
