import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { aircallFixture } from '../../src/listener/fixtures.js'
import { normalisePhone } from '../../src/phone/index.js'
import { openStateStore } from '../../src/store/sqlite/index.js'
import { ARTIFACTS, launchChromium } from '../helpers/chromium.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { intercomState, queueSettled, useListenerCleanup, waitFor } from '../listener/harness.js'

const tempDir = useTempDir()
const { startHarness, spawnListen } = useListenerCleanup()

let browser: { close: () => Promise<void> } | undefined
afterEach(async () => {
  await browser?.close()
  browser = undefined
})

describe('operator console in a real browser (built CLI, Debian Chromium)', () => {
  test('loads without console errors, shows a trail, replays a dead letter by clicking, refuses a POST without CSRF', async () => {
    // Resolving closes a conversation: a write the loop guard marks, so the console has a mark to list.
    const harness = await startHarness(tempDir(), { resolve: { enabled: true } })
    const { env } = harness
    // A dead letter waiting before the listener starts: a call.ended whose Intercom write failed for good.
    const caller = harness.sandbox.world.truth.knownCallers.find(
      (phone) => normalisePhone(phone, 'FR').kind === 'valid',
    )!
    const store = openStateStore(harness.statePath)
    const timestamp = Math.floor(Date.now() / 1000)
    const dead = store.queue.enqueue({
      source: 'aircall',
      identity: `aircall:call.ended:901:${timestamp}`,
      type: 'call.ended',
      subject: 'aircall:call:901',
      payload: JSON.stringify(aircallFixture('call.ended', '***', { callId: 901, rawDigits: caller, timestamp })),
      receivedAt: Date.now(),
    }).id
    store.queue.claim(1, Date.now(), 60_000)
    store.queue.deadLetter(dead, 'ServerError: Intercom answered 503 on POST /conversations <script>alert(1)</script>')
    store.close()

    const listener = spawnListen(harness)
    const url = await listener.url
    expect((await runCli(['trigger', 'call.ended', '--to', url, '--call-id', '777'], { env })).code).toBe(0)
    const resolving = ['trigger', 'call.ended', '--to', url, '--call-id', '778', '--tag', 'resolved']
    expect((await runCli(resolving, { env })).code).toBe(0)
    await queueSettled(url)

    const launched = await launchChromium()
    browser = launched
    const page = await launched.context.newPage()
    const problems: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text())
    })
    page.on('pageerror', (error) => problems.push(error.message))
    page.on('dialog', (dialog) => void dialog.dismiss())

    await page.goto(`${url}/console`)
    await waitFor(async () => (await page.getAttribute('body', 'data-refreshed')) !== null, 'the first live refresh')
    expect(await page.textContent('[data-stat="queue-dead"]')).toBe('1')
    // The error text was shown as text: the script tag in it is not markup.
    expect(await page.locator('#dead-letters td.error').textContent()).toContain('<script>alert(1)</script>')
    expect(await page.locator('script').count()).toBe(1)
    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: join(ARTIFACTS, 'console-overview.png'), fullPage: true })

    // The triggered call's trail, with a link to the conversation it logged.
    const listed = JSON.parse(
      (await runCli(['events', 'list', '--outcome', 'log:logged', '--json'], { env })).stdout,
    ) as {
      result: { events: Array<{ id: number; subject: string | null }> }
    }
    const logged = listed.result.events.find((event) => event.subject === 'aircall:call:777')?.id ?? 0
    await page.click(`tr[data-event="${logged}"] a`)
    await page.waitForSelector('#trail tr.effect')
    const trail = await page.locator('#trail tr.effect').first().textContent()
    expect(trail).toMatch(/log\s*logged\s*conversation \S+/)
    const conversation = intercomState(harness).conversations.find(
      (item) => (item.custom_attributes as Record<string, unknown>).aircall_call_id === '777',
    )!
    expect(await page.locator(`#trail a:text-is("${String(conversation.id)}")`).getAttribute('href')).toContain(
      `/conversations/${String(conversation.id)}`,
    )
    await page.screenshot({ path: join(ARTIFACTS, 'console-event.png'), fullPage: true })

    // Replay the dead letter by clicking: the worker logs it, and the emulator then holds the conversation.
    await page.goto(`${url}/console`)
    await Promise.all([
      page.waitForURL(/\/console\?replayed=/),
      page.click(`#dead-letters tr[data-event="${dead}"] button:text("Replay")`),
    ])
    expect(await page.textContent('.notice')).toContain(`Event #${dead} requeued`)
    await waitFor(
      () =>
        intercomState(harness).conversations.some(
          (item) => (item.custom_attributes as Record<string, unknown>).aircall_call_id === '901',
        ),
      'the replayed call in Intercom',
    )
    await queueSettled(url)
    const shown = JSON.parse((await runCli(['events', 'show', String(dead), '--json'], { env })).stdout) as {
      result: { status: string; outcome: { effects: Array<{ rule: string; status: string }> } }
    }
    expect(shown.result.status).toBe('done')
    expect(shown.result.outcome.effects[0]).toMatchObject({ rule: 'log', status: 'logged' })
    // The live charts drew once two samples (2 s apart) exist: throughput and processing time.
    await page.goto(`${url}/console`)
    await waitFor(async () => (await page.locator('#throughput polyline.processed').count()) > 0, 'the chart')
    expect(await page.locator('#latency polyline.processed').count()).toBe(1)
    expect(await page.locator('#throughput polyline.processed').getAttribute('points')).toMatch(/^[\d.]+,[\d.]+ /)
    // Webhook acknowledgement times, charted beside processing times.
    expect(await page.locator('#ack-latency polyline.processed').count()).toBe(1)
    // Drawn from real acknowledgements: the triggers' 2xx took some time, so the peak is not the empty chart's 0.
    expect(Number(await page.textContent('[data-stat="ack-peak"]'))).toBeGreaterThan(0)
    // The loop guard lists the write it marked: closing the resolved call's conversation.
    const resolved = intercomState(harness).conversations.find(
      (item) => (item.custom_attributes as Record<string, unknown>).aircall_call_id === '778',
    )!
    expect(resolved.state).toBe('closed')
    expect(await page.locator('#loop-guard tbody tr').count()).toBe(1)
    expect(await page.locator('#loop-guard tbody tr').textContent()).toContain(String(resolved.id))
    // Intercom's budget comes from its rate gate once used: limit, what is left and when the window resets.
    const stats = (await (await fetch(`${url}/console/api/stats`)).json()) as {
      apis: Record<string, { source: string; limit: number; left: number; resetsInSeconds: number | null }>
    }
    expect(stats.apis.intercom?.source).toBe('gate')
    expect(await page.textContent('[data-stat="intercom-source"]')).toBe('rate headers')
    expect(Number(await page.textContent('[data-stat="intercom-limit"]'))).toBe(stats.apis.intercom?.limit)
    await page.screenshot({ path: join(ARTIFACTS, 'console-charts.png'), fullPage: true })
    expect(problems).toEqual([])

    // A form posted without its CSRF token (or with a wrong one) changes nothing.
    const forged = (body: string) =>
      fetch(`${url}/console/events/${logged}/replay`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        redirect: 'manual',
      })
    expect((await forged('')).status).toBe(403)
    expect((await forged('csrf=guessed')).status).toBe(403)
    const after = JSON.parse((await runCli(['events', 'show', String(logged), '--json'], { env })).stdout) as {
      result: { status: string }
    }
    expect(after.result.status).toBe('done')
  }, 120_000)

  test('bound to a non-loopback interface the console needs listener.consoleToken', async () => {
    const token = 'console-token-for-the-test-0123456789'
    const harness = await startHarness(tempDir(), { listener: { consoleToken: token } })
    const listener = spawnListen(harness, ['--host', '0.0.0.0'])
    // Reached over loopback only: the test sends nothing to any other address.
    const url = (await listener.url).replace('0.0.0.0', '127.0.0.1')
    expect((await fetch(`${url}/console`)).status).toBe(401)
    expect((await fetch(`${url}/console?token=wrong-token-0123456789`)).status).toBe(401)
    const login = await fetch(`${url}/console?token=${token}`, { redirect: 'manual' })
    expect(login.status).toBe(303)
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    expect(login.headers.get('set-cookie')).toContain('HttpOnly; SameSite=Strict')
    expect((await fetch(`${url}/console`, { headers: { cookie } })).status).toBe(200)
    expect((await fetch(`${url}/console/api/stats`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      200,
    )
    // Webhooks and health are unaffected by the console's guard.
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    listener.child.kill('SIGTERM')
    expect(await listener.exited).toBe(0)
  }, 60_000)
})
