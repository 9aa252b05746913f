/**
 * What a user feeds `backfill` and what it answers, through the built CLI against the emulators: the sample export
 * shipped in examples/, an Excel export (semicolons, Windows-1252), binary garbage and an empty file; a range older
 * than Aircall serves and one that ends before it starts; and the progress lines a log (no TTY) receives.
 */
import { copyFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, test } from 'vitest'

import { REPO_ROOT, runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { sandboxEnv, useSandbox } from './sandbox-env.js'

const tempDir = useTempDir()
const sandbox = useSandbox({
  calls: 120,
  days: 30,
  seed: 11,
  aircall: { rateLimitPerMinute: 0 },
  intercom: { rateLimitPerMinute: 0, contract: 'off' },
})

interface Envelope {
  ok: boolean
  exitCode: number
  result: {
    counts: { read: number; logged: number; alreadyDone: number; skipped: Record<string, number> }
    csv: { rows: number; rejected: number; rejectsFile: string | null; delimiter: string; encoding: string } | null
    read: Array<{ since: string; until: string }>
  }
  error?: { code: string; message: string; hint?: string }
  warnings: string[]
}

/** A folder with a config file: each test has its own state file. */
function workspace(config: Record<string, unknown> = {}): { cwd: string; env: Record<string, string> } {
  const cwd = tempDir()
  writeFileSync(join(cwd, 'aircall-intercom.yml'), JSON.stringify({ matching: { defaultCountry: 'FR' }, ...config }))
  return { cwd, env: sandboxEnv(sandbox(), { INTERCOM_ADMIN_ID: sandbox().intercom.adminId }) }
}

/** Control characters a terminal acts on (C0 but tab and line feed, DEL, C1). */
const hasControl = (text: string): boolean =>
  [...text].some((char) => {
    const code = char.charCodeAt(0)
    return (code < 0x20 && char !== '\t' && char !== '\n') || (code >= 0x7f && code <= 0x9f)
  })

describe('CSV input', () => {
  test('the sample export in examples/ imports cleanly, and again with nothing new', async () => {
    const { cwd, env } = workspace()
    const file = join(cwd, 'aircall-calls-export.csv')
    copyFileSync(join(REPO_ROOT, 'examples', 'aircall-calls-export.csv'), file)
    const first = await runCli(['backfill', '--csv', file, '--json'], { cwd, env })
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    const run = JSON.parse(first.stdout) as Envelope
    expect(run.result.csv).toMatchObject({ rows: 20, rejected: 0, rejectsFile: null, delimiter: ',' })
    expect(run.result.counts).toMatchObject({ read: 20, logged: 19, skipped: { anonymous: 1 } })

    const again = await runCli(['backfill', '--csv', file], { cwd, env })
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/already done\s*│\s*19/)
    expect(again.stdout).toMatch(/CSV read as\s*│\s*utf-8, comma-separated/)
  }, 60_000)

  test('an Excel export (semicolons, Windows-1252): refused with the byte and line, then read with --encoding', async () => {
    const { cwd, env } = workspace()
    const text =
      'Call ID;Date (UTC);Direction;From;To;Duration (s);Comments\r\n' +
      '771001;2026-11-16 08:02:41;Entrant;+33 1 99 00 12 34;+33 1 99 00 00 10;125;Réclamation facture, rappel à 14h\r\n' +
      '771002;2026-11-16 09:00:00;Sortant;+33 1 99 00 00 10;+33 1 99 00 56 78;64;\r\n'
    writeFileSync(join(cwd, 'export.csv'), Buffer.from(text, 'latin1'))
    const offset = Buffer.from(text, 'latin1').indexOf(0xe9)

    const refused = await runCli(['backfill', '--csv', 'export.csv'], { cwd, env })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(
      `Error: ${join(cwd, 'export.csv')} is not valid UTF-8: byte ${offset} (line 2) is 0xE9`,
    )
    expect(refused.stderr).toContain('add --encoding windows-1252')
    expect(refused.stderr).toContain('Réclamation facture')

    const read = await runCli(['backfill', '--csv', 'export.csv', '--encoding', 'windows-1252', '--json'], { cwd, env })
    expect(read.code).toBe(0)
    const run = JSON.parse(read.stdout) as Envelope
    expect(run.result.csv).toMatchObject({ rows: 2, rejected: 0, delimiter: ';', encoding: 'windows-1252' })
    expect(run.result.counts.logged).toBe(2)
    // What reached Intercom is the text, not mojibake.
    const state = (await (await fetch(`${sandbox().intercom.url}/_emulator/state`)).json()) as Record<string, unknown>
    expect(JSON.stringify(state)).toContain('Réclamation facture, rappel à 14h')
  }, 60_000)

  test('binary garbage: exit 2, "not a text file", and not one control byte echoed', async () => {
    const { cwd, env } = workspace()
    const garbage = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 256))
    writeFileSync(join(cwd, 'calls.csv'), garbage)
    const human = await runCli(['backfill', '--csv', 'calls.csv'], { cwd, env })
    expect(human.code).toBe(2)
    expect(human.stderr).toContain('is not a text file')
    expect(hasControl(human.stderr)).toBe(false)
    expect(hasControl(human.stdout)).toBe(false)
    const json = await runCli(['backfill', '--csv', 'calls.csv', '--json'], { cwd, env })
    expect((JSON.parse(json.stdout) as Envelope).error?.code).toBe('file_not_text')
  }, 60_000)

  test('an empty file: exit 2 "<path> is empty"', async () => {
    const { cwd, env } = workspace()
    writeFileSync(join(cwd, 'empty.csv'), '')
    const run = await runCli(['backfill', '--csv', 'empty.csv'], { cwd, env })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(`Error: ${join(cwd, 'empty.csv')} is empty`)
    const json = await runCli(['backfill', '--csv', 'empty.csv', '--json'], { cwd, env })
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, exitCode: 2, error: { code: 'file_empty' } })
  }, 60_000)

  test('a file of bad rows: the first 20 as warnings, then one line pointing at the rejects file (--rejects)', async () => {
    const { cwd, env } = workspace()
    const rows = Array.from(
      { length: 25 },
      (_, i) => `${990_000 + i},not a date,inbound,+33 1 99 00 12 34,+33 1 99 00 00 10,1`,
    )
    writeFileSync(join(cwd, 'bad.csv'), `Call ID,Date (UTC),Direction,From,To,Duration (s)\n${rows.join('\n')}\n`)
    const run = await runCli(['backfill', '--csv', 'bad.csv', '--rejects', 'out/../bad-rows.csv'], { cwd, env })
    expect(run.code).toBe(3)
    const warnings = run.stderr.split('\n').filter((line) => line.startsWith('warning: '))
    expect(warnings.filter((line) => /^warning: line \d+: unreadable date/.test(line))).toHaveLength(20)
    expect(warnings.at(-1)).toBe(
      `warning: 5 more rows could not be read: every rejected row is in ${join(cwd, 'bad-rows.csv')}`,
    )
    expect(run.stdout).toContain('25 of 25 CSV row(s) could not be imported')
  }, 60_000)

  test('--delimiter, --encoding and --rejects need --csv; --force-range does not go with it; --format needs --dry-run', async () => {
    const { cwd, env } = workspace()
    const alone = await runCli(['backfill', '--since', '7d', '--encoding', 'latin1'], { cwd, env })
    expect(alone.code).toBe(2)
    expect(alone.stderr).toContain('--csv')
    const both = await runCli(['backfill', '--csv', 'x.csv', '--force-range'], { cwd, env })
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('--force-range')
    const format = await runCli(['backfill', '--since', '7d', '--format', 'csv'], { cwd, env })
    expect(format.code).toBe(2)
    expect(format.stderr).toContain('--dry-run')
    const help = await runCli(['backfill', '--help'], { cwd, env })
    // Every flag of the usage line reads as a flag and its value, never a dangling group.
    expect(help.stdout).not.toMatch(/ \]| \| \]/)
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('[--csv FILE] [--delimiter CHAR]')
  }, 60_000)
})

