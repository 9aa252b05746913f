import { spawn } from 'node:child_process'
import { describe, expect, test } from 'vitest'
import { CLI, REPO_ROOT, runCli } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { intercomState, queueSettled, useListenerCleanup } from '../listener/harness.js'

const tempDir = useTempDir()
const { startHarness, spawnListen } = useListenerCleanup()

interface Shown {
  result: {
    id: number
    status: string
    summary: string | null
    outcome: {
      effects: Array<{ rule: string; status: string; detail?: string }>
      objects: Array<{ service: string; kind: string; id: string; url: string }>
      durationMs: number | null
    } | null
  }
}

describe('event outcomes (built CLI against the emulators)', () => {
  test('a processed event keeps its trail: events show, events list --outcome, events tail --json', async () => {
    const harness = await startHarness(tempDir())
    const { env } = harness
    const listener = spawnListen(harness)
    const url = await listener.url

    // Started beside the listener; --since makes its starting point independent of how fast it starts.
    const tail = spawn(process.execPath, [CLI, 'events', 'tail', '--json', '--since', '10m', '--count', '2'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let tailed = ''
    tail.stdout.on('data', (chunk: Buffer) => (tailed += chunk.toString()))
    const tailExit = new Promise<number | null>((resolve) => tail.on('close', resolve))
    try {
      expect((await runCli(['trigger', 'call.ended', '--to', url, '--call-id', '777'], { env })).code).toBe(0)
      expect((await runCli(['trigger', 'conversation.priority.updated', '--to', url], { env })).code).toBe(0)
      await queueSettled(url)

      const listed = JSON.parse((await runCli(['events', 'list', '--json'], { env })).stdout) as {
        result: { events: Array<{ id: number; type: string; summary: string | null }> }
      }
      const call = listed.result.events.find((event) => event.type === 'call.ended')!
      const conversationEvent = listed.result.events.find((event) => event.type !== 'call.ended')!
      expect(call.summary).toMatch(/^log:logged\(conversation \S+\)/)

      const shown = JSON.parse((await runCli(['events', 'show', String(call.id), '--json'], { env })).stdout) as Shown
      const logged = intercomState(harness).conversations.find(
        (conversation) => (conversation.custom_attributes as Record<string, unknown>).aircall_call_id === '777',
      )!
      const contactId = (logged.contacts as { contacts: Array<{ id: string }> }).contacts[0]?.id
      expect(shown.result.outcome?.effects[0]).toEqual({
        rule: 'log',
        status: 'logged',
        detail: `conversation ${String(logged.id)}`,
      })
      expect(shown.result.outcome?.objects.map(({ service, kind, id }) => ({ service, kind, id }))).toEqual([
        { service: 'aircall', kind: 'call', id: '777' },
        { service: 'intercom', kind: 'conversation', id: String(logged.id) },
        { service: 'intercom', kind: 'contact', id: contactId },
      ])
      expect(shown.result.outcome?.objects[1]?.url).toContain(`/conversations/${String(logged.id)}`)
      expect(shown.result.outcome?.durationMs).toBeGreaterThanOrEqual(0)

      const human = await runCli(['events', 'show', String(call.id)], { env })
      expect(human.stdout).toMatch(/Trail in [\d.]+ ms:\n {2}log {10}logged: conversation /)
      expect(human.stdout).toContain(`intercom contact`)

      const byOutcome = async (outcome: string): Promise<number[]> =>
        (
          JSON.parse((await runCli(['events', 'list', '--outcome', outcome, '--json'], { env })).stdout) as {
            result: { events: Array<{ id: number }> }
          }
        ).result.events.map((event) => event.id)
      expect(await byOutcome('log:logged')).toEqual([call.id])
      expect(await byOutcome('escalation')).toEqual([conversationEvent.id])
      expect(await byOutcome('log:skipped')).toEqual([])
      const badFilter = await runCli(['events', 'list', '--outcome', 'LOG!', '--json'], { env })
      expect(badFilter.code).toBe(2)

      expect(await tailExit).toBe(0)
      const lines = tailed
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { id: number; status: string; effects: unknown[]; objects: unknown[] })
      expect(lines.map((line) => line.id).sort((a, b) => a - b)).toEqual(
        [call.id, conversationEvent.id].sort((a, b) => a - b),
      )
      const tailedCall = lines.find((line) => line.id === call.id)
      expect(tailedCall).toMatchObject({ status: 'done', effects: shown.result.outcome?.effects })
      expect(tailedCall?.objects).toEqual(shown.result.outcome?.objects)
    } finally {
      if (tail.exitCode === null) tail.kill('SIGKILL')
    }
    listener.child.kill('SIGTERM')
    expect(await listener.exited).toBe(0)
  }, 90_000)
})
