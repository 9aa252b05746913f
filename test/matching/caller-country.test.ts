import { afterEach, describe, expect, test } from 'vitest'

import type { Runtime } from '../../src/app/runtime.js'
import { normaliseAircallCall, type CallRecord } from '../../src/domain/call-record.js'
import { formatAircallDigits } from '@aircall-intercom/emulators/aircall/phone.js'
import type { SandboxHandle } from '@aircall-intercom/emulators'
import type { IntercomSeed } from '@aircall-intercom/emulators/types.js'
import { aircallFixture } from '../../src/listener/fixtures.js'
import { refreshContacts, resolverFor } from '../../src/app/matching-service.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { createRequests, startWorld, worldRuntime } from './seeded-world.js'

/*
 * The defects measured in issue 15, each as a small workspace: contacts typed by people (with Intercom's
 * location.country where Intercom would know it), callers as Aircall spells them.
 */

const tempDir = useTempDir()
let world: SandboxHandle | undefined
let runtime: Runtime | undefined
afterEach(async () => {
  await runtime?.close()
  await world?.close()
  world = undefined
  runtime = undefined
})

type Person = { id: string; role: 'user' | 'lead'; phone: string; locationCountry?: string; updatedAt?: number }

const hex = (n: number): string => n.toString(16).padStart(24, '0')

async function workspace(
  people: Person[],
  options: { defaultCountry: string; formattedPhone: boolean; refresh: boolean },
): Promise<{ world: SandboxHandle; runtime: Runtime }> {
  world = await startWorld({
    calls: 10,
    intercom: { formattedPhone: options.formattedPhone, formattedPhoneDefaultCountry: options.defaultCountry },
  })
  const seed: IntercomSeed = {
    admins: world.world.intercom.admins,
    teams: world.world.intercom.teams,
    contacts: people.map((person) => ({
      id: person.id,
      role: person.role,
      name: null,
      email: null,
      phone: person.phone,
      locationCountry: person.locationCountry ?? null,
      externalId: null,
      createdAt: 1_700_000_000,
      updatedAt: person.updatedAt ?? 1_700_000_000,
      lastSeenAt: null,
    })),
  }
  world.intercomEmulator.seed(seed)
  runtime = worldRuntime(world, tempDir(), { defaultCountry: options.defaultCountry, tieBreak: ['user-first'] })
  if (options.refresh) await refreshContacts(runtime, { full: true })
  return { world, runtime }
}

let nextCall = 1
const callFrom = (e164: string): CallRecord =>
  normaliseAircallCall(
    aircallFixture('call.ended', 'unused', { callId: nextCall++, rawDigits: formatAircallDigits(e164) }).data as never,
  )

const BELGIAN = hex(1)
const FRENCH = hex(2)
const MEXICAN = hex(3)
const AMERICAN = hex(4)
const SPANISH = hex(5)

const configurations = [true, false].flatMap((formattedPhone) =>
  [true, false].map((refresh) => ({ formattedPhone, refresh })),
)

