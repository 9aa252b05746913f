import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { runDoctor, type DoctorResult } from '../../src/app/doctor.js'
import type { LoadedConfig } from '../../src/config/loader.js'
import type { ConfigInput } from '../../src/config/schema.js'
import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import { useTempDir } from '../helpers/temp-dir.js'
import { sandboxConfig } from './sandbox-config.js'

const tempDir = useTempDir()
let sandbox: SandboxHandle

beforeAll(async () => {
  sandbox = await startSandbox({ calls: 40, days: 10, seed: 2, aircall: { rateLimitPerMinute: 0 } })
})
afterAll(async () => {
  await sandbox.close()
})
beforeEach(() => {
  sandbox.aircallEmulator.seed(sandbox.world.aircall)
  sandbox.aircallEmulator.resetRequestStats()
  sandbox.aircallEmulator.updateSettings({ aiPlan: 'ai-assist' })
})

const loaded = (input: ConfigInput = {}): LoadedConfig => sandboxConfig(sandbox, tempDir(), input)

const aiRow = (result: DoctorResult) => result.checks.find((check) => check.id === 'aircall-ai')
const summaryReads = (): number =>
  Object.entries(sandbox.aircallEmulator.requestStats().byRoute)
    .filter(([route]) => route.startsWith('GET /v1/calls/:id/summary '))
    .reduce((sum, [, count]) => sum + count, 0)

/** The seeded world without AI content: every answered call answers 404. */
const seedWithoutContent = (): void => {
  const { aircall } = sandbox.world
  sandbox.aircallEmulator.seed({ ...aircall, calls: aircall.calls.map((call) => ({ ...call, insights: null })) })
}

describe('doctor: the Aircall AI plan', () => {
  test('an answered recent call whose summary answers 200 passes', async () => {
    const result = await runDoctor({ load: () => loaded() })
    expect(aiRow(result)).toMatchObject({
      title: 'Aircall AI',
      status: 'pass',
      detail: expect.stringMatching(/^the AI endpoints answer \(summary of call \d+\)$/),
    })
    expect(summaryReads()).toBeGreaterThanOrEqual(1)
    expect(summaryReads()).toBeLessThanOrEqual(3)
  })

  test('403 everywhere (no AI plan) is a warning naming the plan, never a failure', async () => {
    sandbox.aircallEmulator.updateSettings({ aiPlan: 'none' })
    const result = await runDoctor({ load: () => loaded() })
    expect(aiRow(result)).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/answer 403 \(calls [\d, ]+\): no AI plan/),
      hint: expect.stringContaining('insights.enabled: false'),
    })
    expect(result.checks.filter((check) => check.status === 'fail').map((check) => check.id)).not.toContain(
      'aircall-ai',
    )
    expect(summaryReads()).toBe(3)
  })

  test('404 (no content yet) is a warning too', async () => {
    seedWithoutContent()
    const result = await runDoctor({ load: () => loaded() })
    expect(aiRow(result)).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(
        /answer (404|403\/404|404\/403) \(calls [\d, ]+\): no AI content yet, or no AI plan/,
      ),
    })
  })

  test('no recent answered call: skipped with the reason; insights off: no row at all', async () => {
    sandbox.aircallEmulator.seed({ ...sandbox.world.aircall, calls: [] })
    expect(aiRow(await runDoctor({ load: () => loaded() }))).toMatchObject({
      status: 'skip',
      detail: 'not checked: no answered call in the last 30 days',
    })
    expect(summaryReads()).toBe(0)
    expect(aiRow(await runDoctor({ load: () => loaded({ insights: { enabled: false } }) }))).toBeUndefined()
  })
})
