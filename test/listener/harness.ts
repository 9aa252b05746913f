import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { afterEach } from 'vitest'
import { startListener, type ListenEvent, type ListenHandle } from '../../src/app/listen.js'
import { Runtime } from '../../src/app/runtime.js'
import { loadConfig } from '../../src/config/loader.js'
import type { ConfigInput } from '../../src/config/schema.js'
import { startSandbox, type SandboxHandle, type SandboxOptions } from '@aircall-intercom/emulators'
import { CLI, REPO_ROOT } from '../helpers/run-cli.js'

export interface Harness {
  sandbox: SandboxHandle
  dir: string
  configPath: string
  statePath: string
  env: Record<string, string>
  close(): Promise<void>
}

/** Both emulators (seeded, rate limits off) and a config file pointing at them, in a temp dir. */
export const startHarness = async (
  dir: string,
  config: ConfigInput = {},
  sandboxOptions: SandboxOptions = {},
): Promise<Harness> => {
  const sandbox = await startSandbox({
    calls: 20,
    ...sandboxOptions,
    aircall: { rateLimitPerMinute: 0, endedDelayMs: 300, finaliseDelayMs: 60_000, ...sandboxOptions.aircall },
    intercom: { rateLimitPerMinute: 0, ...sandboxOptions.intercom },
  })
  const configPath = join(dir, 'aircall-intercom.yml')
  const statePath = join(dir, 'state.sqlite')
  writeFileSync(
    configPath,
    stringify({
      ...config,
      // As long as the emulator's search lags (none unless a test sets it): an interrupted contact create waits
      // out the lag window before creating again, and a window far longer than the real lag only slows tests.
      matching: {
        searchLagSeconds: Math.ceil((sandboxOptions.intercom?.searchLagMs ?? 0) / 1000) + 1,
        ...config.matching,
      },
      aircall: { rateLimitPerMinute: 120, concurrency: 4, ...config.aircall },
      intercom: { rateLimitPerMinute: 100_000, concurrency: 16, ...config.intercom },
    }),
  )
  const env = {
    AIRCALL_INTERCOM_CONFIG: configPath,
    AIRCALL_INTERCOM_STATE: statePath,
    AIRCALL_API_ID: sandbox.aircall.apiId,
    AIRCALL_API_TOKEN: sandbox.aircall.apiToken,
    AIRCALL_API_URL: sandbox.aircall.url,
    AIRCALL_WEBHOOK_TOKEN: sandbox.aircall.webhookToken,
    INTERCOM_ACCESS_TOKEN: sandbox.intercom.accessToken,
    INTERCOM_API_URL: sandbox.intercom.url,
    INTERCOM_CLIENT_SECRET: sandbox.intercom.clientSecret,
    INTERCOM_ADMIN_ID: sandbox.intercom.adminId,
  }
  return { sandbox, dir, configPath, statePath, env, close: () => sandbox.close() }
}

/** The listen service in this process (for the heavier tests); events are collected. */
export const startInProcess = async (
  harness: Harness,
): Promise<{ handle: ListenHandle; runtime: Runtime; events: ListenEvent[]; stop: () => Promise<void> }> => {
  const runtime = new Runtime(loadConfig({ env: harness.env, cwd: harness.dir }))
  const events: ListenEvent[] = []
  const handle = await startListener(runtime, { host: '127.0.0.1', port: 0, onEvent: (event) => events.push(event) })
  return {
    handle,
    runtime,
    events,
    stop: async () => {
      await handle.stop()
      await runtime.close()
    },
  }
}

export interface ListenChild {
  child: ChildProcessWithoutNullStreams
  url: Promise<string>
  /** NDJSON log lines seen so far (stderr with --json). */
  lines: Array<Record<string, unknown>>
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

/** The built CLI's `listen --json --port 0` as a child process. */
export const spawnListen = (harness: Harness, extraArgs: string[] = []): ListenChild => {
  const child = spawn(process.execPath, [CLI, 'listen', '--port', '0', '--json', ...extraArgs], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...harness.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  let partial = ''
  const lines: Array<Record<string, unknown>> = []
  let resolveUrl: (url: string) => void = () => undefined
  let rejectUrl: (error: Error) => void = () => undefined
  const url = new Promise<string>((resolve, reject) => {
    resolveUrl = resolve
    rejectUrl = reject
  })
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
    partial += chunk.toString()
    const complete = partial.split('\n')
    partial = complete.pop() ?? ''
    for (const text of complete) {
      if (!text.trim()) continue
      try {
        const line = JSON.parse(text) as Record<string, unknown>
        lines.push(line)
        if (line.type === 'listening' && typeof line.url === 'string') resolveUrl(line.url)
      } catch {
        // Not a log line (e.g. a Node warning): kept in stderr only.
      }
    }
  })
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  void exited.then(() => rejectUrl(new Error(`listen exited before listening:\n${stderr}${stdout}`)))
  return { child, url, lines, stdout: () => stdout, stderr: () => stderr, exited }
}

/** Points the Aircall webhook and the Intercom subscription at a listener. */
export const registerWebhooks = async (
  harness: Harness,
  listenerUrl: string,
  options: { aircallEvents?: string[]; intercomTopics?: string[] } = {},
): Promise<void> => {
  const { aircall } = harness.sandbox
  const response = await fetch(`${aircall.url}/v1/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${aircall.apiId}:${aircall.apiToken}`).toString('base64')}`,
    },
    body: JSON.stringify({
      url: `${listenerUrl}/aircall`,
      events: options.aircallEvents ?? [
        'call.created',
        'call.ringing_on_agent',
        'call.hungup',
        'call.ended',
        'call.tagged',
      ],
    }),
  })
  if (response.status !== 201)
    throw new Error(`webhook registration failed: ${response.status} ${await response.text()}`)
  if (options.intercomTopics) {
    await harness.sandbox.intercomEmulator.subscribe(`${listenerUrl}/intercom`, options.intercomTopics)
  }
}

/** Polls until `check` returns a value (not a timed assertion: it only bounds how long to wait). */
export const waitFor = async <T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Waits until the listener's queue holds nothing queued or in progress. */
export const queueSettled = async (listenerUrl: string, timeoutMs = 20_000): Promise<void> => {
  await waitFor(
    async () => {
      const health = (await (await fetch(`${listenerUrl}/healthz`)).json()) as { queued: number; processing: number }
      return health.queued === 0 && health.processing === 0
    },
    'the queue to drain',
    timeoutMs,
  )
}

export const intercomState = (
  harness: Harness,
): {
  messages: Array<{ to: Array<{ id: string }>; body: string }>
  notes: Array<{ contactId: string; body: string }>
  conversations: Array<Record<string, unknown>>
  contacts: Array<Record<string, unknown>>
} => harness.sandbox.intercomEmulator.state() as never

/**
 * For test files that start harnesses and `listen` children: both are tracked, and after each test every child
 * still running is SIGKILLed and awaited, then the harness is closed, whatever the test's outcome.
 */
export const useListenerCleanup = (): {
  startHarness: typeof startHarness
  spawnListen: typeof spawnListen
} => {
  let harness: Harness | undefined
  const children: ListenChild[] = []
  afterEach(async () => {
    for (const listener of children.splice(0)) {
      if (listener.child.exitCode === null && listener.child.signalCode === null) listener.child.kill('SIGKILL')
      await listener.exited
    }
    await harness?.close()
    harness = undefined
  })
  return {
    startHarness: async (...args) => (harness = await startHarness(...args)),
    spawnListen: (...args) => {
      const listener = spawnListen(...args)
      children.push(listener)
      return listener
    },
  }
}
