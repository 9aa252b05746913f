import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, test } from 'vitest'
import { aircallFixture } from '../../src/listener/fixtures.js'
import type { IntakeEvent } from '../../src/listener/intake.js'
import { REPO_ROOT } from '../helpers/run-cli.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { useListenerCleanup } from '../listener/harness.js'

const tempDir = useTempDir()
const { startHarness, spawnListen } = useListenerCleanup()

const JSON_TYPE = { 'content-type': 'application/json' }
const post = (url: string, body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = JSON_TYPE) =>
  fetch(url, { method: 'POST', body, headers, duplex: 'half' })

const tenMegabytes = (): ReadableStream<Uint8Array> =>
  new ReadableStream({
    start(controller) {
      for (let i = 0; i < 10; i++) controller.enqueue(new Uint8Array(1_000_000).fill(0x5b))
      controller.close()
    },
  })

/** Everything the server sent, once the server has closed the connection. */
const closedByServer = (socket: Socket): Promise<string> =>
  new Promise((resolve) => {
    let received = ''
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
    socket.on('error', () => undefined)
    socket.once('close', () => resolve(received))
  })

describe('listen (built CLI) against hostile requests', () => {
  test('deep nesting, a chunked 10 MB body, a wrong type, a bare call; a flood of bad tokens is logged counted', async () => {
    const harness = await startHarness(tempDir(), { listener: { maxBodyBytes: 65_536 } })
    const listener = spawnListen(harness)
    const url = await listener.url
    const token = harness.sandbox.aircall.webhookToken
    const valid = (callId: number) => aircallFixture('call.ended', token, { callId, timestamp: 1_795_200_000 + callId })

    const deep = JSON.stringify({ ...valid(1), padding: 0 }).replace('"padding":0', `"padding":${'['.repeat(30_000)}`)
    const nested = await post(`${url}/aircall`, deep)
    expect(nested.status).toBe(400)
    expect(await nested.json()).toEqual({ error: 'JSON nested deeper than 64 levels' })

    const large = await post(`${url}/aircall`, tenMegabytes())
    expect(large.status).toBe(413)
    expect(large.headers.get('connection')).toBe('close')

    const plain = await post(`${url}/aircall`, JSON.stringify(valid(2)), { 'content-type': 'text/plain' })
    expect(plain.status).toBe(415)

    const bare = { resource: 'call', event: 'call.ended', timestamp: 1_795_200_003, token, data: { id: 3 } }
    const refused = await post(`${url}/aircall`, JSON.stringify(bare))
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: string }).error).toContain('data.direction is required')

    const forged = JSON.stringify(aircallFixture('call.ended', 'not-the-token'))
    for (let i = 0; i < 30; i++) expect((await post(`${url}/aircall`, forged)).status).toBe(401)
    expect((await post(`${url}/aircall`, JSON.stringify(valid(4)))).status).toBe(200)

    listener.child.kill('SIGTERM')
    expect(await listener.exited).toBe(0)
    const rejected = listener.lines.filter((line) => line.type === 'rejected')
    const counts = (status: number): number[] =>
      rejected.filter((line) => line.status === status).map((line) => line.count as number)
    // Each cause is logged once at once; the further bad tokens are counted, on one line per 10 s (the last
    // flushed at shutdown), however long the flood took.
    expect(counts(400)).toEqual([1, 1])
    expect(counts(413)).toEqual([1])
    expect(counts(415)).toEqual([1])
    expect(counts(401)[0]).toBe(1)
    expect(counts(401).reduce((sum, count) => sum + count, 0)).toBe(30)
    expect(counts(401).length).toBeLessThanOrEqual(3)
    expect(listener.lines.filter((line) => line.type === 'accepted')).toHaveLength(1)
  }, 90_000)

  test('from the built code the intake runs on its own thread, and the limits reach it', async () => {
    type Host = typeof import('../../src/listener/intake-host.js')
    type Sqlite = typeof import('../../src/store/sqlite/index.js')
    const { startIntake } = (await import(pathToFileURL(join(REPO_ROOT, 'dist/listener/intake-host.js')).href)) as Host
    const { asyncSqliteStore, openStateStore } = (await import(
      pathToFileURL(join(REPO_ROOT, 'dist/store/sqlite/index.js')).href
    )) as Sqlite
    const sqlite = openStateStore(join(tempDir(), 'state.sqlite'))
    const store = asyncSqliteStore(sqlite)
    const events: IntakeEvent[] = []
    const intake = await startIntake({
      store,
      aircallWebhookToken: 'token',
      intercomClientSecret: null,
      maxBodyBytes: 65_536,
      limits: { headersTimeoutMs: 150, requestTimeoutMs: 300, keepAliveTimeoutMs: 100, maxConnections: 8 },
      host: '127.0.0.1',
      port: 0,
      workerNiceIncrement: 0,
      onEvent: (event) => events.push(event),
      onFatal: (error) => events.push({ type: 'rejected', source: null, status: 0, reason: error.message, count: 0 }),
    })
    try {
      expect(intake.mode).toBe('thread')
      const { port } = new URL(intake.url)
      const slow = await Promise.all(
        Array.from(
          { length: 6 },
          () =>
            new Promise<Socket>((resolve) => {
              const socket: Socket = connect(Number(port), '127.0.0.1', () => resolve(socket))
            }),
        ),
      )
      const answers = slow.map((socket) => {
        const closed = closedByServer(socket)
        socket.write('POST /aircall HTTP/1.1\r\nHost: intake\r\n')
        return closed
      })
      for (const answer of await Promise.all(answers)) expect(answer).toMatch(/^(HTTP\/1\.1 408 |$)/)
    } finally {
      await intake.stop()
      await store.close()
    }
    const timeouts = events.filter((event) => event.type === 'rejected' && event.status === 408)
    expect(timeouts.reduce((sum, event) => sum + (event.type === 'rejected' ? event.count : 0), 0)).toBe(6)
  })
})
