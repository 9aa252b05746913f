import { describe, expect, test } from 'vitest'

import { startSandbox } from '@aircall-intercom/emulators'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { sandboxEnv } from './sandbox-env.js'

const tempDir = useTempDir()

interface Document {
  result: {
    counts: { logged: number; updated: number; alreadyDone: number; deadLetters: number }
    insights: { noted: number; alreadyNoted: number; none: number; unanswered: number } | null
  }
}

type StateConversation = { custom_attributes: Record<string, unknown> }

describe('backfill --with-ai (built CLI)', () => {
  test("notes each call's AI summary and transcript once; calls without them are counted, not failed", async () => {
    const sandbox = await startSandbox({ calls: 30, days: 3, seed: 19, aircall: { rateLimitPerMinute: 0 } })
    try {
      const env = sandboxEnv(sandbox, { INTERCOM_ADMIN_ID: sandbox.intercom.adminId })
      const cwd = tempDir()
      const run = await runCli(['backfill', '--since', '4d', '--with-ai', '--json'], { cwd, env })
      expect(run.code, run.stderr).toBe(0)
      const { counts, insights } = (JSON.parse(run.stdout) as Document).result
      const calls = counts.logged + counts.updated + counts.alreadyDone
      expect(insights).not.toBeNull()
      expect(insights!.noted).toBeGreaterThan(0)
      expect(insights!.none).toBeGreaterThan(0)
      // Two insights read per logged call someone spoke on: each is a note, or none; missed calls are not read.
      expect(insights!.unanswered).toBeGreaterThan(0)
      expect(insights!.noted + insights!.alreadyNoted + insights!.none).toBe(2 * (calls - insights!.unanswered))
      const aiReads = Object.entries(sandbox.aircallEmulator.requestStats().byRoute)
        .filter(([route]) => /\/(summary|transcription) /.test(route))
        .reduce((sum, [, count]) => sum + count, 0)
      expect(aiReads).toBe(2 * (calls - insights!.unanswered))

      const conversations = sandbox.intercomEmulator.state().conversations as StateConversation[]
      const withSummary = conversations.filter((item) => JSON.stringify(item).includes('Call summary (Aircall AI)'))
      const withTranscript = conversations.filter((item) =>
        JSON.stringify(item).includes('Call transcript (Aircall AI)'),
      )
      expect(withSummary).toHaveLength(insights!.noted / 2)
      expect(withTranscript.map((item) => item.custom_attributes.aircall_call_id)).toEqual(
        withSummary.map((item) => item.custom_attributes.aircall_call_id),
      )

      // Again from the start: every note is found in the ledger, none written twice.
      const again = await runCli(['backfill', '--since', '4d', '--with-ai', '--restart', '--json'], { cwd, env })
      expect(again.code, again.stderr).toBe(0)
      const second = (JSON.parse(again.stdout) as Document).result.insights!
      expect(second).toEqual({
        noted: 0,
        alreadyNoted: insights!.noted,
        none: insights!.none,
        unanswered: insights!.unanswered,
      })

      // A company without the AI plan (403 on every insight): the run succeeds and counts them.
      await fetch(`${sandbox.aircall.url}/_emulator/settings`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ aiPlan: 'none' }),
      })
      const plain = await runCli(['backfill', '--since', '4d', '--with-ai', '--restart'], { cwd: tempDir(), env })
      expect(plain.code, plain.stderr).toBe(0)
      expect(plain.stdout).toMatch(
        /AI insights: 0 note\(s\) written, \d+ already there, \d+ not available .*, \d+ unanswered call\(s\) not read/,
      )
    } finally {
      await sandbox.close()
    }
  }, 120_000)
})
