import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, test } from 'vitest'

import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import { loggedPerCall } from '../helpers/world-process.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { sandboxEnv } from './sandbox-env.js'

const tempDir = useTempDir()

interface Envelope {
  ok: boolean
  exitCode: number
  result: {
    counts: { read: number; logged: number; alreadyDone: number; badRows: number; skipped: Record<string, number> }
    csv: { rows: number; rejected: number; rejectsFile: string | null; delimiter: string; encoding: string }
  }
  warnings: string[]
}

describe('backfill --csv: an Aircall call export with broken rows', () => {
  let sandbox: SandboxHandle
  beforeAll(async () => {
    const intercom = { rateLimitPerMinute: 0, contract: 'off' as const, formattedPhoneDefaultCountry: 'FR' }
    sandbox = await startSandbox({ calls: 20, seed: 3, aircall: { rateLimitPerMinute: 0 }, intercom })
  })
  afterAll(async () => {
    await sandbox.close()
  })

  test('imports the good rows, rejects exactly the broken ones by line number (exit 3, rejects file), and a second import creates nothing', async () => {
    const cwd = tempDir()
    const [a, b, c] = sandbox.world.truth.knownCallers
    const lines = [
      'Call ID,Date (UTC),Direction,From,To,Duration (s),Missed call reason,Tags,Comments,User,Number name,Recording',
      `900001,2026-03-02 09:15:00,inbound,${a},+33 1 84 88 00 00,125,,VIP,Asked about the invoice,Alice Martin,Paris support,https://assets.aircall.io/calls/900001/recording`,
      `900002,2026-03-02 10:00:00,outbound,+33 1 84 88 00 00,${b},64,,,,Alice Martin,Paris support,`,
      `,2026-03-02 10:30:00,inbound,${c},+33 1 84 88 00 00,10,,,,,Paris support,`,
      `900004,2026-03-02 11:00:00,inbound,${c},+33 1 84 88 00 00,0,no_available_agent,,,,Paris support,`,
      `900005,2026-03-02 11:30:00,inbound,anonymous,+33 1 84 88 00 00,0,short_abandoned,,,,Paris support,`,
      `900006,yesterday-ish,inbound,${a},+33 1 84 88 00 00,30,,,,,Paris support,`,
      `900007,2026-03-03 08:00:00,inbound,${b},+33 1 84 88 00 00,45,,,,Bob,Paris support,`,
      `900008,2026-03-03 08:05:00,inbound,${b},+33 1 84 88 00 00`,
      `900009,2026-03-03 09:00:00,inbound,${a},+33 1 84 88 00 00,200,,"billing, callback","Line one",Bob,Paris support,`,
      `900010,2026-03-03 09:30:00,sideways,${a},+33 1 84 88 00 00,20,,,,,Paris support,`,
    ]
    writeFileSync(join(cwd, 'export.csv'), `${lines.join('\n')}\n`)
    writeFileSync(join(cwd, 'aircall-intercom.yml'), JSON.stringify({ matching: { defaultCountry: 'FR' } }))
    const env = sandboxEnv(sandbox, { INTERCOM_ADMIN_ID: sandbox.intercom.adminId })

    const first = await runCli(['backfill', '--csv', 'export.csv', '--json'], { cwd, env })
    // Some rows failed: like dead letters, the exit code says so.
    expect(first.code).toBe(3)
    const run = JSON.parse(first.stdout) as Envelope
    expect(run.ok).toBe(false)
    expect(run.result.counts.badRows).toBe(4)
    const rejectsFile = join(cwd, 'export.csv.rejects.csv')
    expect(run.result.csv).toEqual({
      rows: 10,
      rejected: 4,
      outOfRange: 0,
      rejectsFile,
      delimiter: ',',
      encoding: 'utf-8',
    })
    const rejected = readFileSync(rejectsFile, 'utf8').trim().split('\n')
    expect(rejected[0]).toBe(`Rejected at line,Rejection reason,${lines[0]}`)
    expect(rejected.slice(1).map((line) => line.split(',')[0])).toEqual(['4', '7', '9', '11'])
    expect(rejected[1]).toBe(`4,missing call id,${lines[3]}`)
    const reported = run.warnings
      .filter((warning) => /^line \d+:/.test(warning))
      .map((warning) => Number(/^line (\d+)/.exec(warning)?.[1]))
    expect(reported).toEqual([4, 7, 9, 11])
    expect(run.warnings.find((w) => w.startsWith('line 4:'))).toContain('missing call id')
    expect(run.warnings.find((w) => w.startsWith('line 7:'))).toContain('unreadable date')
    expect(run.warnings.find((w) => w.startsWith('line 9:'))).toContain('fields where the header has')
    expect(run.warnings.find((w) => w.startsWith('line 11:'))).toContain('unknown direction')
    expect(run.result.counts.read).toBe(6)
    expect(run.result.counts.skipped.anonymous).toBe(1)
    expect(run.result.counts.logged).toBe(5)

    const logged = await loggedPerCall(sandbox.intercom.url)
    for (const id of ['900001', '900002', '900004', '900007', '900009']) expect(logged.conversations.get(id)).toBe(1)

    const text = await runCli(['backfill', '--csv', 'export.csv', '--restart'], { cwd, env })
    expect(text.code).toBe(3)
    expect(text.stderr).toContain('warning: line 9: 5 fields where the header has 12; row skipped')
    expect(text.stdout).toMatch(/already done\s*│\s*5/)
    expect(text.stdout).toMatch(/CSV rows rejected\s*│\s*4/)
    expect(text.stdout).toContain(
      `4 of 10 CSV row(s) could not be imported: they are in ${rejectsFile} with the line number and reason.`,
    )
    expect((await loggedPerCall(sandbox.intercom.url)).total).toBe(logged.total)
  }, 60_000)
})
