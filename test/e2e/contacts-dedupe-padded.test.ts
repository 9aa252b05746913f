import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterEach, describe, expect, test } from 'vitest'

import type { SandboxHandle } from '@aircall-intercom/emulators'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { CONFIG_YAML, startWorld, worldEnv } from '../matching/seeded-world.js'

const tempDir = useTempDir()
let world: SandboxHandle | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

type StateContact = { id: string; email: string | null; merged_into: string | null }

/** Creates a contact through the emulator's REST API, spelled exactly as given (Intercom stores emails as sent). */
async function createContact(handle: SandboxHandle, role: 'user' | 'lead', email: string): Promise<string> {
  const response = await fetch(`${handle.intercom.url}/contacts`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${handle.intercom.accessToken}`,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'Intercom-Version': '2.16',
    },
    body: JSON.stringify({ role, email }),
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { id: string }).id
}

type DedupeDocument = {
  result: {
    plannedMerges: number
    merges: Array<{ from: string; into: string; status: string; error?: string }>
  }
}

describe('contacts dedupe with padded and upper-case emails (built CLI)', () => {
  test('one clean --apply run merges every lead whose email matches its user only after trimming or case, and a second run plans nothing', async () => {
    world = await startWorld()
    const handle = world
    // Spellings a CRM import leaves behind: the lead's address padded, upper-cased, or the user's padded instead.
    const pairs: Array<[user: string, lead: string]> = []
    for (let k = 0; k < 6; k++) {
      pairs.push([`g${k}@padded.example`, ` g${k}@padded.example`])
      pairs.push([`t${k}@padded.example`, `T${k}@Padded.Example  `])
      pairs.push([`Case${k}@Upper.Example`, `case${k}@upper.example`])
      pairs.push([` u${k}@padded.example`, `u${k}@padded.example`])
    }
    const planted: Array<{ user: string; lead: string }> = []
    for (const [userEmail, leadEmail] of pairs) {
      const user = await createContact(handle, 'user', userEmail)
      const lead = await createContact(handle, 'lead', leadEmail)
      planted.push({ user, lead })
    }

    const cwd = tempDir()
    writeFileSync(join(cwd, 'aircall-intercom.yml'), CONFIG_YAML)
    const env = worldEnv(handle)

    const applied = await runCli(['contacts', 'dedupe', '--apply', '--yes', '--json'], { cwd, env })
    expect(applied.stderr).not.toContain('invalid_merge')
    expect(applied.code).toBe(0)
    const document = JSON.parse(applied.stdout) as DedupeDocument
    expect(document.result.merges.filter((merge) => merge.status !== 'merged')).toEqual([])
    for (const { user, lead } of planted) {
      expect(document.result.merges).toContainEqual({ from: lead, into: user, status: 'merged' })
    }

    const state = new Map(
      (handle.intercomEmulator.state().contacts as StateContact[]).map((contact) => [contact.id, contact]),
    )
    for (const { user, lead } of planted) expect(state.get(lead)?.merged_into).toBe(user)
    // The survivors keep the address they had: only the lead, which is merged away, is rewritten.
    pairs.forEach(([userEmail], index) => expect(state.get(planted[index]!.user)?.email).toBe(userEmail))

    const again = await runCli(['contacts', 'dedupe', '--apply', '--yes', '--json'], { cwd, env })
    expect(again.code).toBe(0)
    const second = JSON.parse(again.stdout) as DedupeDocument
    expect(second.result.plannedMerges).toBe(0)
    expect(second.result.merges).toEqual([])
  }, 120_000)
})
