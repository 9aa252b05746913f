import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runDoctor, type DoctorResult } from '../../src/app/doctor.js'
import { ConfigError, type LoadedConfig } from '../../src/config/loader.js'
import { configSchema, type ConfigInput } from '../../src/config/schema.js'
import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()
let sandbox: SandboxHandle
let silent: Server
let silentUrl: string
const sockets: Socket[] = []

beforeAll(async () => {
  sandbox = await startSandbox({ calls: 5, aircall: { rateLimitPerMinute: 0 } })
  // Accepts connections and never answers: an API that hangs.
  silent = createServer((socket) => sockets.push(socket))
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  const address = silent.address()
  silentUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
})
afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise((resolve) => silent.close(resolve))
  await sandbox.close()
})

const loaded = (
  input: ConfigInput = {},
  overrides: { aircallUrl?: string; intercomToken?: string } = {},
): LoadedConfig => ({
  config: configSchema.parse({
    ...input,
    aircall: {
      apiUrl: overrides.aircallUrl ?? sandbox.aircall.url,
      apiId: sandbox.aircall.apiId,
      apiToken: sandbox.aircall.apiToken,
      webhookToken: sandbox.aircall.webhookToken,
      ...input.aircall,
    },
    intercom: {
      apiUrl: sandbox.intercom.url,
      accessToken: overrides.intercomToken ?? sandbox.intercom.accessToken,
      clientSecret: sandbox.intercom.clientSecret,
      adminId: sandbox.intercom.adminId,
      ...input.intercom,
    },
  }),
  file: '/virtual/aircall-intercom.yml',
  expectedFile: '/virtual/aircall-intercom.yml',
  statePath: join(tempDir(), 'state.sqlite'),
  secrets: [],
  sources: {},
})

const byId = (result: DoctorResult, id: string) => result.checks.find((check) => check.id === id)

