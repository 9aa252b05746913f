import { chmodSync, closeSync, openSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { openStateStore } from '../../src/store/sqlite-store.js'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { startHarness, type Harness } from '../listener/harness.js'

const tempDir = useTempDir()
let harness: Harness | undefined
afterEach(async () => {
  await harness?.close()
  harness = undefined
})

/** A store with enough rows to span many pages, then one page in the middle overwritten with garbage. */
const damagedStore = (path: string): void => {
  const store = openStateStore(path)
  for (let i = 0; i < 3000; i++) {
    store.enqueueEvent({
      source: 'aircall',
      identity: `e${i}`,
      type: 'call.ended',
      subject: null,
      payload: 'x'.repeat(200),
      receivedAt: Date.now(),
    })
  }
  store.close()
  const fd = openSync(path, 'r+')
  writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096 * 20)
  closeSync(fd)
}

describe('state store files (built CLI)', () => {
  test('listen refuses a store with damaged pages, naming the file and what to do, and never says listening', async () => {
    harness = await startHarness(tempDir())
    damagedStore(harness.statePath)
    const run = await runCli(['listen', '--port', '0', '--json'], { env: harness.env })
    expect(run.code).toBe(1)
    const document = JSON.parse(run.stdout) as { error: { code: string; message: string; hint: string } }
    expect(document.error.code).toBe('store_error')
    expect(document.error.message).toContain(`the state store ${harness.statePath} is damaged`)
    expect(document.error.hint).toContain('new --state')
    expect(run.stderr).not.toContain('listening on')
  })

  test('status and events list read a read-only store without changing its mode', async () => {
    const dir = tempDir()
    const path = join(dir, 'state.sqlite')
    const store = openStateStore(path)
    store.enqueueEvent({
      source: 'aircall',
      identity: 'a',
      type: 'call.ended',
      subject: null,
      payload: '{}',
      receivedAt: 1,
    })
    store.close()
    chmodSync(path, 0o444)
    const env = { AIRCALL_INTERCOM_STATE: path }
    const status = await runCli(['status', '--json'], { env, cwd: dir })
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout).result.counts.events.queued).toBe(1)
    const listed = await runCli(['events', 'list', '--json'], { env, cwd: dir })
    expect(listed.code).toBe(0)
    expect(JSON.parse(listed.stdout).result.events).toHaveLength(1)
    expect(statSync(path).mode & 0o777).toBe(0o444)
  })
})
