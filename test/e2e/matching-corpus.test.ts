import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { parse } from 'csv-parse/sync'
import { afterAll, describe, expect, test } from 'vitest'

import type { AircallCall } from '@aircall-intercom/emulators/aircall/model.js'
import { formatAircallDigits } from '@aircall-intercom/emulators/aircall/phone.js'
import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import { runCli } from '../helpers/run-cli.js'
import { loadPhoneCorpus, type CorpusEntry } from '../phone/corpus/index.js'
import { sandboxEnv } from './sandbox-env.js'

/*
 * The phone corpus (test/phone/corpus) as a workspace: every spelling is an Intercom contact typed by a person, with
 * the location country Intercom would know, and every number is a call as Aircall formats it. Backfill through the
 * built CLI must never log a call on a contact whose number is another one, whatever the default country, whether
 * `contacts refresh` ran first and whether Intercom sends `formatted_phone`.
 *
 * One workspace holds one spelling per number (a "round"): two contacts with one number are two people to the
 * resolver, so a round with both would measure the never-guess rule, not whether a spelling is read right.
 * Spellings that must match nothing are in every round.
 */

const corpus = loadPhoneCorpus()
const names = new Intl.DisplayNames(['en'], { type: 'region' })

const invalid = corpus.filter((entry) => entry.e164 === null)
const rounds: CorpusEntry[][] = []
{
  const seen = new Map<string, number>()
  for (const entry of corpus) {
    if (entry.e164 === null) continue
    const round = seen.get(entry.e164) ?? 0
    seen.set(entry.e164, round + 1)
    ;(rounds[round] ??= []).push(entry)
  }
}
const idOf = new Map(corpus.map((entry, index) => [entry, (index + 1).toString(16).padStart(24, '0')]))

interface Configuration {
  defaultCountry: 'US' | 'FR'
  refreshFirst: boolean
  formattedPhone: boolean
  /** Whether Intercom knows each contact's location.country (the corpus's country); it often does not. */
  location: boolean
}

interface Outcome {
  calls: number
  right: number
  wrong: Array<{ call: string; loggedOn: string; spelling: string | null }>
  ambiguous: Array<{ call: string; candidates: string[] }>
  missed: Array<{ call: string; spelling: string }>
}

type AuditDocument = { result: { unmatched: Array<{ e164: string | null; reason: string; candidates?: string[] }> } }
type BackfillDocument = { result: { counts: { read: number; deadLetters: number; skipped: { ambiguous: number } } } }