describe('doctor checks', () => {
  test('an invalid configuration is the one failed row, with the problem', async () => {
    const result = await runDoctor({
      load: () => {
        throw new ConfigError([{ file: 'x.yml', path: 'intercom.region', message: 'must be one of "us", "eu", "au"' }])
      },
    })
    expect(result.failed).toBe(1)
    expect(result.checks).toEqual([
      expect.objectContaining({
        id: 'config',
        status: 'fail',
        detail: expect.stringContaining('x.yml:intercom.region'),
      }),
    ])
  })

  test('a refused token fails its row with a hint, skips what depends on it, and shows no secret', async () => {
    const result = await runDoctor({ load: () => loaded({}, { intercomToken: 'dG9rOm-wrong-token' }) })
    expect(byId(result, 'intercom-credentials')).toMatchObject({
      status: 'fail',
      detail: 'Intercom refused the access token (401)',
      hint: expect.stringContaining('INTERCOM_ACCESS_TOKEN'),
    })
    expect(byId(result, 'admin')?.status).toBe('skip')
    expect(byId(result, 'aircall-credentials')?.status).toBe('pass')
    expect(JSON.stringify(result)).not.toContain('dG9rOm-wrong-token')
  })

  test('an API that never answers fails after the per-check timeout while the other checks complete', async () => {
    const result = await runDoctor({ load: () => loaded({}, { aircallUrl: silentUrl }), timeoutMs: 300 })
    expect(byId(result, 'aircall-credentials')).toMatchObject({ status: 'fail', detail: 'no answer within 0.3 s' })
    expect(byId(result, 'aircall-webhook')?.status).toBe('skip')
    expect(byId(result, 'intercom-credentials')?.status).toBe('pass')
    expect(byId(result, 'store')?.status).toBe('pass')
  })

  test('an API nobody listens at fails as refused, with its URL, well before the per-check timeout', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const address = probe.address()
    const port = typeof address === 'object' && address ? address.port : 0
    await new Promise((resolve) => probe.close(resolve))
    const slept: number[] = []
    const result = await runDoctor({
      load: () => loaded({ intercom: { apiUrl: `http://127.0.0.1:${port}` } }),
      deps: {
        sleep: (ms) => {
          slept.push(ms)
          return Promise.resolve()
        },
      },
    })
    expect(byId(result, 'intercom-credentials')).toMatchObject({
      status: 'fail',
      detail: `cannot reach Intercom at http://127.0.0.1:${port}/ : connection refused`,
      hint: expect.stringContaining('INTERCOM_API_URL') as unknown,
    })
    expect(byId(result, 'admin')?.status).toBe('skip')
    expect(byId(result, 'aircall-credentials')?.status).toBe('pass')
    // One retry a second later, then the answer: not ten seconds of backoff ending in "no answer".
    expect(slept).toEqual([1_000])
  })

  test('templates render with sample data; a broken one fails with its position', async () => {
    const result = await runDoctor({
      load: () =>
        loaded({
          logging: { templates: { note: 'Call {{ callId }}\n{% if %}' } },
          missedCalls: { enabled: true, templates: [{ name: 'default', body: 'Sorry {{ caller.name }}' }] },
          resolve: { enabled: true },
        }),
    })
    expect(byId(result, 'template:note')).toMatchObject({ status: 'fail', detail: expect.stringContaining('line 2') })
    expect(byId(result, 'template:missed:default')?.status).toBe('pass')
    expect(byId(result, 'template:resolve')).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('default'),
    })
  })

  test('missing tags and attributes are listed; --fix creates them only when confirmed', async () => {
    const input: ConfigInput = {
      tags: { map: [{ tag: 'Platinum', attribute: 'doctor_platinum', type: 'date', target: 'both' }] },
      logging: { callIdAttribute: 'doctor_call_id' },
    }
    const first = await runDoctor({ load: () => loaded(input), fix: true, confirmFix: () => Promise.resolve(false) })
    expect(byId(first, 'attribute:contact:doctor_platinum')).toMatchObject({ status: 'fail', detail: 'missing (date)' })
    expect(byId(first, 'attribute:conversation:doctor_call_id')?.status).toBe('fail')
    expect(byId(first, 'aircall-tags')).toMatchObject({ status: 'fail', detail: expect.stringContaining('Platinum') })
    expect(first.fixesApplied).toEqual([])
    expect(first.fixesPending).toHaveLength(4)

    let offered: string[] = []
    const fixed = await runDoctor({
      load: () => loaded(input),
      fix: true,
      confirmFix: (fixes) => {
        offered = fixes
        return Promise.resolve(true)
      },
    })
    expect(offered).toEqual([
      'create contact attribute doctor_platinum (date)',
      'create conversation attribute doctor_platinum (date)',
      'create conversation attribute doctor_call_id (string)',
      'create Aircall tag Platinum',
    ])
    expect(fixed.fixesApplied).toEqual(offered)
    expect(byId(fixed, 'attribute:contact:doctor_platinum')).toMatchObject({ status: 'pass', fixed: true })

    const after = await runDoctor({ load: () => loaded(input) })
    expect(byId(after, 'attribute:contact:doctor_platinum')).toMatchObject({ status: 'pass', detail: 'exists (date)' })
    expect(byId(after, 'attribute:conversation:doctor_platinum')).toMatchObject({
      status: 'pass',
      detail: 'exists (datetime)',
    })
    expect(byId(after, 'aircall-tags')?.status).toBe('pass')
  })

  test('an attribute of the wrong type fails with a hint and no fix is offered', async () => {
    const input: ConfigInput = {
      tags: { map: [{ tag: 'VIP', attribute: 'doctor_typed', type: 'integer' }] },
      logging: { mode: 'note' },
    }
    await runDoctor({
      load: () => loaded({ tags: { map: [{ tag: 'VIP', attribute: 'doctor_typed', type: 'string' }] } }),
      fix: true,
      confirmFix: () => Promise.resolve(true),
    })
    const result = await runDoctor({ load: () => loaded(input), fix: true, confirmFix: () => Promise.resolve(true) })
    expect(byId(result, 'attribute:contact:doctor_typed')).toMatchObject({
      status: 'fail',
      detail: 'is string, the configuration writes integer',
    })
    expect(result.fixesApplied).toEqual([])
  })
})
