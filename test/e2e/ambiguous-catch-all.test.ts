import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, test } from 'vitest'

import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { sandboxEnv } from './sandbox-env.js'

const tempDir = useTempDir()

type StateContact = { id: string; role: 'user' | 'lead'; phone: string | null; external_id: string | null }
type StateConversation = {
  id: string
  contacts: { contacts: Array<{ id: string }> }
  custom_attributes: Record<string, unknown>
}
interface Document {
  result: {
    counts: {
      logged: number
      skipped: Record<string, number>
      ambiguousOnCatchAll: Array<{ callId: string; e164: string; candidates: string[]; loggedOn: string }>
    }
  }
}

describe('ambiguous callers with matching.ambiguousCalls: catch-all (built CLI)', () => {
  let sandbox: SandboxHandle
  let env: Record<string, string>
  let caller: string
  let twins: string[]
  beforeAll(async () => {
    sandbox = await startSandbox({ calls: 60, days: 3, seed: 41, aircall: { rateLimitPerMinute: 0 } })
    env = sandboxEnv(sandbox, { INTERCOM_ADMIN_ID: sandbox.intercom.adminId })
    const { truth } = sandbox.world
    // A caller with calls in the range and one contact, a lead: a second lead of the same spelling makes two people
    // equally plausible ("a user beats a lead" cannot decide between them).
    const contacts = sandbox.intercomEmulator.state().contacts as StateContact[]
    const roleOf = new Map(contacts.map((contact) => [contact.id, contact]))
    caller = truth.knownCallers.find((phone) => {
      const ids = truth.callerToContacts[phone] ?? []
      return ids.length === 1 && roleOf.get(ids[0]!)?.role === 'lead' && (truth.callsPerCaller[phone] ?? 0) > 0
    })!
    const original = roleOf.get(truth.callerToContact[caller]!)!
    const response = await fetch(`${sandbox.intercom.url}/contacts`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${sandbox.intercom.accessToken}`,
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'Intercom-Version': '2.16',
      },
      body: JSON.stringify({ role: 'lead', phone: original.phone }),
    })
    expect(response.status).toBe(200)
    twins = [original.id, ((await response.json()) as { id: string }).id].sort()
  })
  afterAll(async () => {
    await sandbox.close()
  })

  test('skipped by default; with catch-all each call goes on the catch-all contact with both candidates named', async () => {
    const plain = tempDir()
    const skipped = await runCli(['backfill', '--since', '4d', '--json'], { cwd: plain, env })
    expect(skipped.code, skipped.stderr).toBe(0)
    const calls = sandbox.world.truth.callsPerCaller[caller] ?? 0
    expect((JSON.parse(skipped.stdout) as Document).result.counts.skipped.ambiguous).toBe(calls)

    const cwd = tempDir()
    writeFileSync(join(cwd, 'aircall-intercom.yml'), JSON.stringify({ matching: { ambiguousCalls: 'catch-all' } }))
    const run = await runCli(['backfill', '--since', '4d', '--json'], { cwd, env })
    expect(run.code, run.stderr).toBe(0)
    const { counts } = (JSON.parse(run.stdout) as Document).result
    expect(counts.skipped.ambiguous).toBe(0)
    expect(counts.ambiguousOnCatchAll).toHaveLength(calls)
    for (const call of counts.ambiguousOnCatchAll) {
      expect(call.e164).toBe(caller)
      expect([...call.candidates].sort()).toEqual(twins)
    }

    const state = sandbox.intercomEmulator.state()
    const catchAll = (state.contacts as StateContact[]).filter(
      (contact) => contact.external_id === 'aircall-intercom:invalid-numbers',
    )
    expect(catchAll).toHaveLength(1)
    const conversations = state.conversations as StateConversation[]
    for (const call of counts.ambiguousOnCatchAll) {
      const conversation = conversations.find((item) => item.custom_attributes.aircall_call_id === call.callId)!
      // On the catch-all, on neither twin, and the note says who it could be.
      expect(conversation.contacts.contacts.map((contact) => contact.id)).toEqual([catchAll[0]!.id])
      const text = JSON.stringify(conversation)
      for (const id of twins) expect(text).toContain(id)
    }
  }, 120_000)
})
