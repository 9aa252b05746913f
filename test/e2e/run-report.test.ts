import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { BrowserContext } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { ARTIFACTS, launchChromium } from '../helpers/chromium.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { useListenerCleanup } from '../listener/harness.js'

const tempDir = useTempDir()

/** Debian's Chromium, offline: the report must open with no network at all. */
async function withOfflineBrowser(use: (context: BrowserContext) => Promise<void>): Promise<void> {
  const browser = await launchChromium({ offline: true })
  try {
    await use(browser.context)
  } finally {
    await browser.close()
  }
}
const { startHarness } = useListenerCleanup()

describe('backfill --report (built CLI, Debian Chromium)', () => {
  test('writes one self-contained HTML file that opens offline, with its charts and a sortable dead-letter table', async () => {
    const dir = tempDir()
    const harness = await startHarness(dir, { matching: { defaultCountry: 'FR' } }, { calls: 12, seed: 5 })
    // One contact lookup refused for good: its call goes to dead letters and the report lists them.
    const faults = await fetch(`${harness.sandbox.intercom.url}/_emulator/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ match: 'POST /contacts', kind: 'status', status: 400, nth: [1] }]),
    })
    expect(faults.status).toBe(200)
    const file = join(dir, 'reports', 'backfill.html')
    const since = new Date(Date.now() - 31 * 86_400_000).toISOString()
    const run = await runCli(['backfill', '--since', since, '--report', file, '--json'], { env: harness.env })
    const result = (JSON.parse(run.stdout) as { result: { counts: { deadLetters: number; logged: number } } }).result
    expect(run.code).toBe(3)
    // The calls waiting on that lookup (one caller's, in flight together) fail with it.
    expect(result.counts.deadLetters).toBeGreaterThanOrEqual(1)
    expect(result.counts.logged).toBeGreaterThan(0)
    expect(existsSync(file)).toBe(true)

    await withOfflineBrowser(async (context) => {
      const page = await context.newPage()
      const problems: string[] = []
      const requests: string[] = []
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text())
      })
      page.on('pageerror', (error) => problems.push(error.message))
      page.on('request', (request) => requests.push(request.url()))
      await page.goto(pathToFileURL(file).href)

      // Every chart drew bars: the outcome chart's "logged" bar has a width.
      expect(await page.locator('svg.chart').count()).toBeGreaterThanOrEqual(3)
      const widths = await page
        .locator('svg.chart rect')
        .evaluateAll((rects: Array<{ getAttribute: (name: string) => string | null }>) =>
          rects.map((rect) => Number(rect.getAttribute('width'))),
        )
      expect(widths.some((width) => width > 0)).toBe(true)
      const box = await page.locator('svg.chart').first().boundingBox()
      expect(box?.width ?? 0).toBeGreaterThan(100)
      expect(await page.locator('#dead-letters tbody tr').count()).toBe(result.counts.deadLetters)

      // The table sorts by a header click and filters as one types.
      await page.click('#dead-letters th:text("call")')
      expect(await page.getAttribute('#dead-letters th:text("call")', 'aria-sort')).toBe('ascending')
      await page.fill('input[data-filter="dead-letters"]', 'no such text anywhere')
      expect(await page.locator('#dead-letters tbody tr:visible').count()).toBe(0)
      await page.fill('input[data-filter="dead-letters"]', '')
      expect(await page.locator('#dead-letters tbody tr:visible').count()).toBe(result.counts.deadLetters)

      // The data is inline and the page asked for nothing but itself.
      const data = JSON.parse((await page.textContent('#report-data')) ?? '{}') as {
        result: { counts: { logged: number } }
      }
      expect(data.result.counts.logged).toBe(result.counts.logged)
      expect(requests).toEqual([pathToFileURL(file).href])
      expect(problems).toEqual([])
      mkdirSync(ARTIFACTS, { recursive: true })
      await page.screenshot({ path: join(ARTIFACTS, 'backfill-report.png'), fullPage: true })
    })
  }, 90_000)

  test('sync, tags sync and audit unmatched write their reports too: calls per day, requests over time, unmatched callers', async () => {
    const dir = tempDir()
    const config = {
      matching: { defaultCountry: 'FR', createUnknown: false },
      tags: { map: [{ tag: 'VIP', attribute: 'report_vip' }] },
    }
    const harness = await startHarness(dir, config, { calls: 40, seed: 9, days: 1 })
    const reports = join(dir, 'reports')
    const runs = {
      sync: ['sync', '--lookback', '1d'],
      tags: ['tags', 'sync', '--since', '2d'],
      audit: ['audit', 'unmatched', '--since', '2d'],
    }
    const results: Record<string, { unmatched?: unknown[] }> = {}
    for (const [name, args] of Object.entries(runs)) {
      const run = await runCli([...args, '--report', join(reports, `${name}.html`), '--json'], { env: harness.env })
      expect(run.code, run.stderr).toBe(0)
      results[name] = (JSON.parse(run.stdout) as { result: { unmatched?: unknown[] } }).result
    }
    const unmatchedCallers = results.audit?.unmatched?.length ?? 0
    expect(unmatchedCallers).toBeGreaterThan(0)

    await withOfflineBrowser(async (context) => {
      const page = await context.newPage()
      const problems: string[] = []
      const requests: string[] = []
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text())
      })
      page.on('pageerror', (error) => problems.push(error.message))
      page.on('request', (request) => requests.push(request.url()))

      for (const name of ['sync', 'tags']) {
        const file = pathToFileURL(join(reports, `${name}.html`)).href
        await page.goto(file)
        // What the run did by call day, and its API traffic over the run's time.
        expect(await page.locator('figure[data-chart="calls-per-day"] svg.chart rect').count()).toBeGreaterThan(0)
        expect(await page.locator('figure[data-chart="api-requests-over-time"] svg.chart').count()).toBe(1)
        expect(await page.locator('figure[data-chart="api-429s-over-time"] svg.chart').count()).toBe(1)
      }

      await page.goto(pathToFileURL(join(reports, 'audit.html')).href)
      const rows = page.locator('#unmatched-callers tbody tr')
      expect(await rows.count()).toBe(unmatchedCallers)
      await page.click('#unmatched-callers th:text("calls")')
      expect(await page.getAttribute('#unmatched-callers th:text("calls")', 'aria-sort')).toBe('ascending')
      await page.fill('input[data-filter="unmatched-callers"]', 'no such caller anywhere')
      expect(await page.locator('#unmatched-callers tbody tr:visible').count()).toBe(0)
      expect(requests.every((url) => url.startsWith('file://'))).toBe(true)
      expect(problems).toEqual([])
      mkdirSync(ARTIFACTS, { recursive: true })
      await page.screenshot({ path: join(ARTIFACTS, 'audit-report.png'), fullPage: true })
    })
  }, 120_000)
})
