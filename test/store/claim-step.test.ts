import { spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { claimWhenFree } from '../../src/store/claim-step.js'
import { openStateStore } from '../../src/store/sqlite/index.js'
import { isOwnerGone } from '../../src/store/step-owner.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

describe('claimWhenFree', () => {
  test('waits while held and returns what the holder wrote', async () => {
    const clock = { now: 1_000 }
    const path = join(tempDir(), 'state.sqlite')
    const a = openStateStore(path, { now: () => clock.now })
    const b = openStateStore(path, { now: () => clock.now })
    await a.ledger.claim('call:3:conversation', { owner: 'a', leaseMs: 60_000 })
    const slept: number[] = []
    const result = await claimWhenFree(
      {
        ledger: b.ledger,
        owner: 'b',
        leaseMs: 60_000,
        now: () => clock.now,
        sleep: (ms) => {
          slept.push(ms)
          if (slept.length === 3) {
            a.ledger.complete('call:3:conversation', 'conv-3')
            // Another process sees a completion once it is committed.
            a.close()
          }
          return Promise.resolve()
        },
      },
      'call:3:conversation',
      {},
    )
    expect(result).toMatchObject({ status: 'done', step: { externalId: 'conv-3' } })
    expect(slept).toHaveLength(3)
    b.close()
  })

  test('gives up when its signal aborts', async () => {
    const path = join(tempDir(), 'state.sqlite')
    const a = openStateStore(path)
    await a.ledger.claim('call:4:conversation', { owner: 'a', leaseMs: 60_000 })
    const controller = new AbortController()
    const waiting = claimWhenFree(
      {
        ledger: a.ledger,
        owner: 'b',
        leaseMs: 60_000,
        now: Date.now,
        sleep: () => {
          controller.abort(new Error('stopped'))
          return Promise.resolve()
        },
      },
      'call:4:conversation',
      {},
      controller.signal,
    )
    await expect(waiting).rejects.toThrow('stopped')
    a.close()
  })
})

describe('claim owners', () => {
  test('an owner on this host whose process has exited is gone; a live or foreign one is not', () => {
    const exited = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString()
    expect(isOwnerGone(`${hostname()}/${exited}/abcd`)).toBe(true)
    expect(isOwnerGone(`${hostname()}/${process.pid}/abcd`)).toBe(false)
    expect(isOwnerGone(`another-host.example/${exited}/abcd`)).toBe(false)
  })
})