describe('ranges', () => {
  test('--since older than the retention starts at the horizon (with --csv suggested) unless --force-range', async () => {
    const { cwd, env } = workspace({ aircall: { retentionDays: 10 } })
    const clamped = await runCli(['backfill', '--since', '20d', '--json'], { cwd, env })
    expect(clamped.code).toBe(0)
    const run = JSON.parse(clamped.stdout) as Envelope
    const retention = run.warnings.find((warning) => warning.includes('Aircall serves'))
    expect(retention).toContain('before the 10 days or so Aircall serves')
    expect(retention).toContain('backfill --csv FILE')
    expect(retention).toContain('--force-range')
    const tenDaysAgo = Date.now() - 10 * 86_400_000
    expect(Math.abs(Date.parse(run.result.read[0]?.since ?? '') - tenDaysAgo)).toBeLessThan(120_000)

    const forced = await runCli(['backfill', '--since', '20d', '--force-range', '--restart', '--json'], { cwd, env })
    expect(forced.code).toBe(0)
    const all = JSON.parse(forced.stdout) as Envelope
    expect(Math.abs(Date.parse(all.result.read[0]?.since ?? '') - (Date.now() - 20 * 86_400_000))).toBeLessThan(120_000)
    expect(all.result.counts.read).toBeGreaterThan(run.result.counts.read)
  }, 60_000)

  test('--since later than the default --until (now) exits 2, as when both are given', async () => {
    const { cwd, env } = workspace()
    const run = await runCli(['backfill', '--since', '2099-01-01'], { cwd, env })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('Error: --since must be before --until')
    expect(run.stderr).toContain('(--until defaults to now)')
  }, 60_000)
})

