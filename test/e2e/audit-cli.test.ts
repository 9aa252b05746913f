import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { parse } from 'csv-parse/sync'
import { afterEach, describe, expect, test } from 'vitest'

import type { SandboxHandle } from '@aircall-intercom/emulators'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { CONFIG_YAML, createRequests, startWorld, strictlyInvalid, worldEnv } from '../matching/seeded-world.js'

const tempDir = useTempDir()
let world: SandboxHandle | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

describe('audit unmatched through the built CLI against the emulators', () => {
  test('writes the unmatched callers as CSV, refuses to overwrite it, and rejects a bad date', async () => {
    world = await startWorld()
    const cwd = tempDir()
    writeFileSync(join(cwd, 'aircall-intercom.yml'), CONFIG_YAML)
    const env = worldEnv(world)
    const since = new Date(world.world.now - 31 * 86_400_000).toISOString()
    const { truth } = world.world

    const audit = await runCli(
      ['audit', 'unmatched', '--since', since, '--format', 'csv', '--output', 'unmatched.csv'],
      {
        cwd,
        env,
      },
    )
    expect(audit.stderr).not.toContain('Error')
    expect(audit.code).toBe(0)
    const rows = parse(readFileSync(join(cwd, 'unmatched.csv'), 'utf8'), { columns: true }) as Array<
      Record<string, string>
    >
    const refused = strictlyInvalid([...truth.unknownCallers, ...truth.knownCallers])
    const unknown = rows.filter((row) => row.reason === 'no-contact').map((row) => row.e164)
    expect(unknown.sort()).toEqual(truth.unknownCallers.filter((e164) => !refused.has(e164)).sort())
    const invalid = rows.filter((row) => row.reason === 'invalid-number').map((row) => row.dialled)
    expect(invalid).toEqual(expect.arrayContaining(truth.invalidCallers))
    expect(invalid).toHaveLength(truth.invalidCallers.length + refused.size)
    const anonymous = rows.find((row) => row.reason === 'anonymous')
    expect(Number(anonymous?.calls ?? 0)).toBe(truth.anonymousCallIds.length)
    expect(audit.stdout).toContain(`Wrote ${rows.length} caller(s) to ${join(cwd, 'unmatched.csv')}`)
    expect(createRequests(world)).toBe(0)

    const overwrite = await runCli(['audit', 'unmatched', '--output', 'unmatched.csv'], { cwd, env })
    expect(overwrite.code).toBe(2)
    expect(overwrite.stderr).toContain('unmatched.csv already exists')

    const badDate = await runCli(['audit', 'unmatched', '--since', '2026-13-01'], { cwd, env })
    expect(badDate.code).toBe(2)
    expect(badDate.stderr).toContain('--since "2026-13-01" is not a date')
  }, 120_000)
})
