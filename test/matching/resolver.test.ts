import { hostname } from 'node:os'

import { afterEach, describe, expect, test } from 'vitest'

import type { Runtime } from '../../src/app/runtime.js'
import type { CallRecord } from '../../src/domain/call-record.js'
import type { SandboxHandle } from '@aircall-intercom/emulators'
import { refreshContacts, resolverFor } from '../../src/app/matching-service.js'
import { createStepKey, IntercomContactResolver } from '../../src/matching/resolver.js'
import { useTempDir } from '../helpers/temp-dir.js'
import {
  callsByCaller,
  createRequests,
  intercomContacts,
  startWorld,
  strictlyInvalid,
  worldRuntime,
} from './seeded-world.js'

const tempDir = useTempDir()
let world: SandboxHandle | undefined
let runtime: Runtime | undefined
afterEach(async () => {
  await runtime?.close()
  await world?.close()
  world = undefined
  runtime = undefined
})

const open = async (matching = {}): Promise<{ world: SandboxHandle; runtime: Runtime }> => {
  world = await startWorld()
  runtime = worldRuntime(world, tempDir(), matching)
  return { world, runtime }
}

const unknownCall = (base: CallRecord, rawDigits: string, callId: string): CallRecord => ({
  ...base,
  callId,
  rawDigits,
  contact: null,
})