describe.each(configurations)('with formatted_phone $formattedPhone, refreshed first $refresh', (config) => {
  test('a Belgian caller matched first does not poison the index for the French caller with the same digits', async () => {
    const { runtime } = await workspace(
      [
        { id: BELGIAN, role: 'lead', phone: '0470 12 34 56' },
        { id: FRENCH, role: 'user', phone: '+33 4 70 12 34 56' },
      ],
      { defaultCountry: 'FR', ...config },
    )
    const resolver = resolverFor(runtime)
    expect(await resolver.resolve(callFrom('+32470123456'), { create: false })).toMatchObject({
      status: 'matched',
      contactId: BELGIAN,
    })
    expect(await resolver.resolve(callFrom('+33470123456'), { create: false })).toMatchObject({
      status: 'matched',
      contactId: FRENCH,
    })
    // The Belgian contact keeps the readings of its own spelling: never the number of the caller it matched.
    expect((await runtime.store.contacts.get(BELGIAN))?.readings).toEqual([
      { e164: '+33470123456', derivation: 'default-country' },
    ])
    // Read again from the index, under the caller's country: no search.
    const before = world!.intercomEmulator.requestCounts().total
    expect(await resolver.resolve(callFrom('+32470123456'), { create: false })).toMatchObject({
      status: 'matched',
      contactId: BELGIAN,
      via: 'index',
    })
    expect(world!.intercomEmulator.requestCounts().total).toBe(before)
  })

  test("a national spelling is not a caller's number when the contact's location names another country", async () => {
    const { runtime } = await workspace(
      [{ id: BELGIAN, role: 'lead', phone: '0470 12 34 56', locationCountry: 'Belgium' }],
      {
        defaultCountry: 'FR',
        ...config,
      },
    )
    const resolver = resolverFor(runtime)
    expect(await resolver.resolve(callFrom('+33470123456'), { create: false })).toMatchObject({
      status: 'unmatched',
      reason: 'no-contact',
    })
    expect(await resolver.resolve(callFrom('+32470123456'), { create: false })).toMatchObject({
      status: 'matched',
      contactId: BELGIAN,
    })
    expect(await runtime.store.contacts.get(BELGIAN)).toMatchObject({
      country: 'BE',
      readings: [
        { e164: '+32470123456', derivation: 'contact-country' },
        { e164: '+33470123456', derivation: 'default-country' },
      ],
    })
  })

  test('two contacts equally plausible for one caller: ambiguous with both ids, never the smaller id, nothing created', async () => {
    const { world, runtime } = await workspace(
      [
        // The Mexican contact is the more active one and has the smaller id: neither may decide.
        { id: MEXICAN, role: 'user', phone: '55 1234 5670', updatedAt: 1_800_000_000 },
        { id: AMERICAN, role: 'user', phone: '(551) 234-5670' },
      ],
      { defaultCountry: 'US', ...config },
    )
    const resolution = await resolverFor(runtime).resolve(callFrom('+15512345670'), { create: true })
    if (!config.refresh && !config.formattedPhone) {
      // Nothing lists the Mexican contact: no US spelling finds "55 1234 5670" verbatim. This is why backfill, sync
      // and audit refresh the index before they match (see freshness.test.ts).
      expect(resolution).toMatchObject({ status: 'matched', contactId: AMERICAN })
      return
    }
    expect(resolution).toMatchObject({ status: 'unmatched', reason: 'ambiguous', candidates: [MEXICAN, AMERICAN] })
    if (resolution.status !== 'unmatched') throw new Error('unreachable')
    expect(resolution.detail).toContain(MEXICAN)
    expect(resolution.detail).toContain(AMERICAN)
    expect(createRequests(world)).toBe(0)
  })

  test("the contact's location country breaks that tie, for each caller", async () => {
    const { runtime } = await workspace(
      [
        { id: MEXICAN, role: 'user', phone: '55 1234 5670', locationCountry: 'Mexico' },
        { id: AMERICAN, role: 'user', phone: '(551) 234-5670' },
      ],
      { defaultCountry: 'US', ...config },
    )
    const resolver = resolverFor(runtime)
    expect(await resolver.resolve(callFrom('+15512345670'), { create: false })).toMatchObject({
      status: 'matched',
      contactId: AMERICAN,
    })
    // "(551) 234-5670" is also a valid Mexican spelling, but the Mexican contact's own country outranks it.
    expect(await resolver.resolve(callFrom('+525512345670'), { create: false })).toMatchObject({
      status: 'matched',
      contactId: MEXICAN,
    })
  })

  test("a spelling the default country cannot read is read under the caller's country", async () => {
    const { runtime } = await workspace([{ id: SPANISH, role: 'lead', phone: '695 82 57 75' }], {
      defaultCountry: 'US',
      ...config,
    })
    expect(await resolverFor(runtime).resolve(callFrom('+34695825775'), { create: false })).toMatchObject({
      status: 'matched',
      contactId: SPANISH,
    })
  })
})

describe('the Intercom emulator, with and without formatted_phone', () => {
  test.each([true, false])(
    'formatted_phone %s: on contacts and in search as configured; location.country as seeded',
    async (formattedPhone) => {
      const { runtime } = await workspace(
        [{ id: BELGIAN, role: 'lead', phone: '04 70 12 34 56', locationCountry: 'France' }],
        {
          defaultCountry: 'FR',
          formattedPhone,
          refresh: false,
        },
      )
      const contact = await runtime.intercom.contacts.get(BELGIAN)
      expect(contact.formatted_phone).toBe(formattedPhone ? '+33470123456' : undefined)
      expect(contact.location).toMatchObject({ type: 'location', country: 'France' })
      const found = await runtime.intercom.contacts.findByPhone('+33470123456')
      expect(found.map((c) => c.id)).toEqual(formattedPhone ? [BELGIAN] : [])
    },
  )
})
