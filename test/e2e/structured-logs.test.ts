import { describe, expect, test } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { queueSettled, useListenerCleanup } from '../listener/harness.js'

const tempDir = useTempDir()
const listeners = useListenerCleanup()

interface LogLine {
  level: string
  levelValue: number
  time: number
  msg: string
  type: string
  [field: string]: unknown
}

describe('structured logs (built CLI)', () => {
  test('listen --json logs pino-style lines: level name and number, time in epoch ms, msg, then the fields', async () => {
    const harness = await listeners.startHarness(tempDir())
    const { INTERCOM_CLIENT_SECRET: _secret, ...env } = harness.env
    const listener = listeners.spawnListen({ ...harness, env })
    const url = await listener.url
    const before = Date.now()
    const forged = await fetch(`${url}/aircall`, { method: 'POST', body: '{"token":"wrong"}' })
    expect(forged.status).toBe(401)
    expect((await runCli(['trigger', 'call.ended', '--to', url], { env })).code).toBe(0)
    await queueSettled(url)
    listener.child.kill('SIGTERM')
    expect(await listener.exited).toBe(0)
    const lines = listener
      .stderr()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogLine)
    const numbers: Record<string, number> = { info: 30, warn: 40, error: 50 }
    for (const line of lines) {
      expect(line.levelValue).toBe(numbers[line.level])
      expect(Number.isInteger(line.time)).toBe(true)
      expect(line.time).toBeGreaterThan(before - 60_000)
      expect(line.time).toBeLessThanOrEqual(Date.now())
      expect(typeof line.msg).toBe('string')
      expect(line.msg.length).toBeGreaterThan(0)
      expect(line).not.toHaveProperty('at')
    }
    const rejected = lines.find((line) => line.type === 'rejected')
    expect(rejected).toMatchObject({ level: 'warn', status: 401, msg: expect.stringMatching(/^rejected 401/) })
    const processed = lines.find((line) => line.type === 'processed')
    expect(processed?.msg).toMatch(/^processed #\d+ call\.ended/)
    expect(processed).toHaveProperty('id')
  }, 90_000)
})
