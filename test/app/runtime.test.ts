import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { Runtime } from '../../src/app/runtime.js'
import type { LoadedConfig } from '../../src/config/loader.js'
import { configSchema, type ConfigInput } from '../../src/config/schema.js'
import { UserError } from '../../src/errors.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

const loaded = (input: ConfigInput, statePath = join(tempDir(), 'state.sqlite')): LoadedConfig => ({
  config: configSchema.parse(input),
  file: null,
  expectedFile: '/virtual/aircall-intercom.yml',
  statePath,
  secrets: [],
  sources: {},
})

const credentials: ConfigInput = {
  aircall: { apiUrl: 'http://127.0.0.1:9', apiId: 'id', apiToken: 'token' },
  intercom: { apiUrl: 'http://127.0.0.1:9', accessToken: 'tok', adminId: '7' },
}

describe('the composition root', () => {
  test('builds each part once, on first use, and opens no store until one is asked for', async () => {
    const statePath = join(tempDir(), 'state.sqlite')
    const runtime = new Runtime(loaded(credentials, statePath), { now: () => 1_000 })
    expect(runtime.requestStats()).toEqual({ aircall: null, intercom: null })
    expect(runtime.intercom).toBe(runtime.intercom)
    expect(runtime.aircall).toBe(runtime.aircall)
    expect(existsSync(statePath)).toBe(false)
    expect(runtime.resolver).toBe(runtime.resolver)
    const { pipeline } = runtime.pipeline
    expect(runtime.pipeline.pipeline).toBe(pipeline)
    expect(existsSync(statePath)).toBe(true)
    expect(runtime.requestStats().intercom).not.toBeNull()
    await runtime.close()
    // Closing twice, or a runtime that never opened its store, is harmless.
    await runtime.close()
    await new Runtime(loaded(credentials)).close()
  })

  test('missing credentials and admin are user errors naming the variables, raised when the part is needed', async () => {
    const runtime = new Runtime(loaded({}))
    expect(() => runtime.aircall).toThrow(UserError)
    expect(() => runtime.aircall).toThrow('Aircall credentials are not set')
    expect(() => runtime.adminId).toThrow('the Intercom admin id is not set')
    await runtime.close()
  })

  test('the injected clock is the one every part reads', async () => {
    const runtime = new Runtime(loaded(credentials), { now: () => 42_000 })
    expect(runtime.now()).toBe(42_000)
    await runtime.store.checkpoints.set('probe', { at: runtime.now() })
    expect(await runtime.store.checkpoints.get('probe')).toMatchObject({ name: 'probe', updatedAt: 42_000 })
    await runtime.close()
  })
})
