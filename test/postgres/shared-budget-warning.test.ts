/**
 * The shared budget's row cannot be read (here: another session holds its table locked, as a stuck migration or
 * a runaway maintenance job would): the run does not wait on it, it goes on under its own gate and says so once
 * per API, in its warnings and on stderr, without the database's password; the statements stuck behind the lock
 * do not keep the store's (two) connections from the rest of the run.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startSandbox, type SandboxHandle } from '@aircall-intercom/emulators'
import { openPostgresStore } from '../../src/store/postgres/index.js'
import { freshDatabase, postgresServer } from '../helpers/postgres.js'
import { runCli } from '../helpers/run-cli.js'
import { loggedPerCall } from '../helpers/world-process.js'
import { sandboxEnv } from '../e2e/sandbox-env.js'

describe('a shared budget that does not answer', () => {
  let sandbox: SandboxHandle
  beforeAll(async () => {
    const intercom = { rateLimitPerMinute: 0, contract: 'off' as const, formattedPhoneDefaultCountry: 'FR' }
    sandbox = await startSandbox({ calls: 40, days: 1, seed: 11, aircall: { rateLimitPerMinute: 0 }, intercom })
  })
  afterAll(async () => {
    await sandbox.close()
  })

  test('sync goes on under its own gate and warns once per API', async () => {
    const database = await freshDatabase('budget_warning')
    await (await openPostgresStore(database.passwordUrl)).close()
    const dir = mkdtempSync(join(tmpdir(), 'aircall-intercom-budget-warning-'))
    // Two connections: statements stuck behind the lock must not take them from the ledger and the checkpoints.
    writeFileSync(
      join(dir, 'aircall-intercom.yml'),
      JSON.stringify({ matching: { defaultCountry: 'FR' }, store: { poolSize: 2 } }),
    )
    const env = sandboxEnv(sandbox, {
      INTERCOM_ADMIN_ID: sandbox.intercom.adminId,
      AIRCALL_INTERCOM_STATE: database.passwordUrl,
    })

    const blocker = new pg.Client({ connectionString: database.url })
    await blocker.connect()
    try {
      await blocker.query('begin')
      await blocker.query('lock table public.budgets in access exclusive mode')
      // Held for longer than the whole sync needs: it must finish while the budget's table is still locked.
      let released = false
      const release = setTimeout(() => {
        released = true
        void blocker.query('commit')
      }, 45_000)
      const sync = await runCli(['sync', '--lookback', '1d', '--json'], { cwd: dir, env, timeoutMs: 60_000 })
      clearTimeout(release)
      expect(released).toBe(false)
      expect(sync.code, sync.stdout + sync.stderr).toBe(0)
      const document = JSON.parse(sync.stdout) as { warnings: string[]; result: { counts: { logged: number } } }
      const budgetWarnings = document.warnings.filter((warning) => warning.includes('budget'))
      expect(budgetWarnings.length).toBeGreaterThanOrEqual(1)
      expect(budgetWarnings.length).toBeLessThanOrEqual(2)
      expect(new Set(budgetWarnings).size).toBe(budgetWarnings.length)
      expect(budgetWarnings.join('\n')).toMatch(
        /the shared (Aircall|Intercom) budget in the PostgreSQL store is unavailable \(.+\): this process sends under its own (aircall|intercom)\.rateLimitPerMinute/,
      )
      expect(sync.stdout + sync.stderr).not.toContain(postgresServer().password)
      // Nothing was lost to the fallback: every call of the day is logged once.
      const logged = await loggedPerCall(sandbox.intercom.url)
      expect(document.result.counts.logged).toBeGreaterThan(0)
      expect(logged.notes.size).toBe(document.result.counts.logged)
      expect([...logged.notes.values()].every((count) => count === 1)).toBe(true)
    } finally {
      await blocker.query('rollback').catch(() => undefined)
      await blocker.end()
    }
  }, 120_000)
})
