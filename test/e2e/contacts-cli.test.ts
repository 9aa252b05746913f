import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { parse } from 'csv-parse/sync'
import { afterEach, describe, expect, test } from 'vitest'

import type { SandboxHandle } from '@aircall-intercom/emulators'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { CONFIG_YAML, intercomContacts, startWorld, strictlyInvalid, worldEnv } from '../matching/seeded-world.js'

const tempDir = useTempDir()
let world: SandboxHandle | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

describe('contacts commands through the built CLI against the emulators', () => {
  test('refresh builds the index, dedupe shows the plan, refuses --apply without a terminal, merges with --yes', async () => {
    world = await startWorld()
    const cwd = tempDir()
    writeFileSync(join(cwd, 'aircall-intercom.yml'), CONFIG_YAML)
    const env = worldEnv(world)
    const contacts = world.world.intercom.contacts.length

    const refresh = await runCli(['contacts', 'refresh'], { cwd, env })
    expect(refresh.code).toBe(0)
    expect(refresh.stdout).toContain('Contact index refreshed (full)')
    expect(refresh.stdout).toMatch(new RegExp(`contacts seen\\s*│\\s*${contacts}\\b`))
    expect(refresh.stderr).toContain(`${contacts} contacts (`)

    const again = await runCli(['contacts', 'refresh', '--json'], { cwd, env })
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, result: { mode: 'incremental' } })
    expect(again.stderr).toBe('')

    const refused = await runCli(['contacts', 'dedupe', '--apply'], { cwd, env })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('Hint: pass --yes')

    const planned = await runCli(['contacts', 'dedupe', '--format', 'csv'], { cwd, env })
    expect(planned.code).toBe(0)
    const rows = parse(planned.stdout, { columns: true }) as Array<Record<string, string>>
    const mergeable = world.world.truth.duplicateGroups.filter(
      (group) => group.kind === 'lead-user-phone' && strictlyInvalid([group.key]).size === 0,
    )
    for (const group of mergeable) {
      expect(rows.find((row) => row.contact === group.contactIds[0])?.action).toMatch(/^merge into /)
    }
    expect(planned.stderr).toContain('Nothing was merged')
    expect(intercomContacts(world).every((contact) => contact.merged_into === null)).toBe(true)

    const applied = await runCli(['contacts', 'dedupe', '--apply', '--yes', '--json'], { cwd, env })
    expect(applied.code).toBe(0)
    const document = JSON.parse(applied.stdout) as { result: { merges: Array<{ from: string; status: string }> } }
    expect(document.result.merges.map((merge) => merge.status)).toEqual(document.result.merges.map(() => 'merged'))
    const state = new Map(intercomContacts(world).map((contact) => [contact.id, contact]))
    for (const group of mergeable) expect(state.get(group.contactIds[0]!)?.merged_into).toBe(group.contactIds[1])
    for (const group of world.world.truth.duplicateGroups.filter((g) => g.kind === 'users-phone')) {
      expect(group.contactIds.map((id) => state.get(id)?.merged_into)).toEqual([null, null])
    }

    for (const output of [refresh, again, refused, planned, applied]) {
      expect(output.stdout + output.stderr).not.toContain(world.intercom.accessToken)
      expect(output.stdout + output.stderr).not.toContain(world.aircall.apiToken)
    }
  }, 120_000)
})