// The configurations run concurrently: each keeps its directories until every one is done.
const sandboxes: SandboxHandle[] = []
const dirs: string[] = []
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'aircall-intercom-corpus-'))
  dirs.push(dir)
  return dir
}
afterAll(async () => {
  await Promise.all(sandboxes.map((sandbox) => sandbox.close()))
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

async function runConfiguration(configuration: Configuration): Promise<Outcome> {
  const { defaultCountry, refreshFirst, formattedPhone, location } = configuration
  const sandbox = await startSandbox({
    calls: 5,
    aircall: { rateLimitPerMinute: 0 },
    // Intercom reads national spellings with the workspace's country, when it sends formatted_phone at all.
    intercom: { rateLimitPerMinute: 0, contract: 'off', formattedPhone, formattedPhoneDefaultCountry: defaultCountry },
  })
  sandboxes.push(sandbox)
  const env = sandboxEnv(sandbox, { INTERCOM_ADMIN_ID: sandbox.intercom.adminId })
  const [template] = sandbox.world.aircall.calls
  if (!template) throw new Error('the sandbox world has no call to copy')
  const nowS = Math.floor(sandbox.world.now / 1000)
  const since = new Date((nowS - 3 * 86_400) * 1000).toISOString()
  const outcome: Outcome = { calls: 0, right: 0, wrong: [], ambiguous: [], missed: [] }

  for (const [index, round] of rounds.entries()) {
    const members = [...round, ...invalid]
    const truthOf = new Map(members.map((entry) => [idOf.get(entry) ?? '', entry]))
    sandbox.intercomEmulator.seed({
      admins: sandbox.world.intercom.admins,
      teams: sandbox.world.intercom.teams,
      contacts: members.map((entry) => ({
        id: idOf.get(entry) ?? '',
        role: 'lead',
        name: entry.note.slice(0, 60),
        email: null,
        phone: entry.raw,
        locationCountry: location ? (names.of(entry.country) ?? null) : null,
        externalId: null,
        createdAt: nowS - 90 * 86_400,
        updatedAt: nowS - 90 * 86_400,
        lastSeenAt: null,
      })),
    })
    const callOf = new Map<string, CorpusEntry>()
    const calls: AircallCall[] = round.map((entry, n) => {
      const id = 7_100_000 + index * 1_000 + n
      callOf.set(String(id), entry)
      const startedAt = nowS - 2 * 3_600 - n * 300
      return {
        ...template,
        id,
        sid: `CA${id}`,
        direction: 'inbound',
        status: 'done',
        startedAt,
        answeredAt: startedAt + 5,
        endedAt: startedAt + 65,
        duration: 60,
        missedCallReason: null,
        rawDigits: formatAircallDigits(entry.e164 ?? ''),
        countryCodeA2: entry.country,
        contactId: null,
        tags: [],
        comments: [],
        finalised: true,
      }
    })
    sandbox.aircallEmulator.seed({ ...sandbox.world.aircall, contacts: [], calls })

    const cwd = tempDir()
    writeFileSync(
      join(cwd, 'aircall-intercom.yml'),
      JSON.stringify({ matching: { defaultCountry, createUnknown: false }, aircall: { rateLimitPerMinute: 120 } }),
    )
    if (refreshFirst) {
      const refreshed = await runCli(['contacts', 'refresh', '--json'], { cwd, env })
      expect(refreshed.code, refreshed.stderr).toBe(0)
    }
    const backfill = await runCli(['backfill', '--since', since, '--json'], { cwd, env, timeoutMs: 120_000 })
    expect(backfill.code, backfill.stdout + backfill.stderr).toBe(0)
    const { counts } = (JSON.parse(backfill.stdout) as BackfillDocument).result
    expect(counts.read).toBe(calls.length)
    expect(counts.deadLetters).toBe(0)

    const logged = new Map<string, string>()
    for (const conversation of sandbox.intercomEmulator.state().conversations as Array<Record<string, unknown>>) {
      const callId = (conversation.custom_attributes as Record<string, unknown> | undefined)?.aircall_call_id
      const contacts = (conversation.contacts as { contacts: Array<{ id: string }> } | undefined)?.contacts ?? []
      if (typeof callId === 'string' && contacts[0]) logged.set(callId, contacts[0].id)
    }
    for (const [callId, entry] of callOf) {
      outcome.calls++
      const contactId = logged.get(callId)
      if (contactId === undefined) continue
      const onContact = truthOf.get(contactId)
      if (onContact?.e164 === entry.e164) outcome.right++
      else outcome.wrong.push({ call: entry.e164 ?? '', loggedOn: contactId, spelling: onContact?.raw ?? null })
    }

    // Every call attached to nobody is explained: ambiguous (with its candidates) or not found.
    const unlogged = [...callOf].filter(([callId]) => !logged.has(callId))
    if (unlogged.length === 0) continue
    const audit = await runCli(['audit', 'unmatched', '--since', since, '--json'], { cwd, env })
    expect(audit.code, audit.stderr).toBe(0)
    const callers = (JSON.parse(audit.stdout) as AuditDocument).result.unmatched
    const ambiguousHere = callers.filter((caller) => caller.reason === 'ambiguous')
    expect(ambiguousHere).toHaveLength(counts.skipped.ambiguous)
    if (ambiguousHere.length > 0) {
      // The CSV a person opens names the candidates of each ambiguous caller too.
      const csv = await runCli(['audit', 'unmatched', '--since', since, '--format', 'csv'], { cwd, env })
      const rows = parse(csv.stdout, { columns: true }) as Array<Record<string, string>>
      for (const caller of ambiguousHere) {
        const row = rows.find((r) => r.e164 === caller.e164 && r.reason === 'ambiguous')
        expect(row?.candidates?.split(' | ').sort()).toEqual([...(caller.candidates ?? [])].sort())
      }
    }
    for (const [, entry] of unlogged) {
      const caller = callers.find((c) => c.e164 === entry.e164)
      if (caller?.reason === 'ambiguous') {
        expect(caller.candidates?.length ?? 0).toBeGreaterThanOrEqual(2)
        outcome.ambiguous.push({ call: entry.e164 ?? '', candidates: caller.candidates ?? [] })
      } else outcome.missed.push({ call: entry.e164 ?? '', spelling: entry.raw })
    }
  }
  return outcome
}

const percent = (outcome: Outcome): string => `${((100 * outcome.right) / outcome.calls).toFixed(1)}%`

const CONFIGURATIONS: Configuration[] = [
  { defaultCountry: 'US', refreshFirst: false, formattedPhone: true, location: true },
  { defaultCountry: 'US', refreshFirst: true, formattedPhone: true, location: true },
  { defaultCountry: 'FR', refreshFirst: false, formattedPhone: true, location: true },
  { defaultCountry: 'FR', refreshFirst: true, formattedPhone: true, location: true },
  // Without locations the cross-country traps are truly undecidable: they must come out ambiguous, never wrong.
  { defaultCountry: 'US', refreshFirst: false, formattedPhone: false, location: false },
  { defaultCountry: 'FR', refreshFirst: false, formattedPhone: false, location: false },
]

describe('the phone corpus through the built CLI against the emulators', () => {
  test.concurrent.each(CONFIGURATIONS)(
    'default $defaultCountry, contacts refresh first $refreshFirst, formatted_phone $formattedPhone, location $location: no call on another number',
    async (configuration) => {
      const outcome = await runConfiguration(configuration)
      const { defaultCountry, refreshFirst, formattedPhone, location } = configuration
      const label = `default ${defaultCountry}, refresh first ${refreshFirst}, formatted_phone ${formattedPhone}, location ${location}`
      const lines = [
        `[matching corpus] ${label}: ${outcome.right}/${outcome.calls} right (${percent(outcome)}), ` +
          `${outcome.wrong.length} wrong, ${outcome.ambiguous.length} ambiguous, ${outcome.missed.length} not found`,
        ...outcome.ambiguous.map((a) => `  ambiguous ${a.call}: ${a.candidates.join(', ')}`),
        ...outcome.missed.map((m) => `  not found ${m.call}: "${m.spelling}"`),
      ]
      process.stdout.write(`${lines.join('\n')}\n`)
      expect(outcome.calls).toBe(corpus.length - invalid.length)
      expect(outcome.wrong).toEqual([])
      // Without a location a national spelling valid in two countries has no right answer: it is ambiguous.
      expect(outcome.right / outcome.calls).toBeGreaterThanOrEqual(location ? 0.95 : 0.85)
    },
    600_000,
  )
})