describe('progress on stderr (no TTY: one line per window and per rate-limit pause)', () => {
  test('each window line carries the whole run’s total, and a 429 pause says how long it waits', async () => {
    const { cwd, env } = workspace()
    const emulator = sandbox().aircallEmulator
    // The injected 429 announces a reset 60 s after the emulator's clock: 58 s behind, that is 2 s from now.
    emulator.advanceClock(-58_000)
    emulator.addFault({ match: 'GET /v1/calls', kind: 'rate-limit', nth: [3], limit: 1 })
    try {
      const run = await runCli(['backfill', '--since', '30d', '--concurrency', '8'], { cwd, env })
      expect(run.code).toBe(0)
      const lines = run.stderr.trim().split('\n')
      expect(lines).toContainEqual(expect.stringMatching(/^waiting for the Aircall rate limit \(resets in \d+ s\)$/))
      const windows = lines.filter((line) => / → .*: [\d,]+ calls · /.test(line))
      expect(windows.length).toBeGreaterThan(1)
      const read = Number(/calls read\s*│\s*([\d,]+)/.exec(run.stdout)?.[1]?.replace(/,/g, ''))
      const totals = windows.map((line) => Number(/ · [\d,]+\/([\d,]+) \(/.exec(line)?.[1]?.replace(/,/g, '')))
      expect(new Set(totals)).toEqual(new Set([read]))
      expect(windows.at(-1)).toContain(`${read.toLocaleString('en-US')}/${read.toLocaleString('en-US')} (100%)`)
    } finally {
      emulator.clearFaults()
      emulator.advanceClock(58_000)
    }
  }, 60_000)

  test('a CSV import reports bytes of the file size', async () => {
    const { cwd, env } = workspace()
    const file = join(cwd, 'calls.csv')
    const rows = Array.from(
      { length: 1200 },
      (_, i) =>
        `${880_000 + i},2026-11-16 08:${String(i % 60).padStart(2, '0')}:00,inbound,anonymous,+33 1 99 00 00 10,1`,
    )
    writeFileSync(file, `Call ID,Date (UTC),Direction,From,To,Duration (s)\n${rows.join('\n')}\n`)
    const size = statSync(file).size
    const run = await runCli(['backfill', '--csv', file], { cwd, env })
    expect(run.code).toBe(0)
    const windows = run.stderr.split('\n').filter((line) => line.startsWith('rows '))
    expect(windows).toHaveLength(3)
    const shown = `${(size / 1000).toFixed(1)} kB`
    for (const line of windows)
      expect(line).toMatch(new RegExp(`^rows \\d+–\\d+: \\d+ calls · [\\d.]+ kB/${shown} \\(\\d+%\\)`))
    expect(windows.at(-1)).toContain(`${shown}/${shown} (100%)`)
  }, 60_000)
})
