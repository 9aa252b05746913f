import { spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { claimWhenFree } from '../../src/store/claim-step.js'
import { openStateStore, StepHeldError } from '../../src/store/sqlite-store.js'
import { isOwnerGone } from '../../src/store/step-owner.js'
import { useTempDir } from '../helpers/temp-dir.js'

const tempDir = useTempDir()

/** Two connections to one file, as two processes would have, each with its own clock. */
const openPair = (clock: { now: number }) => {
  const path = join(tempDir(), 'state.sqlite')
  const options = { now: () => clock.now, isOwnerGone: (owner: string) => owner.startsWith('dead/') }
  return { a: openStateStore(path, options), b: openStateStore(path, options) }
}

describe('ledger claims', () => {
  test('a step claimed by one owner is held for the other until it is done, then answered done', async () => {
    const clock = { now: 1_000 }
    const { a, b } = openPair(clock)
    expect(await a.claimStepGrouped('call:1:conversation', { owner: 'a', leaseMs: 60_000 })).toEqual({
      status: 'claimed',
      resumed: null,
    })
    expect(b.claimStep('call:1:conversation', { owner: 'b', leaseMs: 60_000 })).toEqual({
      status: 'held',
      owner: 'a',
      leaseUntil: 61_000,
    })
    a.completeStep('call:1:conversation', 'conv-1')
    expect(b.claimStep('call:1:conversation', { owner: 'b', leaseMs: 60_000 })).toMatchObject({
      status: 'done',
      step: { externalId: 'conv-1' },
    })
    a.close()
    b.close()
  })

  test('a lapsed lease or a dead owner hands the step over, marked resumed so the new owner reconciles', () => {
    const clock = { now: 1_000 }
    const { a, b } = openPair(clock)
    a.claimStep('call:1:note', { owner: 'a', leaseMs: 10_000, data: { revision: 'r1' } })
    clock.now = 11_001
    const taken = b.claimStep('call:1:note', { owner: 'b', leaseMs: 10_000 })
    expect(taken).toMatchObject({ status: 'claimed', resumed: { status: 'pending', data: { revision: 'r1' } } })
    expect(a.getStep('call:1:note')).toMatchObject({ attempts: 2 })

    a.claimStep('contact:+33612345678:create', { owner: 'dead/1/x', leaseMs: 60_000 })
    expect(b.claimStep('contact:+33612345678:create', { owner: 'b', leaseMs: 60_000 })).toMatchObject({
      status: 'claimed',
      resumed: { status: 'pending' },
    })
    a.close()
    b.close()
  })

  test('a failed step is claimable at once; the same owner re-claiming is told its own attempt may have written', () => {
    const clock = { now: 1_000 }
    const { a, b } = openPair(clock)
    a.claimStep('call:2:note', { owner: 'a', leaseMs: 60_000 })
    a.failStep('call:2:note', 'ServerError: 503')
    expect(b.claimStep('call:2:note', { owner: 'b', leaseMs: 60_000 })).toMatchObject({
      status: 'claimed',
      resumed: { status: 'failed', lastError: 'ServerError: 503' },
    })
    expect(b.claimStep('call:2:note', { owner: 'b', leaseMs: 60_000 })).toMatchObject({
      status: 'claimed',
      resumed: { status: 'pending' },
    })
    a.close()
    b.close()
  })

  test('claimWhenFree waits while held and returns what the holder wrote', async () => {
    const clock = { now: 1_000 }
    const { a, b } = openPair(clock)
    a.claimStep('call:3:conversation', { owner: 'a', leaseMs: 60_000 })
    const slept: number[] = []
    const result = await claimWhenFree(
      {
        store: b,
        owner: 'b',
        leaseMs: 60_000,
        now: () => clock.now,
        sleep: (ms) => {
          slept.push(ms)
          if (slept.length === 3) a.completeStep('call:3:conversation', 'conv-3')
          return Promise.resolve()
        },
      },
      'call:3:conversation',
      {},
    )
    expect(result).toMatchObject({ status: 'done', step: { externalId: 'conv-3' } })
    expect(slept).toHaveLength(3)
    a.close()
    b.close()
  })
})

describe('beginStep', () => {
  test('refuses a step another live owner is writing, and takes over its own or a lapsed one', () => {
    const clock = { now: 1_000 }
    const path = join(tempDir(), 'state.sqlite')
    const a = openStateStore(path, { now: () => clock.now, owner: 'a' })
    const b = openStateStore(path, { now: () => clock.now, owner: 'b' })
    a.beginStep('call:1:missed-message', { caller: '+33612345678' })
    expect(() => b.beginStep('call:1:missed-message')).toThrow(StepHeldError)
    expect(a.beginStep('call:1:missed-message')).toMatchObject({ status: 'pending', attempts: 2 })
    clock.now += 120_001
    expect(b.beginStep('call:1:missed-message')).toMatchObject({ status: 'pending', attempts: 3 })
    a.close()
    b.close()
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