describe('contact resolver against the seeded emulators', () => {
  test('every planted known caller resolves to its planted contact and nothing is created', async () => {
    const { world, runtime } = await open()
    const calls = await callsByCaller(runtime, world)
    const resolver = resolverFor(runtime)
    const { truth } = world.world
    const refused = strictlyInvalid(truth.knownCallers)
    const known = truth.knownCallers.filter((e164) => !refused.has(e164))
    expect(known.length).toBeGreaterThan(10)

    // First pass with an empty index: everything comes from Intercom's search (formatted_phone, variants, email).
    for (const e164 of known) {
      const call = calls.get(e164)
      expect(call, e164).toBeDefined()
      const resolution = await resolver.resolve(call!, { create: true })
      expect(resolution, e164).toMatchObject({ status: 'matched', contactId: truth.callerToContact[e164], e164 })
      if (truth.matchedBy[e164] === 'email') expect(resolution).toMatchObject({ via: 'email' })
    }
    for (const e164 of refused) {
      expect(await resolver.resolve(calls.get(e164)!, { create: true })).toMatchObject({ reason: 'invalid-number' })
    }
    expect(createRequests(world)).toBe(0)

    // Second pass: the first one wrote every contact it found into the index, so no search is needed.
    const before = world.intercomEmulator.requestCounts().total
    for (const e164 of known) {
      const resolution = await resolver.resolve(calls.get(e164)!, { create: true })
      expect(resolution).toMatchObject({ status: 'matched', contactId: truth.callerToContact[e164] })
      if (truth.matchedBy[e164] === 'phone') expect(resolution).toMatchObject({ via: 'index' })
    }
    // Only the email-only callers search again (their phone is on no contact), then match from the index by email.
    const emailOnly = known.filter((e164) => truth.matchedBy[e164] === 'email').length
    expect(world.intercomEmulator.requestCounts().total - before).toBe(emailOnly)
    expect(createRequests(world)).toBe(0)
  })

  test('after a refresh, callers resolve from the index; duplicates are decided by spelling or role, with the reason', async () => {
    const { world, runtime } = await open()
    await refreshContacts(runtime, { full: true })
    const calls = await callsByCaller(runtime, world)
    const resolver = resolverFor(runtime)
    const groups = world.world.truth.duplicateGroups.filter((g) => g.kind !== 'leads-email')
    for (const group of groups.filter((g) => !strictlyInvalid([g.key]).has(g.key))) {
      const resolution = await resolver.resolve(calls.get(group.key)!, { create: true })
      if (resolution.status !== 'matched') throw new Error(`${group.key}: ${JSON.stringify(resolution)}`)
      expect(resolution).toMatchObject({ via: 'index', contactId: world.world.truth.callerToContact[group.key] })
      if (group.kind === 'users-phone') {
        // Two users on one line: the one spelling the number internationally, never the older one. The national
        // spelling is not even read: nothing can outrank an exact international spelling.
        expect(resolution).toMatchObject({ candidates: 1 })
        expect(resolution.reason).toMatch(/only candidate .*exact international spelling/)
      } else {
        // A lead and a user spelling it alike: the role decides.
        expect(resolution).toMatchObject({ candidates: 2 })
        expect(resolution.reason).toMatch(/user-first kept 1/)
      }
    }
    expect(createRequests(world)).toBe(0)
  })

  test('anonymous and invalid callers stay unmatched and are never created', async () => {
    const { world, runtime } = await open()
    const calls = await callsByCaller(runtime, world)
    const resolver = resolverFor(runtime)
    const [base] = [...calls.values()]
    for (const raw of ['anonymous', 'Restricted', '', '+266696687']) {
      const resolution = await resolver.resolve(unknownCall(base!, raw, `anonymous-${raw}`), { create: true })
      expect(resolution, raw).toMatchObject({ status: 'unmatched', reason: 'anonymous', e164: null })
    }
    for (const raw of world.world.truth.invalidCallers) {
      expect(calls.has(raw.replace(/[^\d+]/g, '')), raw).toBe(true)
      const resolution = await resolver.resolve(unknownCall(base!, raw, `invalid-${raw}`), { create: true })
      expect(resolution, raw).toMatchObject({ status: 'unmatched', reason: 'invalid-number', e164: null })
    }
    expect(createRequests(world)).toBe(0)
  })

  test('five concurrent calls from one new caller create exactly one contact despite search lag', async () => {
    const { world, runtime } = await open({ createAs: 'lead' })
    world.intercomEmulator.setSearchLag(60_000)
    const [base] = [...(await callsByCaller(runtime, world)).values()]
    const e164 = world.world.truth.unknownCallers.find((e) => !strictlyInvalid([e]).size)!
    const resolver = resolverFor(runtime)
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => resolver.resolve(unknownCall(base!, e164, `c${n}`), { create: true })),
    )
    const ids = new Set(results.map((r) => (r.status === 'unmatched' ? null : r.contactId)))
    expect(ids.size).toBe(1)
    expect(results[0]).toMatchObject({ status: 'created', role: 'lead', e164 })
    expect(intercomContacts(world).filter((c) => c.phone === e164)).toHaveLength(1)

    // A later call, while search still lags, is matched through our own recent create, not created again.
    const later = await resolver.resolve(unknownCall(base!, e164, 'c6'), { create: true })
    expect(later).toMatchObject({ status: 'matched', via: 'recent-create', contactId: [...ids][0] })
    expect(createRequests(world)).toBe(1)
    expect(await runtime.store.ledger.get(createStepKey(e164))).toMatchObject({
      status: 'done',
      externalId: [...ids][0],
    })
  })

  test('a create step left pending by a crash is reconciled by searching, not by creating twice', async () => {
    const { world, runtime } = await open()
    const [base] = [...(await callsByCaller(runtime, world)).values()]
    const [landed, lost] = world.world.truth.unknownCallers.filter((e) => !strictlyInvalid([e]).size)
    // The steps a process left when it died: pending, claimed by an owner whose pid no longer runs.
    const crashed = { owner: `${hostname()}/2147483646/crashed`, leaseMs: 600_000 }
    // Crash after the POST landed: the contact exists, the step is still pending.
    await runtime.store.ledger.claim(createStepKey(landed!), { ...crashed, data: { e164: landed } })
    const made = await runtime.intercom.contacts.create({ role: 'lead', phone: landed! })
    // Crash before the POST: the step is pending and Intercom has nothing.
    await runtime.store.ledger.claim(createStepKey(lost!), { ...crashed, data: { e164: lost } })

    // A fresh process: a new resolver over the same store.
    const resolver = new IntercomContactResolver({
      // Search shows new contacts at once here: an interrupted create that found nothing may create again.
      matching: { ...runtime.config.matching, searchLagSeconds: 0 },
      store: runtime.store,
      intercom: runtime.intercom,
      now: Date.now,
    })
    expect(await resolver.resolve(unknownCall(base!, landed!, 'x1'), { create: true })).toMatchObject({
      status: 'matched',
      contactId: made.id,
    })
    expect(await runtime.store.ledger.get(createStepKey(landed!))).toMatchObject({
      status: 'done',
      externalId: made.id,
    })
    expect(await resolver.resolve(unknownCall(base!, lost!, 'x2'), { create: true })).toMatchObject({
      status: 'created',
    })
    expect(intercomContacts(world).filter((c) => c.phone === landed || c.phone === lost)).toHaveLength(2)
    expect(createRequests(world)).toBe(2)
  })

  test('a 409 on create resolves to the existing contact', async () => {
    const { world, runtime } = await open({ createAs: 'user', matchByEmail: false })
    const [base] = [...(await callsByCaller(runtime, world)).values()]
    const { phone, email, contactId } = world.world.truth.emailOnlyMatches[0]!
    const call: CallRecord = {
      ...unknownCall(base!, phone, 'conflict'),
      contact: { id: '1', firstName: 'Ada', lastName: 'L', companyName: null, emails: [email], phones: [phone] },
    }
    expect(await resolverFor(runtime).resolve(call, { create: true })).toMatchObject({
      status: 'matched',
      via: 'conflict',
      contactId,
    })
    expect(await runtime.store.contacts.get(contactId)).toMatchObject({ origin: 'created' })
  })

  test('a national number is read with the line country before the default country', async () => {
    const { world, runtime } = await open({ defaultCountry: 'US', useLineCountry: true })
    const calls = await callsByCaller(runtime, world)
    const e164 = world.world.truth.knownCallers.find(
      (e) => e.startsWith('+33') && world.world.truth.matchedBy[e] === 'phone' && !strictlyInvalid([e]).size,
    )!
    const base = calls.get(e164)!
    const national = `0${e164.slice(3)}`
    const onFrenchLine = { ...base, rawDigits: national, line: { ...base.line, country: 'FR' } }
    const onUsLine = { ...base, rawDigits: national, line: { ...base.line, country: 'US' } }
    expect(await resolverFor(runtime).resolve(onFrenchLine, { create: false })).toMatchObject({
      status: 'matched',
      e164,
    })
    expect(await resolverFor(runtime).resolve(onUsLine, { create: false })).toMatchObject({
      status: 'unmatched',
      reason: 'invalid-number',
    })
  })
})

describe('refresh before the first lookup', () => {
  test('lookups share one refresh; armed again while it runs, the next lookup after it refreshes once more', async () => {
    const { world, runtime } = await open()
    const calls = await callsByCaller(runtime, world)
    const call = calls.get(world.world.truth.knownCallers[0]!)!
    const resolver = runtime.resolver
    let runs = 0
    let release: () => void = () => undefined
    const slow = async (): Promise<void> => {
      runs++
      await new Promise<void>((resolve) => (release = resolve))
    }
    resolver.refreshBeforeFirstLookup(slow)
    const first = resolver.resolve(call, { create: false })
    const second = resolver.resolve(call, { create: false })
    // Re-armed mid-flight (listen's schedule): the running refresh is not started twice, nor forgotten.
    resolver.refreshBeforeFirstLookup(() => {
      runs++
      return Promise.resolve()
    })
    await Promise.resolve()
    expect(runs).toBe(1)
    release()
    await Promise.all([first, second])
    await resolver.resolve(call, { create: false })
    expect(runs).toBe(2)
    await resolver.resolve(call, { create: false })
    expect(runs).toBe(2)
  })
})
