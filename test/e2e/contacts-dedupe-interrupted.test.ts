import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterEach, describe, expect, test } from 'vitest'

import type { SandboxHandle } from '@aircall-intercom/emulators'
import { openStateStore } from '../../src/store/sqlite/index.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { CONFIG_YAML, startWorld, worldEnv } from '../matching/seeded-world.js'

const tempDir = useTempDir()
let world: SandboxHandle | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

describe('contacts dedupe after an interrupted first refresh (built CLI)', () => {
  test('a refresh stopped after its first page leaves an incomplete index, and dedupe refreshes it before planning', async () => {
    world = await startWorld({ calls: 5000 })
    const cwd = tempDir()
    writeFileSync(join(cwd, 'aircall-intercom.yml'), CONFIG_YAML)
    const env = worldEnv(world)
    const total = world.world.intercom.contacts.length
    expect(total).toBeGreaterThan(150)
    // The third page of the listing fails for good, as a kill would stop it: the first page is already stored.
    world.intercomEmulator.setFaults([{ match: 'POST /contacts/search', kind: 'status', status: 400, nth: [3] }])
    const stopped = await runCli(['contacts', 'refresh', '--json'], { cwd, env })
    expect(stopped.code).not.toBe(0)
    const store = openStateStore(join(cwd, 'aircall-intercom.sqlite'))
    const partial = store.counts().contacts
    store.close()
    expect(partial).toBeGreaterThan(0)
    expect(partial).toBeLessThan(total)
    world.intercomEmulator.clearFaults()

    const planned = await runCli(['contacts', 'dedupe', '--json'], { cwd, env })
    expect(planned.code).toBe(0)
    const document = JSON.parse(planned.stdout) as {
      result: { refreshed: { mode: string } | null; contactsIndexed: number; plannedMerges: number }
    }
    expect(document.result.refreshed?.mode).toBe('full')
    expect(document.result.contactsIndexed).toBe(total)
    const mergeable = world.world.truth.duplicateGroups.filter((group) => group.kind === 'lead-user-phone')
    expect(document.result.plannedMerges).toBeGreaterThanOrEqual(mergeable.length)
  }, 120_000)
})
