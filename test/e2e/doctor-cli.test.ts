import type { Server } from 'node:http'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import { IntercomClient } from '../../src/intercom/client.js'
import { createIntakeServer, listenOn } from '../../src/listener/intake.js'
import { asyncSqliteStore, openStateStore, type SqliteStateStore } from '../../src/store/sqlite/index.js'
import { runCli } from '../helpers/run-cli.js'
import { sandboxEnv, sandboxSecrets } from './sandbox-env.js'

let sandbox: SandboxHandle
let listener: Server
let listenerUrl: string
let listenerStore: SqliteStateStore
let cwd: string

beforeAll(async () => {
  sandbox = await startSandbox({ calls: 5, aircall: { rateLimitPerMinute: 0 } })
  // One directory for the whole file: the tests run in order against the same setup.
  cwd = mkdtempSync(join(tmpdir(), 'aircall-intercom-doctor-'))
  listenerStore = openStateStore(join(cwd, 'listener.sqlite'))
  listener = createIntakeServer({
    store: asyncSqliteStore(listenerStore),
    aircallWebhookToken: sandbox.aircall.webhookToken,
    intercomClientSecret: sandbox.intercom.clientSecret,
    maxBodyBytes: 1_048_576,
  })
  listenerUrl = await listenOn(listener, '127.0.0.1', 0)
  writeFileSync(
    join(cwd, 'aircall-intercom.yml'),
    [
      'intercom:',
      `  adminId: "${sandbox.intercom.adminId}"`,
      'tags:',
      '  map:',
      '    - { tag: VIP, attribute: doctor_vip, type: boolean, target: contact }',
      'missedCalls:',
      '  enabled: true',
      '  templates:',
      '    - { name: default, body: "Sorry {{ caller.name }}" }',
      '',
    ].join('\n'),
  )
})
afterAll(async () => {
  await new Promise((resolve) => listener.close(resolve))
  listenerStore.close()
  await sandbox.close()
  rmSync(cwd, { recursive: true, force: true })
})

interface Row {
  id: string
  status: string
  detail: string
  hint?: string
}
const rows = (stdout: string): Row[] => (JSON.parse(stdout) as { result: { checks: Row[] } }).result.checks

describe('doctor against the sandbox', () => {
  test('a fresh setup fails on missing attributes and webhook; --fix --yes creates the attributes; then all pass', async () => {
    const env = sandboxEnv(sandbox, { AIRCALL_WEBHOOK_TOKEN: sandbox.aircall.webhookToken })
    const before = await runCli(['doctor', '--listener-url', listenerUrl], { cwd, env })
    expect(before.code).toBe(1)
    expect(before.stdout).toMatch(/✗ │ contact attribute\s+│ missing \(boolean\)/)
    expect(before.stdout).toContain('↳ run `doctor --fix` to create it')
    expect(before.stdout).toContain(`none delivers to ${listenerUrl}/aircall`)

    const fixed = await runCli(['doctor', '--fix', '--yes', '--json', '--listener-url', listenerUrl], { cwd, env })
    expect(fixed.code).toBe(1)
    const document = JSON.parse(fixed.stdout) as { result: { fixesApplied: string[] } }
    expect(document.result.fixesApplied).toEqual([
      'create contact attribute doctor_vip (boolean)',
      'create conversation attribute aircall_call_id (string)',
    ])
    const intercom = new IntercomClient({ accessToken: sandbox.intercom.accessToken, baseUrl: sandbox.intercom.url })
    const attributes = await intercom.dataAttributes.list('contact')
    expect(attributes.find((attribute) => attribute.name === 'doctor_vip')?.data_type).toBe('boolean')

    const register = await runCli(['webhooks', 'register', '--url', listenerUrl], { cwd, env })
    expect(register.code).toBe(0)

    const healthy = await runCli(['doctor', '--json', '--listener-url', listenerUrl], { cwd, env })
    expect(healthy.code).toBe(0)
    const checks = rows(healthy.stdout)
    expect(checks.filter((check) => check.status !== 'pass' && check.status !== 'info')).toEqual([])
    expect(checks.map((check) => check.id)).toEqual([
      'config',
      'aircall-credentials',
      'intercom-credentials',
      'admin',
      'attribute:contact:doctor_vip',
      'attribute:conversation:aircall_call_id',
      'aircall-tags',
      'aircall-ai',
      'template:note',
      'template:missed:default',
      'store',
      'store:processes',
      'listener',
      'aircall-webhook',
      'intercom-topics',
    ])
    // No listener works on this state file (the one at --listener-url is a stand-in), and no sync runs.
    expect(checks.find((check) => check.id === 'store:processes')).toMatchObject({
      status: 'info',
      detail: 'no listener running; no sync running',
    })
    const human = await runCli(['doctor', '--listener-url', listenerUrl], { cwd, env })
    expect(human.code).toBe(0)
    expect(human.stdout).toContain('All checks passed.')
    for (const secret of sandboxSecrets(sandbox))
      expect(before.stdout + fixed.stdout + healthy.stdout + human.stdout).not.toContain(secret)
  })

  test('a wrong Aircall token fails that row with exit 1 and a hint, and prints no secret', async () => {
    const wrong = 'wrong-aircall-token-5e5e5e'
    const env = sandboxEnv(sandbox, { AIRCALL_API_TOKEN: wrong })
    const result = await runCli(['doctor'], { cwd, env })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/✗ │ Aircall credentials\s+│ Aircall refused the API key \(403\)/)
    expect(result.stdout).toContain('↳ check AIRCALL_API_ID and AIRCALL_API_TOKEN')
    expect(result.stdout).toMatch(/✓ │ Intercom credentials/)
    expect(result.stdout).toMatch(/- │ Aircall webhook\s+│ not checked: the Aircall credentials failed/)
    for (const secret of [wrong, ...sandboxSecrets(sandbox)])
      expect(result.stdout + result.stderr).not.toContain(secret)
  })
})
