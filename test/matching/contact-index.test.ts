import { afterEach, describe, expect, test } from 'vitest'

import type { Runtime } from '../../src/app/runtime.js'
import type { SandboxHandle } from '@aircall-intercom/emulators'
import { mergeStepKey } from '../../src/matching/dedupe.js'
import { dedupe, refreshContacts } from '../../src/app/matching-service.js'
import { toE164 } from '../../src/phone/index.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { intercomContacts, startWorld, strictlyInvalid, worldRuntime } from './seeded-world.js'

const tempDir = useTempDir()
let world: SandboxHandle | undefined
let runtime: Runtime | undefined
afterEach(async () => {
  await runtime?.close()
  await world?.close()
  world = undefined
  runtime = undefined
})

const open = async (): Promise<{ world: SandboxHandle; runtime: Runtime }> => {
  world = await startWorld()
  runtime = worldRuntime(world, tempDir())
  return { world, runtime }
}

const mergeRequests = (world: SandboxHandle): number =>
  Object.values(world.intercomEmulator.requestCounts().byRoute['POST /contacts/merge'] ?? {}).reduce((a, b) => a + b, 0)

describe('contacts refresh', () => {
  test('a full run indexes every user and lead by normalised phone and email; the next run is incremental', async () => {
    const { world, runtime } = await open()
    const seeded = world.world.intercom.contacts
    const events: string[] = []
    const full = await refreshContacts(runtime, { onEvent: (event) => events.push(event.type) })
    expect(full).toMatchObject({ mode: 'full', seen: seeded.length, indexed: seeded.length, removed: 0 })
    expect(full.withPhone).toBe(seeded.filter((c) => c.phone).length)
    expect(full.requests).toBeGreaterThan(0)
    expect(events).toContain('progress')
    expect((await runtime.store.counts()).contacts).toBe(seeded.length)

    // Every planted spelling of a duplicated number lands on the same E.164 key.
    for (const group of world.world.truth.duplicateGroups.filter((g) => g.kind !== 'leads-email')) {
      if (toE164(group.key) === null) continue
      const ids = (await runtime.store.contacts.findByPhone(group.key)).map((c) => c.contactId)
      expect(ids.sort()).toEqual([...group.contactIds].sort())
    }
    const shared = world.world.truth.duplicateGroups.find((g) => g.kind === 'leads-email')!
    expect((await runtime.store.contacts.findByEmail(shared.key)).map((c) => c.contactId).sort()).toEqual(
      [...shared.contactIds].sort(),
    )

    // Change one contact and merge a planted lead away: the incremental run sees both, and reads far less.
    const [someone] = seeded.filter((c) => c.role === 'user' && c.phone === null)
    await runtime.intercom.contacts.update(someone!.id, { phone: '+33 6 11 22 33 44' })
    const planted = world.world.truth.duplicateGroups.find(
      (g) => g.kind === 'lead-user-phone' && !strictlyInvalid([g.key]).size,
    )!
    const [lead, user] = planted.contactIds
    await runtime.intercom.contacts.merge(lead!, user!)

    const incremental = await refreshContacts(runtime)
    expect(incremental.mode).toBe('incremental')
    expect(incremental.seen).toBeLessThan(full.seen)
    expect(incremental.removed).toBe(1)
    expect(await runtime.store.contacts.get(lead!)).toBeUndefined()
    expect(await runtime.store.contacts.get(someone!.id)).toMatchObject({ phoneE164: '+33611223344' })
    expect((await runtime.store.counts()).contacts).toBe(seeded.length - 1)
  })
})

describe('contacts dedupe', () => {
  test('finds every planted group, merges leads into users, reports users and leads-only groups, and is idempotent', async () => {
    const { world, runtime } = await open()
    const { duplicateGroups } = world.world.truth

    const plan = await dedupe(runtime, { apply: false })
    expect(plan.refreshed?.mode).toBe('full')
    expect(plan.applied).toBe(false)
    const planned = new Set(plan.groups.map((group) => [...group.contactIds].sort().join(',')))
    // A group keyed by a number src/phone refuses (see strictlyInvalid) cannot be found by phone, and is not planted.
    const findable = duplicateGroups.filter(
      (group) => !strictlyInvalid([group.key]).size || group.kind === 'leads-email',
    )
    expect(findable.length).toBeGreaterThanOrEqual(duplicateGroups.length - 2)
    for (const group of findable) expect(planned).toContain([...group.contactIds].sort().join(','))
    expect(mergeRequests(world)).toBe(0)

    const asked: number[] = []
    const applied = await dedupe(runtime, {
      apply: true,
      confirm: (result) => {
        asked.push(result.plannedMerges)
        return Promise.resolve(true)
      },
    })
    expect(asked).toEqual([plan.plannedMerges])
    expect(applied.merges.every((merge) => merge.status === 'merged')).toBe(true)

    const state = new Map(intercomContacts(world).map((c) => [c.id, c]))
    for (const group of findable) {
      const [first, second] = group.contactIds
      if (group.kind === 'lead-user-phone') {
        expect(state.get(first!)?.merged_into).toBe(second)
        expect(await runtime.store.contacts.get(first!)).toBeUndefined()
        expect((await runtime.store.ledger.get(mergeStepKey({ from: first!, into: second! })))?.status).toBe('done')
      } else {
        // Two users, or two leads: Intercom cannot merge them, so they are reported and left alone.
        expect(state.get(first!)?.merged_into).toBeNull()
        expect(state.get(second!)?.merged_into).toBeNull()
        const view = applied.groups.find((g) => g.contactIds.includes(first!))!
        expect(view.merges).toEqual([])
        if (group.kind === 'users-phone') expect(view.usersNotMergeable).toHaveLength(1)
        else expect(view.leadsOnly).toBe(true)
      }
    }

    // Rerun: nothing left to merge, no merge request sent.
    const before = mergeRequests(world)
    const again = await dedupe(runtime, { apply: true })
    expect(again.plannedMerges).toBe(0)
    expect(mergeRequests(world)).toBe(before)
  })

  test('a lead already merged by someone else counts as done', async () => {
    const { world, runtime } = await open()
    await refreshContacts(runtime)
    const planted = world.world.truth.duplicateGroups.find(
      (g) => g.kind === 'lead-user-phone' && !strictlyInvalid([g.key]).size,
    )!
    const [lead, user] = planted.contactIds
    await runtime.intercom.contacts.merge(lead!, user!)

    const result = await dedupe(runtime, { apply: true })
    expect(result.merges).toContainEqual({ from: lead, into: user, status: 'already-merged' })
    expect(result.merges.filter((merge) => merge.status === 'failed')).toEqual([])
    expect(await runtime.store.contacts.get(lead!)).toBeUndefined()
  })
})
